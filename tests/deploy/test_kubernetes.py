"""The Kubernetes manifests: valid for the pinned Kubernetes version, and the objects, names and labels
every ``kubectl`` command of the runbook acts on are there and do what the runbook expects."""

from __future__ import annotations

import copy
import json
import re
from typing import Any

import kubernetes_validate
import pytest
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from aipair.cli.app import build_app
from aipair.config import Settings
from tests.deploy.manifests import (
    AIPAIR_IMAGE,
    K8S,
    Obj,
    PodTemplate,
    container_env,
    k8s_files,
    k8s_objects,
    load_documents,
    pod_templates,
    selects,
    setting_names,
)

KUBERNETES_VERSION = "1.33.0"
OBJECTS = k8s_objects()
TEMPLATES = {(t.kind, t.name): t for t in pod_templates(OBJECTS)}
BLUE, GREEN = TEMPLATES[("Deployment", "app")], TEMPLATES[("Deployment", "app-green")]


def aipair_templates() -> list[PodTemplate]:
    return [t for t in TEMPLATES.values() if t.containers()[0]["image"].startswith(AIPAIR_IMAGE)]


def test_every_manifest_validates_strictly_against_the_kubernetes_schemas() -> None:
    for path in k8s_files():
        for doc in load_documents(path):
            kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)


def test_the_validation_rejects_a_misspelt_field() -> None:
    broken = copy.deepcopy(OBJECTS[("Deployment", "app")])
    broken["spec"]["template"]["spec"]["containers"][0]["readinesProbe"] = {"httpGet": {"path": "/"}}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, KUBERNETES_VERSION, strict=True)


def test_kustomization_applies_everything_but_green_in_production() -> None:
    (kustomization,) = load_documents(K8S / "kustomization.yaml")
    assert kustomization["namespace"] == "production"
    expected = {p.name for p in k8s_files()} - {"green-deployment.yaml"}
    assert set(kustomization["resources"]) == expected


def test_every_object_lives_in_the_production_namespace() -> None:
    assert ("Namespace", "production") in OBJECTS
    for (kind, name), obj in OBJECTS.items():
        if kind != "Namespace":
            assert obj["metadata"].get("namespace") == "production", f"{kind}/{name}"


# The runbook's commands, verbatim, and what each needs from the manifests.
RUNBOOK = [
    "kubectl get pods -n production | grep postgres",
    "kubectl rollout history deployment/app -n production",
    "kubectl logs -f deployment/app -n production --tail=100",
    "kubectl rollout undo deployment/app -n production",
    "kubectl scale deployment/app --replicas=5 -n production",
    "kubectl scale deployment/app --replicas=10 -n production",
    "kubectl top pods -n production",
    "kubectl apply -f k8s/green-deployment.yaml",
    """kubectl patch service app -p '{"spec":{"selector":{"version":"green"}}}'""",
    "kubectl delete -f k8s/blue-deployment.yaml",
    """kubectl patch configmap app-config -p '{"data":{"DB_POOL_SIZE":"20"}}'""",
]


def test_runbook_names_deployment_app_with_a_rollout_history() -> None:
    for command in RUNBOOK:
        if "deployment/app " in command:
            assert " -n production" in command
    app = OBJECTS[("Deployment", "app")]
    assert app["spec"]["revisionHistoryLimit"] >= 2  # rollout history / undo have something to show
    assert app["metadata"]["labels"]["version"] == "blue"


def test_runbook_scaling_fits_the_autoscaler() -> None:
    """``kubectl scale … --replicas=5|10``: within the autoscaler's range, which owns the count."""
    wanted = [int(m) for c in RUNBOOK for m in re.findall(r"--replicas=(\d+)", c)]
    hpa = autoscaler_of("app")
    assert "replicas" not in OBJECTS[("Deployment", "app")]["spec"]
    assert all(hpa["spec"]["minReplicas"] <= n <= hpa["spec"]["maxReplicas"] for n in wanted)


def autoscaler_of(deployment: str) -> Obj:
    (hpa,) = [
        obj
        for (kind, _), obj in OBJECTS.items()
        if kind == "HorizontalPodAutoscaler" and obj["spec"]["scaleTargetRef"]["name"] == deployment
    ]
    return hpa


