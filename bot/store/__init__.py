"""SQLite persistence: one database file, one connection per thread, forward-only migrations."""

from bot.store.db import Store, StoreError

__all__ = ["Store", "StoreError"]
