"""Pendulum's capabilities. Each module exposes `install(router)` and registers its
subcommands, buttons, modals and events; `install_all` wires them in a fixed order."""

from __future__ import annotations

from bot import people as people_service
from bot.features import assess as assess_feature
from bot.features import calendar as calendar_feature
from bot.features import checkins as checkins_feature
from bot.features import critical_path as critical_path_feature
from bot.features import direct_messages as direct_messages_feature
from bot.features import focus as focus_feature
from bot.features import help as help_feature
from bot.features import home as home_feature
from bot.features import nudges as nudges_feature
from bot.features import privacy as privacy_feature
from bot.features import tips as tips_feature
from bot.features import topics as topics_feature
from bot.router import Router


def install_all(router: Router) -> None:
    help_feature.install(router)
    # after help: its fallback tries topic names first, then help's "I don't know …"
    topics_feature.install(router)
    assess_feature.install(router)
    critical_path_feature.install(router)
    checkins_feature.install(router)
    tips_feature.install(router)
    focus_feature.install(router)
    calendar_feature.install(router)
    nudges_feature.install(router)
    home_feature.install(router)
    privacy_feature.install(router)
    direct_messages_feature.install(router)
    people_service.install(router)  # user_change / user_status_changed / team_join
