"""The shipped alert rules pass promtool's checks and unit tests; the dashboards are well-formed Grafana
JSON whose every PromQL expression parses."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.observability.deploy_files import (
    DEPLOY,
    POSTGRES_DATASOURCE,
    PROMETHEUS_DATASOURCE,
    RULES,
    dashboards,
    metric_names,
    panels,
    promql,
    promtool,
    rule_expressions,
    targets,
)

SEVERITIES = {"P0", "P1", "P2", "P3"}
PANEL_TYPES = {"row", "timeseries", "stat", "table", "gauge", "bargauge"}
# Headings of the operations runbook, as an alert's `runbook_section` may name them.
RUNBOOK_HEADINGS = {
    "Health Checks y Monitoring", "Application Health Endpoints", "Key Metrics to Monitor",
    "Application Metrics", "Incident Response Procedures", "P0 - Critical (Service Down)",
    "P1 - High (Degraded Performance)", "Common Troubleshooting", "Database Connection Issues",
    "AI Processing Failures", "Performance Optimization", "Database Optimization", "Query Performance",
    "Security Procedures", "Security Incident Response", "Suspicious Activity Detection",
    "Capacity Planning", "Scaling Triggers", "Horizontal Scaling", "Vertical Scaling",
    "Backup & Recovery", "Backup Strategy", "Database Backups",
}  # fmt: skip


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=300)


def test_rules_pass_promtool_check() -> None:
    done = run(promtool(), "check", "rules", "rules.yml", cwd=RULES.parent)
    assert done.returncode == 0, done.stdout + done.stderr


def test_scrape_config_passes_promtool_check() -> None:
    done = run(promtool(), "check", "config", "prometheus.yml", cwd=RULES.parent)
    assert done.returncode == 0, done.stdout + done.stderr


def test_every_alert_fires_at_its_threshold_and_stays_quiet_below() -> None:
    done = run(promtool(), "test", "rules", "rules.test.yml", "rules.days.test.yml", cwd=RULES.parent)
    assert done.returncode == 0, done.stdout + done.stderr
    tested: dict[str, list[bool]] = {}
    for name in ("rules.test.yml", "rules.days.test.yml"):
        for test in yaml.safe_load((RULES.parent / name).read_text())["tests"]:
            for case in test.get("alert_rule_test", []):
                tested.setdefault(case["alertname"], []).append(bool(case["exp_alerts"]))
    untested = set(rule_expressions()) - {"AipairTargetDown"} - set(tested)
    assert not untested, f"alerts without unit tests: {sorted(untested)}"
    one_sided = {
        alert for alert, cases in tested.items() if alert != "AipairTargetDown" and len(set(cases)) < 2
    }
    assert not one_sided, f"alerts tested only firing or only quiet: {sorted(one_sided)}"


def test_every_alert_has_a_runbook_severity_a_summary_and_a_runbook_section() -> None:
    groups = yaml.safe_load(RULES.read_text())["groups"]
    for rule in (rule for group in groups for rule in group["rules"]):
        assert rule["labels"]["severity"] in SEVERITIES, rule["alert"]
        annotations = rule["annotations"]
        assert annotations["summary"] and annotations["description"], rule["alert"]
        for heading in annotations["runbook_section"].split(" › "):
            assert heading in RUNBOOK_HEADINGS, (rule["alert"], heading)


@pytest.mark.parametrize("name", sorted(dashboards()))
def test_dashboard_is_well_formed_grafana_json(name: str) -> None:
    board = dashboards()[name]
    assert board["uid"] and board["title"] and isinstance(board["schemaVersion"], int)
    assert board["time"]["from"] and board["time"]["to"]
    ids = [panel["id"] for panel in panels(board)]
    assert len(ids) == len(set(ids)), "panel ids must be unique"
    occupied: set[tuple[int, int]] = set()
    for panel in panels(board):
        assert panel["type"] in PANEL_TYPES, panel["title"]
        cells = _cells(panel["gridPos"])
        assert not occupied & cells, f"{panel['title']} overlaps another panel"
        occupied |= cells
        if panel["type"] != "row":
            _check_targets(panel)


def _cells(grid: dict[str, int]) -> set[tuple[int, int]]:
    assert grid["x"] >= 0 and grid["x"] + grid["w"] <= 24 and grid["h"] > 0 and grid["y"] >= 0
    return {
        (x, y)
        for x in range(grid["x"], grid["x"] + grid["w"])
        for y in range(grid["y"], grid["y"] + grid["h"])
    }


def _check_targets(panel: dict[str, Any]) -> None:
    assert panel["targets"], f"{panel['title']} has no query"
    refs = [target["refId"] for target in panel["targets"]]
    assert len(refs) == len(set(refs)), panel["title"]
    for target in panel["targets"]:
        uid = target["datasource"]["uid"]
        assert uid in (PROMETHEUS_DATASOURCE, POSTGRES_DATASOURCE), panel["title"]
        assert target["expr" if uid == PROMETHEUS_DATASOURCE else "rawSql"].strip(), panel["title"]


def test_dashboards_use_only_the_provisioned_data_sources() -> None:
    provisioned = yaml.safe_load((DEPLOY / "grafana/provisioning/datasources/aipair.yml").read_text())
    uids = {source["uid"] for source in provisioned["datasources"]}
    assert uids == {PROMETHEUS_DATASOURCE, POSTGRES_DATASOURCE}
    provider = yaml.safe_load((DEPLOY / "grafana/provisioning/dashboards/aipair.yml").read_text())
    assert provider["providers"][0]["type"] == "file"


def test_every_dashboard_expression_parses(tmp_path: Path) -> None:
    rules = [
        {
            "record": f"dashboard:{name.removesuffix('.json').replace('-', '_')}:{index}",
            "expr": promql(t["expr"]),
        }
        for index, (name, _, t) in enumerate(targets(PROMETHEUS_DATASOURCE))
    ]
    assert len(rules) > 40
    (tmp_path / "dashboards.yml").write_text(
        yaml.safe_dump({"groups": [{"name": "dashboards", "rules": rules}]})
    )
    done = run(promtool(), "check", "rules", "dashboards.yml", cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_runbook_dashboards_show_its_key_panels() -> None:
    titles = {
        name: " | ".join(p["title"].lower() for p in panels(board)) for name, board in dashboards().items()
    }
    assert set(titles) == {"production.json", "ai-usage.json", "security.json"}
    for word in ("response time", "error rate", "active users", "pool", "query time", "connections"):
        assert word in titles["production.json"], word
    for word in ("by company", "cost", "refusals", "by model", "success rate"):
        assert word in titles["ai-usage.json"], word
    for word in ("failed sign-ins", "cross-tenant", "rate-limit", "unusual api key", "support actions"):
        assert word in titles["security.json"], word


def test_metric_names_are_read_from_expressions() -> None:
    expr = 'sum by (le, route) (rate(aipair_x_bucket{route!~"/v1/.*"}[5m])) / ignoring(state) max(up) > 0.2'
    assert metric_names(expr) == {"aipair_x_bucket", "up"}
