"""Forward-only schema migrations: the same numbered steps on SQLite and PostgreSQL
(the runner, and how column types are named per backend: bot/store/migrator.py).

Rules: never edit a migration that has shipped; add a new function at the end. Every table
holding workspace data carries `team_id`, so one workspace's rows can be found (and deleted)
without touching another's. Times are UTC ISO-8601 strings.
"""

from __future__ import annotations

from bot.store.migrator import MIGRATIONS_TABLE, Migrations, create_table
from bot.store.sql import Database

MIGRATIONS = Migrations("pendulum")

__all__ = ["MIGRATIONS", "MIGRATIONS_TABLE"]


@MIGRATIONS()
def m001_core(db: Database) -> None:
    create_table(
        db,
        """
        CREATE TABLE workspaces (
            team_id TEXT PRIMARY KEY,
            enterprise_id TEXT,
            name TEXT NOT NULL DEFAULT '',
            bot_user_id TEXT,
            installed_at TEXT NOT NULL
        )
        """,
    )
    create_table(
        db,
        """
        CREATE TABLE people (
            team_id TEXT NOT NULL,
            user_id TEXT NOT NULL,
            tz TEXT NOT NULL DEFAULT 'UTC',
            tz_checked_at TEXT,
            first_seen_at TEXT NOT NULL,
            PRIMARY KEY (team_id, user_id)
        )
        """,
    )
    create_table(
        db,
        """
        CREATE TABLE assessments (
            id {id},
            team_id TEXT NOT NULL,
            user_id TEXT NOT NULL,
            role TEXT NOT NULL,
            years_engineering {real} NOT NULL,
            years_managing {real} NOT NULL,
            months_since_hands_on {integer} NOT NULL,
            goal TEXT NOT NULL,
            created_at TEXT NOT NULL
        )
        """,
    )
    db.execute("CREATE INDEX assessments_by_user ON assessments (team_id, user_id, created_at)")


@MIGRATIONS()
def m002_processed_requests(db: Database) -> None:
    """Keys of Slack requests already acted on (event ids, view submissions, trigger ids):
    Slack redelivers when an ack is slow, and Bolt does not deduplicate."""
    create_table(
        db,
        """
        CREATE TABLE processed_requests (
            key TEXT PRIMARY KEY,
            team_id TEXT NOT NULL,
            seen_at TEXT NOT NULL
        )
        """,
    )
    db.execute("CREATE INDEX processed_requests_by_age ON processed_requests (seen_at)")


