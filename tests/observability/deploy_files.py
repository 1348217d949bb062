"""What the shipped Grafana dashboards and Prometheus rules say: their queries and the metrics they name."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
DASHBOARDS = DEPLOY / "grafana" / "dashboards"
RULES = DEPLOY / "prometheus" / "rules.yml"
PROMETHEUS_DATASOURCE = "aipair-prometheus"
POSTGRES_DATASOURCE = "aipair-postgres"
# Grafana's variables, replaced by what Grafana would put there for a six-hour range.
PROMQL_VARIABLES = {"$__rate_interval": "1m", "$__interval": "15s", "$__range": "6h"}
SYNTHETIC = {"up"}
"""Series Prometheus writes itself for every scrape (not exported by the application)."""
_KEYWORDS = {"and", "or", "unless", "bool", "offset", "by", "without", "on", "ignoring", "inf", "nan"}


def dashboards() -> dict[str, dict[str, Any]]:
    """Each dashboard file's JSON by file name."""
    return {path.name: json.loads(path.read_text()) for path in sorted(DASHBOARDS.glob("*.json"))}


def panels(board: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every panel of a dashboard, those inside rows included."""
    for panel in board["panels"]:
        yield panel
        yield from panel.get("panels", [])


def targets(datasource: str) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(dashboard file, panel title, target) of every query sent to ``datasource``."""
    for name, board in dashboards().items():
        for panel in panels(board):
            for target in panel.get("targets", []):
                if target["datasource"]["uid"] == datasource:
                    yield name, panel["title"], target


def promql(expr: str) -> str:
    """A dashboard expression with Grafana's variables replaced."""
    for variable, value in PROMQL_VARIABLES.items():
        expr = expr.replace(variable, value)
    return expr


def rule_expressions() -> dict[str, str]:
    """Alert name → expression of every rule in rules.yml."""
    groups = yaml.safe_load(RULES.read_text())["groups"]
    return {rule["alert"]: rule["expr"] for group in groups for rule in group["rules"]}


def metric_names(expr: str) -> set[str]:
    """The metric names an expression selects (functions, label names and keywords left out)."""
    text = re.sub(r'"(?:[^"\\]|\\.)*"', "", expr)  # strings
    text = re.sub(r"\{[^}]*\}", " ", text)  # label matchers
    text = re.sub(r"\[[^\]]*\]", " ", text)  # ranges
    text = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", text)
    names = set()
    for match in re.finditer(r"(?<![\w.])([a-zA-Z_:][a-zA-Z0-9_:]*)\b(\s*\()?", text):
        name, call = match.group(1), match.group(2)
        if call or name.lower() in _KEYWORDS:
            continue
        names.add(name)
    return names


def named_metrics() -> set[str]:
    """Every metric a dashboard panel or an alert rule names."""
    exprs = [promql(t["expr"]) for _, _, t in targets(PROMETHEUS_DATASOURCE)]
    exprs += list(rule_expressions().values())
    return set().union(*(metric_names(e) for e in exprs)) - SYNTHETIC


def promtool() -> str:
    """The promtool binary (Debian package ``prometheus``, installed by ``make test``)."""
    path = shutil.which("promtool")
    if path is None:
        pytest.fail("promtool is missing: run scripts/system-deps.sh (Debian package prometheus)")
    return path
