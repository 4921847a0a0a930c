"""pg_dump and pg_restore get PENDULUM_DB's connection through libpq's environment, never on
their command line (where `ps` shows it to every user), and what they print is scrubbed."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest

from bot.store import pg_backup
from bot.store.admin import OpsError
from bot.store.location import PostgresLocation
from bot.store.pg_server import scrub

URL = "postgresql://pen%40dulum:s3cr%2Ft-pw@db.example:6543/pendulum?sslmode=require&keepalives=1"
LOCATION = PostgresLocation(URL)


def test_the_url_becomes_libpq_environment_variables() -> None:
    env = pg_backup.libpq_environment(LOCATION)
    assert env["PGHOST"] == "db.example" and env["PGPORT"] == "6543"
    assert env["PGUSER"] == "pen@dulum" and env["PGPASSWORD"] == "s3cr/t-pw"
    assert env["PGDATABASE"] == "pendulum" and env["PGSSLMODE"] == "require"
    assert env["PGAPPNAME"] == "pendulum-cli"  # not counted as a running replica


def test_a_parameter_libpq_cannot_take_from_the_environment_is_refused() -> None:
    with pytest.raises(OpsError) as caught:
        pg_backup.libpq_environment(PostgresLocation(URL + "&sslpassword=x"))
    assert "'sslpassword'" in str(caught.value) and "s3cr" not in str(caught.value)


def test_pg_dump_never_sees_the_password_on_its_command_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[tuple[list[str], dict[str, str]]] = []

    def fake_run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[bytes]:
        seen.append((args, env))
        Path(args[-1].removeprefix("--file=")).write_bytes(b"PGDMP...")
        return subprocess.CompletedProcess(args, 0, b"", b"")

    monkeypatch.setattr(pg_backup, "_tool", lambda name: name)
    monkeypatch.setattr(pg_backup, "_run", fake_run)
    pg_backup.backup(LOCATION, tmp_path / "out.dump")
    [(args, env)] = seen
    assert args[0] == "pg_dump" and "--format=custom" in args
    assert not any("s3cr" in a or "postgresql://" in a for a in args)
    assert env["PGPASSWORD"] == "s3cr/t-pw"
    assert (tmp_path / "out.dump").read_bytes() == b"PGDMP..."


def test_a_failed_dump_leaves_no_file_and_no_password(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fake_run(args: list[str], env: dict[str, str]) -> Any:
        Path(args[-1].removeprefix("--file=")).write_bytes(b"PGDMP partial")
        message = f'pg_dump: error: connection to "{URL}" failed: password s3cr/t-pw rejected\n'
        return subprocess.CompletedProcess(args, 1, b"", message.encode())

    monkeypatch.setattr(pg_backup, "_tool", lambda name: name)
    monkeypatch.setattr(pg_backup, "_run", fake_run)
    with pytest.raises(OpsError) as caught:
        pg_backup.backup(LOCATION, tmp_path / "out.dump")
    message = str(caught.value)
    assert "pg_dump could not back up postgresql://db.example:6543/pendulum" in message
    assert "s3cr" not in message and "pen%40dulum" not in message
    assert list(tmp_path.iterdir()) == []


def test_scrub_hides_the_password_raw_and_percent_encoded() -> None:
    text = f"{URL} said s3cr/t-pw and s3cr%2Ft-pw"
    assert "s3cr" not in scrub(text, LOCATION)


def test_the_migration_record_is_read_from_a_dump_script() -> None:
    script = (
        "SET x = 1;\n"
        "COPY public._sqlite_migrations (id, migration_set, name, applied_at) FROM stdin;\n"
        "2\tpendulum\tm002_processed_requests\t2026\n"
        "1\tpendulum\tm001_core\t2026\n"
        "3\tother\tm001_other\t2026\n"
        "\\.\n"
    )
    assert pg_backup.migrations_in_dump(script) == ["m001_core", "m002_processed_requests"]