@MIGRATIONS()
def m003_delivery(db: Database) -> None:
    """Stored weekly schedules, per-date skips and the delivery ledger (see bot/delivery).

    `schedules.next_due_at` is the sweep cursor: the UTC instant of the next occurrence not
    yet planned (NULL while paused indefinitely); the tick only reads rows where it has passed.
    `deliveries.key` is unique per (workspace, kind, recipient, period): claiming it is what
    makes a send happen at most once; `status` moves pending → claimed → sent | failed |
    skipped. A schedule's deletion keeps its ledger rows (schedule_id becomes NULL).
    """
    create_table(
        db,
        """
        CREATE TABLE schedules (
            id {id},
            team_id TEXT NOT NULL,
            kind TEXT NOT NULL,
            owner_user_id TEXT NOT NULL,
            target TEXT NOT NULL,
            weekday {integer} NOT NULL CHECK (weekday BETWEEN 0 AND 6),
            local_time TEXT NOT NULL,
            tz TEXT NOT NULL,
            params TEXT NOT NULL DEFAULT '{{}}',
            paused_reason TEXT,
            paused_until TEXT,
            next_due_at TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        )
        """,
    )
    db.execute(
        "CREATE INDEX schedules_due ON schedules (next_due_at) WHERE next_due_at IS NOT NULL"
    )
    db.execute("CREATE INDEX schedules_by_owner ON schedules (team_id, owner_user_id)")
    db.execute("CREATE INDEX schedules_by_target ON schedules (team_id, target)")
    create_table(
        db,
        """
        CREATE TABLE schedule_skips (
            schedule_id {integer} NOT NULL REFERENCES schedules (id) ON DELETE CASCADE,
            team_id TEXT NOT NULL,
            local_date TEXT NOT NULL,
            created_at TEXT NOT NULL,
            PRIMARY KEY (schedule_id, local_date)
        )
        """,
    )
    db.execute("CREATE INDEX schedule_skips_by_team ON schedule_skips (team_id)")
    create_table(
        db,
        """
        CREATE TABLE deliveries (
            key TEXT PRIMARY KEY,
            team_id TEXT NOT NULL,
            kind TEXT NOT NULL,
            schedule_id {integer} REFERENCES schedules (id) ON DELETE SET NULL,
            target TEXT NOT NULL,
            period TEXT NOT NULL,
            status TEXT NOT NULL
                CHECK (status IN ('pending', 'claimed', 'sent', 'failed', 'skipped')),
            due_at TEXT NOT NULL,
            expires_at TEXT,
            created_at TEXT NOT NULL,
            claimed_at TEXT,
            sent_at TEXT,
            channel TEXT,
            ts TEXT,
            payload TEXT,
            attempts {integer} NOT NULL DEFAULT 0,
            error TEXT
        )
        """,
    )
    db.execute(
        "CREATE INDEX deliveries_open ON deliveries (status, due_at)"
        " WHERE status IN ('pending', 'claimed')"
    )
    db.execute("CREATE INDEX deliveries_by_team ON deliveries (team_id, kind)")
    db.execute("CREATE INDEX deliveries_by_schedule ON deliveries (schedule_id)")


@MIGRATIONS()
def m004_checkins(db: Database) -> None:
    """Weekly check-in answers (bot/store/checkins.py): one row per person per local ISO week.

    `status` is `answered`, `skipped` (the person pressed "Skip this week") or `away` (their
    Slack status said they were away when the check-in was due). Answer columns are NULL
    unless answered. Visible to that person only; `/pendulum forget me` deletes them.
    """
    create_table(
        db,
        """
        CREATE TABLE checkins (
            id {id},
            team_id TEXT NOT NULL,
            user_id TEXT NOT NULL,
            period TEXT NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('answered', 'skipped', 'away')),
            hands_on TEXT,
            critical_path TEXT CHECK (critical_path IN ('yes', 'no', 'unsure')),
            critical_path_what TEXT,
            focus_blocks {integer} CHECK (focus_blocks BETWEEN 0 AND 10),
            energy {integer} CHECK (energy BETWEEN 0 AND 100),
            note TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            UNIQUE (team_id, user_id, period)
        )
        """,
    )


@MIGRATIONS()
def m005_installations(db: Database) -> None:
    """Multi-workspace OAuth (bot/slack/installations.py): one row per installing user per workspace
    (or per Enterprise Grid org, where `team_id` is '' and `is_enterprise_install` is 1),
    holding the bot token Bolt's `authorize` hands to each request; the short-lived
    `state` values of installs in progress (not workspace data: no team exists yet); and
    `app_state`, process-wide facts such as the scheduler's last tick (bot/ops/health.py), read
    by `pendulum-bot stats`. `enterprise_id`/`team_id` are '' rather than NULL so the unique
    key works. The installing user is `installer_id`, deliberately not `user_id`: per-person
    export and `forget me` (bot/store/personal.py) find rows by user columns, and must never
    copy a workspace's bot token into a file or delete the token the whole workspace uses.
    """
    create_table(
        db,
        """
        CREATE TABLE installations (
            id {id},
            client_id TEXT NOT NULL,
            app_id TEXT,
            enterprise_id TEXT NOT NULL DEFAULT '',
            enterprise_name TEXT,
            enterprise_url TEXT,
            team_id TEXT NOT NULL DEFAULT '',
            team_name TEXT,
            is_enterprise_install {integer} NOT NULL DEFAULT 0,
            installer_id TEXT NOT NULL DEFAULT '',
            bot_id TEXT,
            bot_user_id TEXT,
            bot_token TEXT,
            bot_scopes TEXT,
            bot_refresh_token TEXT,
            bot_token_expires_at {integer},
            user_token TEXT,
            user_scopes TEXT,
            user_refresh_token TEXT,
            user_token_expires_at {integer},
            token_type TEXT,
            installed_at TEXT NOT NULL,
            UNIQUE (client_id, enterprise_id, team_id, installer_id)
        )
        """,
    )
    db.execute("CREATE INDEX installations_by_team ON installations (team_id, installed_at)")
    db.execute(
        "CREATE INDEX installations_by_enterprise ON installations (enterprise_id, installed_at)"
    )
    create_table(
        db,
        """
        CREATE TABLE oauth_states (
            state TEXT PRIMARY KEY,
            expires_at TEXT NOT NULL
        )
        """,
    )
    create_table(
        db,
        """
        CREATE TABLE app_state (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL,
            updated_at TEXT NOT NULL
        )
        """,
    )


