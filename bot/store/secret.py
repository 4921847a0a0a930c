"""Encrypting secrets at rest (calendar feed addresses) with the operator's key.

With PENDULUM_SECRET_KEY set, values are Fernet tokens (AES-128-CBC + HMAC-SHA256) stored as
`fernet:<token>`; without it they are stored as given (the README says so). A value written
under one key and read without it (or under another) is `Unreadable`, never a crash, so the
person can be asked to connect again.
"""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken

PREFIX = "fernet:"


class Unreadable(Exception):
    """A stored secret can't be decrypted with the configured key (or there is none)."""


class SecretBox:
    def __init__(self, key: str | None) -> None:
        self._fernet = Fernet(key.encode("ascii")) if key else None

    @property
    def encrypts(self) -> bool:
        return self._fernet is not None

    def seal(self, value: str) -> str:
        if self._fernet is None:
            return value
        return PREFIX + self._fernet.encrypt(value.encode("utf-8")).decode("ascii")

    def open(self, stored: str) -> str:
        if not stored.startswith(PREFIX):
            return stored
        if self._fernet is None:
            raise Unreadable("stored encrypted, but PENDULUM_SECRET_KEY is not set")
        try:
            return self._fernet.decrypt(stored[len(PREFIX) :].encode("ascii")).decode("utf-8")
        except InvalidToken:
            raise Unreadable("stored under another PENDULUM_SECRET_KEY") from None

    def is_sealed(self, stored: str) -> bool:
        return stored.startswith(PREFIX)
