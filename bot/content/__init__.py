"""Coaching content: the prompts/ directory, rendered safely into Slack mrkdwn."""