@MIGRATIONS()
def m006_rotation_picks(db: Database) -> None:
    """Which item of a rotating pool went to whom, per local ISO week (bot/coaching/tips.py):
    pool `tips` (target: a channel id; the weekly channel tip) and pool `hands_warm`
    (target: a user id; the idea in the Monday nudge). One row per (pool, target, period),
    so composing a week's message twice picks the same item; `cycle` counts passes through
    the pool, and an item is not picked again within its cycle. Rows naming a person
    (`target` = their user id) go with `/pendulum forget me`.
    """
    create_table(
        db,
        """
        CREATE TABLE rotation_picks (
            team_id TEXT NOT NULL,
            pool TEXT NOT NULL,
            target TEXT NOT NULL,
            period TEXT NOT NULL,
            item_id TEXT NOT NULL,
            cycle {integer} NOT NULL,
            picked_at TEXT NOT NULL,
            PRIMARY KEY (team_id, pool, target, period)
        )
        """,
    )


@MIGRATIONS()
def m007_deliveries_by_target(db: Database) -> None:
    """A person's deliveries (this week's check-in DMs to update once answered, `forget me`,
    dropping queued sends to someone who left) without scanning the whole ledger."""
    db.execute("CREATE INDEX deliveries_by_target ON deliveries (team_id, target, period)")


@MIGRATIONS()
def m008_unique_optins(db: Database) -> None:
    """One schedule per (workspace, kind, target): a person's check-in, Monday nudge and each
    focus block, and a channel's weekly tip. Opt-ins used to check, then insert, so requests
    racing each other could leave two rows (and `off` removed only one). Duplicates left by
    that race are removed here, keeping the oldest; their skips go with them and their
    ledger rows stay, detached."""
    db.execute(
        """
        DELETE FROM schedule_skips WHERE schedule_id IN (
            SELECT id FROM schedules s WHERE EXISTS (
                SELECT 1 FROM schedules o
                WHERE o.team_id = s.team_id AND o.kind = s.kind AND o.target = s.target
                    AND o.id < s.id))
        """
    )
    db.execute(
        """
        UPDATE deliveries SET schedule_id = NULL WHERE schedule_id IN (
            SELECT id FROM schedules s WHERE EXISTS (
                SELECT 1 FROM schedules o
                WHERE o.team_id = s.team_id AND o.kind = s.kind AND o.target = s.target
                    AND o.id < s.id))
        """
    )
    db.execute(
        """
        DELETE FROM schedules WHERE EXISTS (
            SELECT 1 FROM schedules o
            WHERE o.team_id = schedules.team_id AND o.kind = schedules.kind
                AND o.target = schedules.target AND o.id < schedules.id)
        """
    )
    db.execute("CREATE UNIQUE INDEX schedules_one_per_target ON schedules (team_id, kind, target)")


