"""The two-workspace fan-out benchmark (bench/fanout_workspaces.py) with tiny counts: it
runs, delivers each DM once, and the small workspace is not served after the big one."""

from __future__ import annotations

from pathlib import Path

from bench import fanout_workspaces


def test_two_workspaces_fan_out_once_each_side_by_side(tmp_path: Path) -> None:
    result = fanout_workspaces.run(tmp_path, big=30, small=4, log=lambda line: None)
    big = result["workspaces"][fanout_workspaces.TEAM_A]
    small = result["workspaces"][fanout_workspaces.TEAM_B]
    for side in (big, small):
        assert side["lost"] == 0 and side["duplicated"] == 0
    assert (big["recipients"], small["recipients"]) == (30, 4)
    # the small workspace's DMs went out while the big one was still sending
    assert small["last_dm_seconds"] < big["last_dm_seconds"]
