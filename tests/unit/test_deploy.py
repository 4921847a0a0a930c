"""The deploy kit, checked statically (Docker cannot run here): both manifests are valid against
Slack's schema and agree with the code, the Dockerfile, compose file and systemd unit refer to
things that exist, and the docs name every setting and command."""

from __future__ import annotations

import configparser
import json
import re
import tomllib
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jsonschema
import pytest
import yaml

from bot.app import build_router
from bot.cli import EXIT_CONFIG, build_parser
from bot.slack.oauth import BOT_SCOPES, INSTALL_PATH, REDIRECT_PATH
from bot.slack.requestlog import EVENTS_PATH
from bot.store.location import PostgresLocation, parse_location

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


# -- PostgreSQL: compose with replicas behind a proxy ------------------------------------------
POSTGRES_COMPOSE = DEPLOY / "compose.postgres.yaml"


def postgres_compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(POSTGRES_COMPOSE.read_text())
    return loaded


def env_file(path: Path) -> dict[str, str]:
    pairs = re.findall(r"^([A-Z_]+)=(.*)$", path.read_text(), re.M)
    return dict(pairs)


def test_dockerfile_installs_the_postgres_extra() -> None:
    runs = [rest for word, rest in instructions(dockerfile()) if word == "RUN"]
    syncs = [r for r in runs if "uv sync" in r]
    assert syncs and all("--extra postgres" in r for r in syncs)
    extras = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    assert "postgres" in extras["optional-dependencies"]


def test_postgres_compose_has_a_healthy_database_on_a_named_volume() -> None:
    compose = postgres_compose()
    assert set(compose["services"]) == {"postgres", "pendulum", "proxy"}
    db = compose["services"]["postgres"]
    assert re.fullmatch(r"postgres:1[5-9](\.\d+)*", db["image"]), db["image"]
    volume, target = db["volumes"][0].split(":")
    assert volume in compose["volumes"] and target == "/var/lib/postgresql/data"
    check = " ".join(db["healthcheck"]["test"])
    assert "pg_isready" in check and db["environment"]["POSTGRES_USER"] in check
    assert "ports" not in db, "the database is reached over the compose network only"
    assert db["env_file"] == "postgres.env"
    assert "POSTGRES_PASSWORD" in env_file(DEPLOY / "postgres.env.example")


def test_postgres_compose_runs_replicas_of_the_image_on_the_database() -> None:
    compose = postgres_compose()
    app = compose["services"]["pendulum"]
    build = app["build"]
    assert (DEPLOY / build["context"] / build["dockerfile"]).resolve() == DEPLOY / "Dockerfile"
    assert app["deploy"]["replicas"] >= 2
    assert app["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert "ports" not in app, "only the proxy is published"
    assert set(app["env_file"]) == {"pendulum.env", "postgres.env"}

    settings = env_file(DEPLOY / "postgres.env.example")
    location = parse_location(settings["PENDULUM_DB"])
    assert isinstance(location, PostgresLocation)
    url = urlsplit(location.url)
    db = compose["services"]["postgres"]["environment"]
    assert url.hostname == "postgres" and url.port == 5432
    assert url.username == db["POSTGRES_USER"] and location.database == db["POSTGRES_DB"]
    assert url.password == settings["POSTGRES_PASSWORD"], "one password in both places"
    assert "replace-me" in settings["POSTGRES_PASSWORD"], "a placeholder, not a password"


def caddy_routes() -> tuple[set[str], str]:
    """The paths the Caddyfile proxies and the upstream it sends them to."""
    text = (DEPLOY / "Caddyfile").read_text()
    (paths,) = re.findall(r"^\s*@pendulum path (.+)$", text, re.M)
    (upstream,) = re.findall(r"^\s*dynamic a (\S+ \d+)", text, re.M)
    return set(paths.split()), upstream


def test_proxy_balances_slacks_paths_over_every_replica_and_nothing_else() -> None:
    compose = postgres_compose()
    proxy = compose["services"]["proxy"]
    assert proxy["image"].startswith("caddy:")
    mounts = dict(v.split(":", 1) for v in proxy["volumes"])
    assert mounts["./Caddyfile"] == "/etc/caddy/Caddyfile:ro"
    assert (DEPLOY / "Caddyfile").exists()
    assert proxy["depends_on"]["pendulum"]["condition"] == "service_healthy"
    assert {"80:80", "443:443"} <= set(proxy["ports"])

    paths, upstream = caddy_routes()
    assert paths == {EVENTS_PATH, INSTALL_PATH, REDIRECT_PATH, "/healthz"}
    assert "/metrics" not in paths
    port = compose["services"]["pendulum"]["environment"]["PENDULUM_PORT"]
    assert upstream == f"pendulum {port}", "the compose service's name: every replica"
    text = (DEPLOY / "Caddyfile").read_text()
    assert re.search(r"handle \{\s*respond 404\s*\}", text), "anything else is a 404"


def test_postgres_settings_files_stay_out_of_git_and_the_image() -> None:
    ignored = (DEPLOY / "Dockerfile.dockerignore").read_text().split()
    gitignored = (REPO / ".gitignore").read_text().split()
    for secret in ("deploy/postgres.env", "deploy/.env", "deploy/pendulum.env"):
        assert secret in ignored and secret in gitignored, secret


def test_postgres_guide_is_linked_and_covers_the_operators_questions() -> None:
    guide = (DEPLOY / "POSTGRES.md").read_text()
    assert "](POSTGRES.md)" in (DEPLOY / "README.md").read_text()
    assert "](deploy/POSTGRES.md)" in (REPO / "README.md").read_text()
    for topic in (
        "compose.postgres.yaml",
        "pendulum-bot[postgres]",
        "advisory lock",
        "PENDULUM_REPLICA_LEASE_SECONDS",
        "pg_dump",
        "pg_restore",
        "pendulum-bot db backup",
        "VACUUM",
        "forget me",
        "/healthz",
        "/metrics",
    ):
        assert topic in guide, topic
    for link in re.findall(r"\]\(([^)#:]+)\)", guide):
        assert (DEPLOY / link).exists(), f"deploy/POSTGRES.md links to missing {link}"


# -- CI ------------------------------------------------------------------------------------
def test_ci_runs_the_postgres_suites_that_exist() -> None:
    script = (REPO / ".ci" / "run").read_text()
    (listed,) = re.findall(r"^POSTGRES_SUITES=\(\n(.*?)\n\)", script, re.M | re.S)
    suites = listed.split()
    assert suites and all((REPO / s).exists() for s in suites), suites
    assert "tests/scenario" in suites
    assert "source .ci/postgres.sh" in script and "start_test_postgres" in script
    passes = [line for line in script.splitlines() if re.match(r"^\S*=?\S* ?uv run pytest", line)]
    assert len(passes) == 2, passes
    assert '"${POSTGRES_SUITES[@]}"' in passes[1]
