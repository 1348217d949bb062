"""The compose stack: valid compose (the compose specification's JSON schema, as ``docker compose
config`` would check it; no Docker engine here), secrets only as variables, started in order, one image
for migrations, the app and the worker."""

from __future__ import annotations

import copy
import json
import re
from importlib.resources import files
from typing import Any

import jsonschema
import pytest
import yaml

from tests.deploy.manifests import DEPLOY, Obj, setting_names

COMPOSE = DEPLOY / "compose.yaml"
ENV_EXAMPLE = DEPLOY / ".env.example"
AIPAIR_SERVICES = ("migrate", "app", "worker")
VARIABLE = re.compile(r"\$\{(\w+)(?:(:?[-?])([^}]*))?\}")


def example_env() -> dict[str, str]:
    lines = (line.split("=", 1) for line in ENV_EXAMPLE.read_text().splitlines() if "=" in line)
    return {name.strip(): value.strip() for name, value in lines if not name.startswith("#")}


def interpolate(text: str, env: dict[str, str]) -> str:
    """Compose's ``${NAME}``, ``${NAME:-default}`` and ``${NAME:?error}``; a required variable missing
    from ``env`` fails, like ``docker compose config`` does."""

    def value(match: re.Match[str]) -> str:
        name, operator, argument = match.groups()
        if env.get(name):
            return env[name]
        assert operator is None or "-" in operator, f"{name} is required: {argument}"
        return argument or ""

    return VARIABLE.sub(value, text)


def stack(env: dict[str, str] | None = None) -> Obj:
    loaded: Obj = yaml.safe_load(interpolate(COMPOSE.read_text(), example_env() if env is None else env))
    return loaded


def compose_schema() -> Any:
    return json.loads((files("check_jsonschema.builtin_schemas.vendor") / "compose-spec.json").read_text())


def schema_errors(document: Obj) -> list[str]:
    schema = compose_schema()
    validator = jsonschema.validators.validator_for(schema)(schema)
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(document)]


def test_the_compose_file_is_valid_compose_with_the_example_environment() -> None:
    assert schema_errors(stack()) == []


def test_the_schema_check_rejects_what_compose_would_refuse() -> None:
    broken = copy.deepcopy(stack())
    broken["services"]["app"]["depends_on"]["migrate"]["condition"] = "service_finished"
    broken["services"]["worker"]["stop_grace_periodd"] = "45s"
    assert len(schema_errors(broken)) >= 2


def test_every_secret_is_a_variable_that_must_be_set() -> None:
    with pytest.raises(AssertionError, match="is required"):
        stack({})
    raw = yaml.safe_load(COMPOSE.read_text())
    for name, service in raw["services"].items():
        for key, value in (service.get("environment") or {}).items():
            if re.search("PASSWORD|SECRET|_KEY$", key):
                assert VARIABLE.fullmatch(str(value)), f"{name}: {key} is written in the file"


def test_services_come_up_in_order() -> None:
    services = stack()["services"]
    for name, service in services.items():
        for dependency, condition in service.get("depends_on", {}).items():
            assert dependency in services, f"{name} waits for an unknown {dependency}"
            if condition["condition"] == "service_healthy":
                check = services[dependency].get("healthcheck", {})
                image_check = services[dependency].get("build") is not None  # the image's HEALTHCHECK
                assert (check and not check.get("disable")) or image_check, (
                    f"{dependency} has no health check"
                )
    for name in ("app", "worker"):
        waits = services[name]["depends_on"]
        assert waits["migrate"] == {"condition": "service_completed_successfully"}
        assert waits["postgres"] == {"condition": "service_healthy"}
    assert services["migrate"]["depends_on"]["postgres"] == {"condition": "service_healthy"}
    assert services["app"]["depends_on"]["redis"] == {"condition": "service_healthy"}


def test_one_image_runs_migrations_two_app_replicas_and_the_worker() -> None:
    services = stack()["services"]
    assert {services[name]["image"] for name in AIPAIR_SERVICES} == {"aipair:latest"}
    assert {services[name]["build"]["dockerfile"] for name in AIPAIR_SERVICES} == {"deploy/Dockerfile"}
    assert (DEPLOY / services["app"]["build"]["context"] / "deploy/Dockerfile").is_file()
    assert services["migrate"]["entrypoint"][-1] == "aipair db upgrade && aipair init"
    assert services["app"]["command"] == ["serve"] and services["app"]["deploy"]["replicas"] == 2
    assert services["worker"]["command"] == ["worker"]
    assert services["postgres"]["image"].startswith("postgres:1")  # PostgreSQL 15 or newer
    assert int(services["postgres"]["image"].split(":")[1].split(".")[0]) >= 15


def test_the_app_and_worker_settings_are_settings_the_app_reads() -> None:
    known = setting_names()
    for name in AIPAIR_SERVICES:
        unknown = set(stack()["services"][name]["environment"]) - known
        assert not unknown, f"{name}: {unknown}"
