"""`pendulum-bot` without tokens serves the offline workbench, which the Docker image leaves out."""

from __future__ import annotations

import sys

import pytest

from bot import cli


def test_without_the_workbench_package_run_says_so(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: object
) -> None:
    for name in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_CLIENT_ID"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(str(tmp_path))
    monkeypatch.setitem(sys.modules, "workbench", None)  # as if workbench/ were not installed
    # run() would install the app's log handler on the root logger, over pytest's own
    monkeypatch.setattr(cli, "setup_logging", lambda *args, **kwargs: None)
    assert cli.cmd_run() == cli.EXIT_CONFIG
    assert "offline workbench not installed" in capsys.readouterr().err
