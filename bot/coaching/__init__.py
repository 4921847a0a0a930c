"""Pure coaching rules: plain data in, plain data out, no Slack and no database."""
