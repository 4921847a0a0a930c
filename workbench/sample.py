"""The sample workspace the workbench starts with: four managers in four time zones, a team
channel the app is in and one it is not in."""

from __future__ import annotations

from slack_emulator import Channel, User

TEAM_ID = "T0PENDULUM"
TEAM_NAME = "Acme"

ALICE, BOB, CHEN, DANA = "U0ALICE", "U0BOB", "U0CHEN", "U0DANA"
TEAM_CHANNEL, RANDOM_CHANNEL = "C0TEAM", "C0RANDOM"


def sample_users() -> list[User]:
    return [
        User(id=ALICE, name="alice", real_name="Alice Ng", tz="America/New_York"),
        User(id=BOB, name="bob", real_name="Bob Meyer", tz="Europe/Berlin"),
        User(id=CHEN, name="chen", real_name="Chen Li", tz="Australia/Sydney"),
        User(id=DANA, name="dana", real_name="Dana Rao", tz="Asia/Kolkata"),
    ]


def sample_channels() -> list[Channel]:
    everyone = [ALICE, BOB, CHEN, DANA]
    return [
        Channel(id=TEAM_CHANNEL, name="team", members=everyone, purpose="Where the team talks"),
        Channel(
            id=RANDOM_CHANNEL,
            name="random",
            members=everyone,
            bot_member=False,
            purpose="Off-topic chat",
        ),
    ]
