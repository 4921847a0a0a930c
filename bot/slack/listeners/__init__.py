"""Bolt adapters, one module per Slack surface. Each registers one catch-all listener that
builds a context, asks the router, and acks fast; slow work goes to the worker."""

from __future__ import annotations

from slack_bolt import App

from bot.router import Router
from bot.services import Services
from bot.slack.listeners import actions, commands, events, shortcuts, views


def register_all(app: App, services: Services, router: Router) -> None:
    commands.register(app, services, router)
    actions.register(app, services, router)
    views.register(app, services, router)
    events.register(app, services, router)
    shortcuts.register(app, services, router)
