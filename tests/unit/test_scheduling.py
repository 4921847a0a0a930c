"""The runtime's tick hook: heartbeat on every run, hourly clean-up of request ids."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.app import build_services
from bot.clock import FakeClock
from bot.config import Config
from bot.content.library import load_library
from bot.runtime import Housekeeping
from bot.services import Services
from bot.store import Store
from bot.store.requests import first_time
from tests.support.databases import open_test_store

PROMPTS = Path(__file__).resolve().parents[2] / "prompts"


def world(tmp_path: Path) -> tuple[Services, Store, FakeClock]:
    """Services on a fresh database and a fake clock at Sunday 09:00 UTC."""
    store = open_test_store(tmp_path, "p.db")
    clock = FakeClock(datetime(2026, 11, 22, 9, tzinfo=UTC))
    services, _ = build_services(
        Config(bot_token="xoxb-x", app_token="xapp-x", db_path=tmp_path / "p.db"),
        library=load_library(PROMPTS),
        store=store,
        clock=clock,
    )
    return services, store, clock


def test_housekeeping_beats_and_forgets_old_request_ids(tmp_path: Path) -> None:
    services, store, clock = world(tmp_path)
    first_time(store, "T1", "event:old", clock.now())
    hook = Housekeeping(services)
    hook()
    assert services.heartbeat.last == clock.now()
    clock.advance(timedelta(days=3))
    hook()
    assert services.heartbeat.last == clock.now()
    assert store.db.execute("SELECT COUNT(*) FROM processed_requests").fetchone()[0] == 0


def test_replay_guards_are_pruned_after_the_signature_window(tmp_path: Path) -> None:
    services, store, clock = world(tmp_path)
    first_time(store, "T1", "event:Ev1", clock.now())
    first_time(store, "T1", "slack:command:1.2", clock.now())
    hook = Housekeeping(services)
    hook()
    clock.advance(timedelta(minutes=11))
    hook()
    keys = [r[0] for r in store.db.execute("SELECT key FROM processed_requests").fetchall()]
    assert keys == ["event:Ev1"]  # other guards keep their two days
