"""Several Pendulum processes on one database: who paces which workspace.

Slack's rate limits are per workspace, so a workspace's sends must come from one pacer at a
time: two replicas pacing the same workspace would each spend the whole budget and collect
twice the 429s. Every replica ticks; each workspace is *assigned* to one live replica by
rendezvous hashing over the replicas seen within the lease (so adding or losing a replica
moves only its share), and a replica sends for a workspace only while it holds that
workspace's advisory lock (PostgreSQL, a session lock on a connection of its own). The lock,
not the hash, is what guarantees one pacer: during a hand-over the new owner waits until the
old one has drained what it had started and let go. A replica killed outright loses its
session, so its locks go with it; its heartbeat stops, and after the lease the others
reassign its workspaces and reconcile its unfinished claims against the conversation history.

On SQLite there is one process (the database lock file says so): it owns every workspace.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from bot.clock import Clock
from bot.delivery.model import Delivery
from bot.store import deliveries
from bot.store import replicas as replica_rows
from bot.store.db import Store
from bot.store.location import PostgresLocation
from bot.store.pacer_locks import WorkspaceLocks
from bot.store.replicas import new_replica_id

log = logging.getLogger("pendulum.replicas")

DEFAULT_LEASE = timedelta(seconds=90)  # three default ticks: a heartbeat is written per tick


def assigned_replica(team_id: str, live: Iterable[str]) -> str | None:
    """Rendezvous (highest random weight) hashing: the live replica this workspace goes to."""

    def weight(replica: str) -> bytes:
        return hashlib.blake2b(f"{team_id}\x00{replica}".encode(), digest_size=8).digest()

    return max(live, key=weight, default=None)


class Replicas:
    """This process's view of the replicas and the workspaces it paces."""

    def __init__(
        self,
        store: Store,
        clock: Clock,
        replica_id: str | None = None,
        *,
        lease: timedelta = DEFAULT_LEASE,
    ) -> None:
        self.store = store
        self.clock = clock
        self.id = replica_id or new_replica_id()
        self.lease = lease
        self.shared = store.postgres
        self._locks: WorkspaceLocks | None = None
        if isinstance(store.location, PostgresLocation):
            self._locks = WorkspaceLocks(store.location.url)
        # called with a workspace this replica has just taken over from another (the engine
        # restarts its pacer there without a burst: the old owner may have just spent it)
        self.on_take_over: Callable[[str], None] | None = None
        self._live: list[str] = [self.id]
        self._held: set[str] = set()
        self._guard = threading.Lock()

    # -- heartbeat ----------------------------------------------------------------------------
    def beat(self) -> list[str]:
        """Record that this replica is alive and read who else is (every tick)."""
        if not self.shared:
            return self._live
        now = self.clock.now()
        replica_rows.heartbeat(self.store, self.id, now)
        live = replica_rows.live(self.store, now - self.lease)
        if self._locks is not None and not self._locks.alive():
            log.warning("replicas: the lock session was lost; re-acquiring workspaces")
            with self._guard:
                self._held.clear()
        with self._guard:
            self._live = live if self.id in live else sorted([*live, self.id])
        return self._live

    def live(self) -> list[str]:
        with self._guard:
            return list(self._live)

    def take_over_claims(self, stale_before: datetime) -> list[Delivery]:
        """Claims to reconcile now, made ours one by one (a compare-and-set: two replicas
        never both take one): in the workspaces this replica paces, those whose replica is
        gone (not seen for the lease), and any older than `stale_before`."""
        now = self.clock.now()
        rows = deliveries.abandoned_claims(
            self.store, self.live(), claimed_before=now - self.lease, stale_before=stale_before
        )
        mine = [r for r in rows if self.owns(r.team_id)]
        return [r for r in mine if deliveries.take_over(self.store, r, self.id, now)]

    # -- ownership ----------------------------------------------------------------------------
    def owns(self, team_id: str) -> bool:
        """May this replica send for `team_id` now? Acquires the workspace if it is ours."""
        if not self.shared or self._locks is None:
            return True
        with self._guard:
            if assigned_replica(team_id, self._live) != self.id:
                return False  # another's; if we still hold it, it drains and is released
            if team_id in self._held:
                return True
        if not self._locks.try_acquire(team_id):
            return False  # the previous owner is still draining
        with self._guard:
            self._held.add(team_id)
            shared_with_others = len(self._live) > 1
        log.info("replicas: %s now paces workspace %s", self.id, team_id)
        if shared_with_others and self.on_take_over is not None:
            self.on_take_over(team_id)
        return True

    def should_keep(self, team_id: str) -> bool:
        """Still ours by assignment (a held workspace reassigned elsewhere is drained and
        released, not taken away mid-send)."""
        if not self.shared:
            return True
        with self._guard:
            return team_id in self._held and assigned_replica(team_id, self._live) == self.id

    def release_idle(self, busy: set[str]) -> None:
        """Let go of workspaces reassigned elsewhere once nothing of theirs is in flight."""
        if not self.shared or self._locks is None:
            return
        with self._guard:
            leaving = [
                t
                for t in self._held
                if t not in busy and assigned_replica(t, self._live) != self.id
            ]
            self._held.difference_update(leaving)
        for team_id in leaving:
            self._locks.release(team_id)
            log.info("replicas: %s hands workspace %s over", self.id, team_id)

    def held(self) -> set[str]:
        with self._guard:
            return set(self._held)

    def close(self) -> None:
        """A clean stop: leave the table so the others take over without waiting."""
        if not self.shared:
            return
        try:
            replica_rows.leave(self.store, self.id)
        except Exception:
            log.exception("replicas: could not leave the table")
        if self._locks is not None:
            self._locks.close()
