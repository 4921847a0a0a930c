"""Bolt adapters, one module per Slack surface. Each registers one catch-all listener that
builds a context, asks the router, and acks fast; slow work goes to the worker."""

from __future__ import annotations

from slack_bolt import App

from bot.services import Services
from bot.slack.listeners import actions, commands, events, shortcuts, views


def register_all(app: App, services: Services) -> None:
    commands.register(app, services)
    actions.register(app, services)
    views.register(app, services)
    events.register(app, services)
    shortcuts.register(app, services)