@MIGRATIONS()
def m010_people(db: Database) -> None:
    """The people cache (bot/delivery/people.py): what delivery needs to know about each recipient —
    zone, away (and until when), deleted/bot — read in bulk from `users.list` and kept fresh
    by `user_change` / `user_status_changed` / `team_join`. Only people Pendulum has a reason
    to know (someone with a schedule or a `people` row) are stored; `fetched_at` bounds the
    age of a row. `people_sweeps` says when a workspace was last read in bulk."""
    create_table(
        db,
        """
        CREATE TABLE people_cache (
            team_id TEXT NOT NULL,
            user_id TEXT NOT NULL,
            tz TEXT,
            away {integer} NOT NULL DEFAULT 0,
            away_until {real},
            deleted {integer} NOT NULL DEFAULT 0,
            is_bot {integer} NOT NULL DEFAULT 0,
            fetched_at TEXT NOT NULL,
            PRIMARY KEY (team_id, user_id)
        )
        """,
    )
    create_table(
        db,
        """
        CREATE TABLE people_sweeps (
            team_id TEXT PRIMARY KEY,
            swept_at TEXT NOT NULL
        )
        """,
    )


@MIGRATIONS()
def m011_calendars(db: Database) -> None:
    """A manager's read-only calendar feed (bot/features/calendar.py) and what it yields.

    `calendars`: one row per person and workspace. `feed` is the feed address, a secret: a
    Fernet token (`fernet:…`) when the operator sets PENDULUM_SECRET_KEY, the address itself
    otherwise. `events` holds this week's and next week's events (JSON, encrypted the same
    way) so the Monday nudge and focus-start DMs need no fetch. Working hours, weekly goal,
    the conditional-request validators and the last fetch's time and outcome complete it.
    `calendar_weeks`: per-week figures derived from the feed (the App Home chart, the
    check-in's pre-filled answer). Both go with `calendar off` and `forget me`.
    """
    create_table(
        db,
        """
        CREATE TABLE calendars (
            team_id TEXT NOT NULL,
            user_id TEXT NOT NULL,
            feed TEXT NOT NULL,
            tz TEXT NOT NULL,
            work_days TEXT NOT NULL,
            work_start TEXT NOT NULL,
            work_end TEXT NOT NULL,
            goal_hours {real} NOT NULL,
            etag TEXT,
            last_modified TEXT,
            events TEXT,
            fetched_at TEXT,
            fetch_outcome TEXT,
            next_fetch_at TEXT NOT NULL,
            chart_key TEXT,
            chart_file_id TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            PRIMARY KEY (team_id, user_id)
        )
        """,
    )
    db.execute("CREATE INDEX calendars_due ON calendars (next_fetch_at)")
    create_table(
        db,
        """
        CREATE TABLE calendar_weeks (
            team_id TEXT NOT NULL,
            user_id TEXT NOT NULL,
            week_start TEXT NOT NULL,
            meeting_hours {real} NOT NULL,
            focus_hours {real} NOT NULL,
            fragmented_hours {real} NOT NULL,
            ooo_days {integer} NOT NULL,
            focus_blocks {integer} NOT NULL,
            measured_at TEXT NOT NULL,
            PRIMARY KEY (team_id, user_id, week_start),
            FOREIGN KEY (team_id, user_id) REFERENCES calendars (team_id, user_id)
                ON DELETE CASCADE
        )
        """,
    )


@MIGRATIONS()
def m012_replicas(db: Database) -> None:
    """Several processes on one PostgreSQL database (bot/delivery/replicas.py).

    `replicas`: one row per running process, its heartbeat (`seen_at`) refreshed every tick;
    a replica not seen for a lease is gone, and the workspaces it paced move to the others.
    `deliveries.claimed_by`: the replica that claimed a row, so a claim left by a replica
    that died is reconciled after the lease, while a live replica's send is left alone.
    """
    create_table(
        db,
        """
        CREATE TABLE replicas (
            id TEXT PRIMARY KEY,
            started_at TEXT NOT NULL,
            seen_at TEXT NOT NULL
        )
        """,
    )
    db.execute("ALTER TABLE deliveries ADD COLUMN claimed_by TEXT")
