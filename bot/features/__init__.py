"""Pendulum's capabilities. Each module exposes `install(router)` and registers its
subcommands, buttons, modals and events; `install_all` wires them in a fixed order."""

from __future__ import annotations

from bot.features import help as help_feature
from bot.router import Router


def install_all(router: Router) -> None:
    help_feature.install(router)
