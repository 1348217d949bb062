"""The monitoring services of the compose stack: every file mounted from the repository exists,
Prometheus loads the mounted rules and scrapes the stack's app and worker, and Grafana is provisioned
with the runbook's three dashboards and both data sources, on the stack's own services."""

from __future__ import annotations

import json
import re
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from tests.deploy.manifests import DEPLOY, Obj
from tests.deploy.test_compose import VARIABLE, interpolate, stack

DASHBOARDS = {"production.json", "ai-usage.json", "security.json"}
SERVICES = stack()["services"]


def mounted(service: Obj, container_path: str) -> Path:
    """The file or folder of the repository that ``container_path`` is inside ``service``."""
    target = PurePosixPath(container_path)
    for volume in service.get("volumes", []):
        source, inside = volume.split(":")[:2]
        within = target == PurePosixPath(inside) or PurePosixPath(inside) in target.parents
        if source.startswith(".") and within:
            return DEPLOY / source / target.relative_to(inside)
    raise AssertionError(f"{container_path} is not mounted from the repository")


def test_every_file_mounted_from_the_repository_exists() -> None:
    for name, service in SERVICES.items():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("."):
                assert (DEPLOY / source).exists(), f"{name}: {source}"


def test_prometheus_loads_the_mounted_rules_and_scrapes_the_app_and_the_worker() -> None:
    prometheus = SERVICES["prometheus"]
    config_path = "/etc/prometheus/prometheus.yml"
    assert f"--config.file={config_path}" in prometheus["command"]
    config = yaml.safe_load(mounted(prometheus, config_path).read_text())
    for rule_file in config["rule_files"]:
        assert mounted(prometheus, str(PurePosixPath(config_path).parent / rule_file)).is_file(), rule_file
    ports = {"app": "8000", "worker": SERVICES["worker"]["environment"].get("AIPAIR_WORKER__METRICS_PORT")}
    for job in config["scrape_configs"]:
        for discovery in job["dns_sd_configs"]:
            for name in discovery["names"]:
                assert str(discovery["port"]) == ports[name], f"{job['job_name']} scrapes {name}"


def provisioning(kind: str) -> list[Any]:
    grafana = SERVICES["grafana"]
    folder = mounted(grafana, f"/etc/grafana/provisioning/{kind}")
    texts = [p.read_text() for p in sorted(folder.glob("*.y*ml"))]
    for text in texts:  # Grafana fills these from its environment
        for name, operator, _ in VARIABLE.findall(text):
            assert operator or name in grafana["environment"], f"grafana needs {name}"
    return [yaml.safe_load(interpolate(text, grafana["environment"])) for text in texts]


def test_grafana_provisions_the_runbook_s_three_dashboards() -> None:
    found: set[str] = set()
    for provider in (p for document in provisioning("dashboards") for p in document["providers"]):
        folder = mounted(SERVICES["grafana"], provider["options"]["path"])
        for dashboard in folder.glob("**/*.json"):
            assert json.loads(dashboard.read_text())["title"], dashboard
            found.add(dashboard.name)
    assert found >= DASHBOARDS


def test_grafana_provisions_prometheus_and_postgresql_on_the_stack_s_services() -> None:
    sources = {s["type"]: s for document in provisioning("datasources") for s in document["datasources"]}
    assert re.fullmatch(r"http://prometheus:9090", sources["prometheus"]["url"])
    postgres = sources["grafana-postgresql-datasource"]
    assert postgres["url"] == "postgres:5432"
    assert postgres["jsonData"]["database"] == SERVICES["postgres"]["environment"]["POSTGRES_DB"]
    # The reporting role gets its password from the migration, the same one Grafana signs in with.
    migrate = SERVICES["migrate"]["environment"]
    assert postgres["secureJsonData"]["password"] == migrate["AIPAIR_DATABASE_REPORTING_PASSWORD"]