@pytest.mark.parametrize("deployment", ["app", "app-green"])
def test_autoscaler_triggers_at_cpu_70_and_memory_80_percent(deployment: str) -> None:
    hpa = autoscaler_of(deployment)
    targets = {m["resource"]["name"]: m["resource"]["target"] for m in hpa["spec"]["metrics"]}
    assert targets == {
        "cpu": {"type": "Utilization", "averageUtilization": 70},
        "memory": {"type": "Utilization", "averageUtilization": 80},
    }
    assert hpa["spec"]["behavior"]["scaleUp"]["stabilizationWindowSeconds"] == 300  # "for 5 minutes"
    assert hpa["spec"]["minReplicas"] >= 2


def test_runbook_top_pods_and_utilisation_have_requests_and_limits_on_every_container() -> None:
    for template in TEMPLATES.values():
        for container in template.containers():
            resources = container["resources"]
            assert {"cpu", "memory"} <= set(resources["requests"]), template.name
            assert "memory" in resources["limits"], template.name


def test_runbook_finds_the_database_pod_by_name() -> None:
    postgres = OBJECTS[("StatefulSet", "postgres")]  # pods postgres-0, … match `grep postgres`
    assert postgres["spec"]["template"]["spec"]["containers"][0]["image"].startswith("postgres:")


def test_runbook_blue_green_switch_moves_service_app_from_blue_to_green() -> None:
    service = OBJECTS[("Service", "app")]
    assert selects(service["spec"]["selector"], BLUE.labels)
    assert not selects(service["spec"]["selector"], GREEN.labels)
    (patch,) = [json.loads(c.split("-p ", 1)[1].strip("'")) for c in RUNBOOK if "patch service app" in c]
    patched = {**service["spec"]["selector"], **patch["spec"]["selector"]}  # a merge patch of the map
    assert selects(patched, GREEN.labels) and not selects(patched, BLUE.labels)


def test_green_and_blue_files_hold_only_their_own_version() -> None:
    for name, version in (("green-deployment.yaml", "green"), ("blue-deployment.yaml", "blue")):
        docs = load_documents(K8S / name)
        assert {doc["metadata"]["labels"]["version"] for doc in docs} == {version}, name
        assert {doc["kind"] for doc in docs} == {"Deployment", "HorizontalPodAutoscaler", "Service"}
    # Deleting blue leaves the production service, its settings and the worker alone.
    assert ("Service", "app") not in {
        (d["kind"], d["metadata"]["name"]) for d in load_documents(K8S / "blue-deployment.yaml")
    }


def test_blue_and_green_run_the_same_pods_but_for_their_version() -> None:
    def as_blue(docs: list[Obj]) -> str:
        return json.dumps(docs).replace("app-green", "app").replace('"green"', '"blue"')

    green = load_documents(K8S / "green-deployment.yaml")
    blue = load_documents(K8S / "blue-deployment.yaml")
    assert json.loads(as_blue(green)) == json.loads(as_blue(blue).replace('"app-blue"', '"app"'))
    assert selects(OBJECTS[("Deployment", "app-green")]["spec"]["selector"], GREEN.labels)
    assert not selects(OBJECTS[("Deployment", "app-green")]["spec"]["selector"], BLUE.labels)


def test_runbook_pool_size_patch_reaches_the_app_and_the_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    (command,) = [c for c in RUNBOOK if "patch configmap app-config" in c]
    patch = json.loads(command.split("-p ", 1)[1].strip("'"))
    config = OBJECTS[("ConfigMap", "app-config")]
    assert "DB_POOL_SIZE" in config["data"]
    for name in ("app", "app-green", "worker"):
        container = TEMPLATES[("Deployment", name)].containers()[0]
        assert {"configMapRef": {"name": "app-config"}} in container["envFrom"], name
    for name, value in {**config["data"], **patch["data"]}.items():
        monkeypatch.setenv(name, value)
    assert Settings().db_pool_size == 20


