"""Pendulum: a Slack app that coaches engineering managers."""

__version__ = "0.1.0"
