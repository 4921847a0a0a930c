"""The deploy kit, checked statically (Docker cannot run here): both manifests are valid against
Slack's schema and agree with the code, the Dockerfile, compose file and systemd unit refer to
things that exist, and the docs name every setting and command."""

from __future__ import annotations

import configparser
import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from bot.app import build_router
from bot.cli import EXIT_CONFIG, build_parser
from bot.slack.oauth import BOT_SCOPES, INSTALL_PATH, REDIRECT_PATH
from bot.slack.requestlog import EVENTS_PATH

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
SCHEMAS = REPO.parent / "shared" / "slack-manifest-schema"
MANIFESTS = ("manifest.yml", "manifest.http.yml")


def manifest(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((DEPLOY / name).read_text())
    return loaded


# -- manifests -----------------------------------------------------------------------------
@pytest.mark.parametrize("name", MANIFESTS)
def test_manifest_is_valid_against_slacks_schema(name: str) -> None:
    if not SCHEMAS.is_dir():
        pytest.skip(f"Slack's manifest schema is not at {SCHEMAS} (../shared is absent)")
    data = manifest(name)
    major = data["_metadata"]["major_version"]
    schema = json.loads((SCHEMAS / f"manifest.schema.{major}.0.0.json").read_text())
    errors = [
        f"{'/'.join(map(str, e.path)) or '(root)'}: {e.message}"
        for e in jsonschema.Draft7Validator(schema).iter_errors(data)
    ]
    assert errors == []


def test_both_manifests_describe_the_same_app() -> None:
    socket, http = manifest("manifest.yml"), manifest("manifest.http.yml")
    for key in ("display_information",):
        assert socket[key] == http[key]
    strip = [{k: v for k, v in c.items() if k != "url"} for c in http["features"]["slash_commands"]]
    assert socket["features"]["slash_commands"] == strip
    assert socket["features"]["shortcuts"] == http["features"]["shortcuts"]
    events = socket["settings"]["event_subscriptions"]["bot_events"]
    assert events == http["settings"]["event_subscriptions"]["bot_events"]


def test_scopes_are_least_privilege_and_match_the_oauth_request() -> None:
    for name in MANIFESTS:
        scopes = manifest(name)["oauth_config"]["scopes"]
        assert scopes["bot"] == list(BOT_SCOPES), name
        assert "user" not in scopes, f"{name}: Pendulum asks for no user scopes"


def test_every_subscribed_event_has_a_handler() -> None:
    handled = set(build_router().events)
    for name in MANIFESTS:
        subscribed = set(manifest(name)["settings"]["event_subscriptions"]["bot_events"])
        assert {"app_uninstalled", "tokens_revoked"} <= subscribed
        # message.im, message.channels…: all arrive as the `message` event type
        events = {e.split(".", 1)[0] for e in subscribed}
        assert events <= handled, f"{name} subscribes to unhandled {events - handled}"


def test_socket_manifest_has_no_urls_and_http_manifest_only_placeholder_urls() -> None:
    socket = manifest("manifest.yml")
    assert socket["settings"]["socket_mode_enabled"] is True
    assert "url" not in json.dumps(socket["features"]) and "request_url" not in json.dumps(socket)

    http = manifest("manifest.http.yml")
    assert http["settings"]["socket_mode_enabled"] is False
    urls = [
        *(c["url"] for c in http["features"]["slash_commands"]),
        http["settings"]["event_subscriptions"]["request_url"],
        http["settings"]["interactivity"]["request_url"],
        *http["oauth_config"]["redirect_urls"],
    ]
    for url in urls:
        assert url.startswith("https://pendulum.example.com/"), url
    paths = {url.removeprefix("https://pendulum.example.com") for url in urls}
    assert paths == {EVENTS_PATH, REDIRECT_PATH}
    assert INSTALL_PATH == "/slack/install"


# -- Dockerfile ----------------------------------------------------------------------------
def dockerfile() -> str:
    return (DEPLOY / "Dockerfile").read_text()


def instructions(text: str) -> list[tuple[str, str]]:
    joined = re.sub(r"\\\n", " ", text)
    out = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            out.append((word.upper(), rest.strip()))
    return out


def test_dockerfile_installs_exactly_the_lock_without_dev_dependencies() -> None:
    runs = [rest for word, rest in instructions(dockerfile()) if word == "RUN"]
    syncs = [r for r in runs if "uv sync" in r]
    assert syncs and all("--locked" in r and "--no-dev" in r for r in syncs)
    assert any("--no-editable" in r for r in syncs)


def test_dockerfile_copies_only_files_that_exist() -> None:
    for word, rest in instructions(dockerfile()):
        if word != "COPY" or "--from=" in rest:
            continue
        *sources, _target = rest.split()
        for source in sources:
            assert (REPO / source).exists(), f"COPY {source}: not in the repository"
    for mount in re.findall(r"source=([\w./-]+)", dockerfile()):
        assert (REPO / mount).exists(), f"bind mount {mount}: not in the repository"


def test_runtime_image_is_slim_non_root_with_a_volume_and_a_healthcheck() -> None:
    steps = instructions(dockerfile())
    stages = [i for i, (word, _) in enumerate(steps) if word == "FROM"]
    assert len(stages) == 2, "a build stage and a runtime stage"
    bases = [steps[i][1].split()[0] for i in stages]
    assert bases[0] == bases[1] and "slim" in bases[1], "same slim base (the venv's python)"
    runtime = steps[stages[1] :]
    words = dict(runtime)
    user = words["USER"]
    assert user not in ("root", "0") and "useradd" in words["RUN"] and user in words["RUN"]
    assert "/data" in words["VOLUME"]
    assert "PENDULUM_DB=/data/" in words["ENV"]
    assert "pendulum-bot" in words["HEALTHCHECK"] and "health" in words["HEALTHCHECK"]
    assert words["ENTRYPOINT"] == '["pendulum-bot"]' and words["CMD"] == '["run"]'
    assert words["STOPSIGNAL"] == "SIGTERM"
    # what the image runs exists: the health subcommand and the console script
    assert "health" in {" ".join(p) for p in _commands()}
    assert 'pendulum-bot = "bot.cli:main"' in (REPO / "pyproject.toml").read_text()


def test_docker_build_context_leaves_out_secrets_and_local_state() -> None:
    ignored = (DEPLOY / "Dockerfile.dockerignore").read_text().split()
    for pattern in (".venv", "*.db", "*.db-wal", "deploy/pendulum.env", ".git"):
        assert pattern in ignored


def _commands() -> list[tuple[str, ...]]:
    import argparse

    def walk(parser: argparse.ArgumentParser, prefix: tuple[str, ...]) -> list[tuple[str, ...]]:
        found = []
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    found.append((*prefix, name))
                    found.extend(walk(sub, (*prefix, name)))
        return found

    return walk(build_parser(), ())


# -- compose and systemd -------------------------------------------------------------------
def test_compose_builds_the_dockerfile_with_the_database_on_a_volume() -> None:
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    (service,) = compose["services"].values()
    build = service["build"]
    assert (DEPLOY / build["context"] / build["dockerfile"]).resolve() == DEPLOY / "Dockerfile"
    volume, target = service["volumes"][0].split(":")
    assert volume in compose["volumes"] and target == "/data"
    assert service["environment"]["PENDULUM_DB"].startswith("/data/")
    assert service["env_file"] == "pendulum.env" and (DEPLOY / "pendulum.env.example").exists()
    assert all(p.startswith("127.0.0.1:") for p in service["ports"])
    assert service["deploy"]["replicas"] == 1


def test_env_example_has_placeholders_only() -> None:
    text = (DEPLOY / "pendulum.env.example").read_text()
    assert not re.search(r"xox[bp]-\d", text) and not re.search(r"xapp-\d", text)
    names = set(re.findall(r"^#?\s*([A-Z_]+)=", text, re.M))
    assert {
        "SLACK_BOT_TOKEN",
        "SLACK_APP_TOKEN",
        "SLACK_SIGNING_SECRET",
        "SLACK_CLIENT_ID",
        "SLACK_CLIENT_SECRET",
    } <= names


def test_systemd_unit_runs_the_venv_as_an_unprivileged_user() -> None:
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.optionxform = str  # type: ignore[assignment,method-assign]
    unit.read(DEPLOY / "systemd" / "pendulum.service")
    service = unit["Service"]
    assert service["ExecStart"].split() == ["/opt/pendulum/.venv/bin/pendulum-bot", "run"]
    assert service["User"] not in ("root", "") and service["StateDirectory"] == "pendulum"
    assert service["RestartPreventExitStatus"] == str(EXIT_CONFIG)
    assert service["EnvironmentFile"].startswith("/etc/pendulum/")
    assert "PENDULUM_DB=/var/lib/pendulum/" in (DEPLOY / "systemd" / "pendulum.service").read_text()
    assert unit["Install"]["WantedBy"] == "multi-user.target"


# -- docs ----------------------------------------------------------------------------------
def config_variables() -> set[str]:
    source = (REPO / "bot" / "config.py").read_text()
    return set(re.findall(r'get\("([A-Z_]+)"\)', source))


def test_docs_name_every_setting() -> None:
    variables = config_variables()
    assert {"SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET", "PENDULUM_HOST"} <= variables
    readme = (REPO / "README.md").read_text()
    rows = dict(re.findall(r"^\| `([A-Z_]+)` \| ([^|]*) \|", readme, re.M))
    assert variables <= set(rows), f"README.md's table misses {variables - set(rows)}"
    guide = (DEPLOY / "README.md").read_text()
    # settings for the emulator and tests, which the app refuses against real Slack
    dev_only = {v for v, meaning in rows.items() if re.match(r"(emulator|tests\b.*) only", meaning)}
    operator = variables - dev_only
    missing = {v for v in operator if f"`{v}`" not in guide}
    assert not missing, f"deploy/README.md misses {missing}"


def test_operator_guide_covers_the_whole_job() -> None:
    guide = (DEPLOY / "README.md").read_text()
    for topic in (
        "Create the Slack app",
        "tokens",
        "First run",
        "Upgrade",
        "Back up and restore",
        "Scaling",
        "One scheduler per database",
        "Past one machine",
    ):
        assert topic in guide, topic
    for command in _commands():
        if command[0] == "content":
            continue
        assert f"pendulum-bot {' '.join(command)}" in guide, command
    for link in re.findall(r"\]\(([^)#:]+)\)", guide):
        assert (DEPLOY / link).exists(), f"deploy/README.md links to missing {link}"


def test_readme_lists_every_command() -> None:
    readme = (REPO / "README.md").read_text()
    for command in _commands():
        if len(command) == 1 and command[0] in ("content", "db"):
            continue
        assert f"pendulum-bot {' '.join(command)}" in readme.replace("[run]", "run"), command