def test_behind_the_ingress_the_app_believes_forwarded_addresses_from_its_proxies_only(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name, value in OBJECTS[("ConfigMap", "app-config")]["data"].items():
        monkeypatch.setenv(name, value)
    proxies = Settings().auth.trusted_proxies
    assert proxies and all(network.is_private for network in proxies)  # the cluster's, never the internet


@pytest.mark.parametrize("template", [BLUE, GREEN], ids=["blue", "green"])
def test_app_probes_liveness_on_health_readiness_on_health_db_and_a_startup_probe(
    template: PodTemplate,
) -> None:
    (container,) = template.containers()
    ports = {port["name"]: port["containerPort"] for port in container["ports"]}
    probes = {
        kind: container[kind]["httpGet"] for kind in ("startupProbe", "livenessProbe", "readinessProbe")
    }
    assert {kind: probe["path"] for kind, probe in probes.items()} == {
        "startupProbe": "/health",
        "livenessProbe": "/health",
        "readinessProbe": "/health/db",
    }
    assert all(probe["port"] in ports for probe in probes.values())
    assert ports["http"] == 8000


def test_graceful_shutdown_outlasts_the_worker_grace_and_the_app_pre_stop() -> None:
    worker = TEMPLATES[("Deployment", "worker")]
    env = container_env(worker, worker.containers()[0], OBJECTS)
    grace = float(env.get("AIPAIR_WORKER__SHUTDOWN_GRACE_S", Settings().worker.shutdown_grace_s))
    assert worker.spec["terminationGracePeriodSeconds"] > grace
    for app in (BLUE, GREEN):
        (container,) = app.containers()
        assert container["lifecycle"]["preStop"]["exec"]["command"][0] == "sleep"
        assert app.spec["terminationGracePeriodSeconds"] > int(
            container["lifecycle"]["preStop"]["exec"]["command"][1]
        )


def test_every_aipair_container_runs_a_real_command_of_the_image() -> None:
    runner, app = CliRunner(), build_app()
    commands = {tuple(c["args"]) for t in aipair_templates() for c in t.containers()}
    assert {
        ("serve",),
        ("worker",),
        ("db", "upgrade"),
        ("init",),
        ("backup", "create"),
        ("backup", "prune"),
    } <= commands
    for args in commands:
        result = runner.invoke(app, [*args, "--help"])
        assert result.exit_code == 0, f"aipair {' '.join(args)}: {result.output}"


def test_the_migration_job_upgrades_the_schema_before_anything_else_runs_in_it() -> None:
    job = TEMPLATES[("Job", "migrate")]
    assert [c["args"] for c in job.spec["initContainers"]] == [["db", "upgrade"]]
    assert job.spec["restartPolicy"] == "Never"


def test_the_backup_runs_daily_one_at_a_time_and_prunes_after_it_succeeded() -> None:
    cron = OBJECTS[("CronJob", "backup")]["spec"]
    assert cron["schedule"].split()[2:] == ["*", "*", "*"] and cron["concurrencyPolicy"] == "Forbid"
    backup = TEMPLATES[("CronJob", "backup")]
    assert [c["args"] for c in backup.containers()] == [["backup", "create"], ["backup", "prune"]]
    repositories = {
        container_env(backup, c, OBJECTS)["AIPAIR_BACKUP__REPOSITORY"] for c in backup.containers()
    }
    mounts = [{m["mountPath"] for m in c["volumeMounts"]} for c in backup.containers()]
    assert len(repositories) == 1 and all(repositories <= paths for paths in mounts)
    claim = next(v for v in backup.spec["volumes"] if "persistentVolumeClaim" in v)["persistentVolumeClaim"]
    assert ("PersistentVolumeClaim", claim["claimName"]) in OBJECTS


def test_every_setting_in_the_manifests_is_one_the_app_reads() -> None:
    known = setting_names()
    for template in aipair_templates():
        for container in template.containers():
            unknown = set(container_env(template, container, OBJECTS)) - known
            assert not unknown, f"{template.name}: {unknown}"


def test_secrets_are_referenced_never_committed_and_only_one_shot_pods_hold_the_owner_password() -> None:
    assert not [key for key in OBJECTS if key[0] == "Secret"]
    holders: dict[str, set[str]] = {}
    for template in aipair_templates():
        for container in template.containers():
            for value in container_env(template, container, OBJECTS).values():
                if value.startswith("secret:"):
                    holders.setdefault(value.removeprefix("secret:").split("/")[0], set()).add(template.name)
    assert holders["aipair-owner"] == {"migrate", "backup"}
    assert holders["aipair-app"] == {"app", "app-green", "worker"}
    # The app's owner URL only names the database: it carries no password.
    assert make_url(OBJECTS[("ConfigMap", "app-config")]["data"]["AIPAIR_DATABASE_URL"]).password is None


def test_every_pod_runs_as_a_non_root_user_without_privilege_escalation() -> None:
    for template in TEMPLATES.values():
        assert template.spec["securityContext"]["runAsNonRoot"] is True, template.name
        assert template.spec["automountServiceAccountToken"] is False, template.name
        for container in template.containers():
            assert container["securityContext"]["allowPrivilegeEscalation"] is False, template.name


def ingress_sources(policy: str) -> set[str]:
    rules: list[dict[str, Any]] = OBJECTS[("NetworkPolicy", policy)]["spec"]["ingress"]
    return {
        t.name
        for t in TEMPLATES.values()
        for rule in rules
        for peer in rule["from"]
        if selects(peer["podSelector"], t.labels)
    }


def test_only_the_application_s_pods_reach_postgresql_and_only_app_and_worker_reach_redis() -> None:
    assert ingress_sources("postgres") == {"app", "app-green", "worker", "migrate", "backup"}
    assert ingress_sources("redis") == {"app", "app-green", "worker"}
    deny = OBJECTS[("NetworkPolicy", "default-deny-ingress")]["spec"]
    assert deny == {"podSelector": {}, "policyTypes": ["Ingress"]}


def test_disruption_budgets_cover_both_versions_of_the_app_and_the_worker() -> None:
    budgets = [obj for (kind, _), obj in OBJECTS.items() if kind == "PodDisruptionBudget"]
    covered = {
        t.name for t in TEMPLATES.values() for b in budgets if selects(b["spec"]["selector"], t.labels)
    }
    assert {"app", "app-green", "worker"} <= covered


def test_the_deployment_guide_creates_every_secret_key_the_pods_read() -> None:
    guide = (K8S.parents[1] / "docs" / "deployment.md").read_text()
    created = {
        (name, key)
        for name, options in re.findall(
            r"kubectl create secret generic (\S+) -n production((?:.*\\\n)+.*)", guide
        )
        for key in re.findall(r"--from-literal=([\w-]+)=", options)
    }
    referenced = {
        (ref["name"], ref["key"])
        for template in TEMPLATES.values()
        for container in template.containers()
        for item in container.get("env", [])
        if (ref := item.get("valueFrom", {}).get("secretKeyRef"))
    }
    assert referenced and referenced <= created


def test_postgresql_takes_every_connection_the_pods_may_open_with_both_colours_at_their_maximum(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Per process: the ORM pool and its overflow plus the gateway's pool; a worker also listens on one
    connection of its own. Blue and green may both run at their autoscaler's maximum during a switch."""
    for name, value in OBJECTS[("ConfigMap", "app-config")]["data"].items():
        monkeypatch.setenv(name, value)
    settings = Settings()
    per_process = settings.db_pool_size + settings.db_max_overflow + settings.gateway.pool_size
    apps = sum(autoscaler_of(name)["spec"]["maxReplicas"] for name in ("app", "app-green"))
    workers = OBJECTS[("Deployment", "worker")]["spec"]["replicas"]
    one_shots = 2 * per_process  # the migration Job and a backup
    (postgres,) = TEMPLATES[("StatefulSet", "postgres")].containers()
    max_connections = int(postgres["args"][postgres["args"].index("-c") + 1].split("=")[1])
    reserved = 3  # superuser_reserved_connections
    assert (apps + workers) * per_process + workers + one_shots + reserved <= max_connections
