"""Reading the deployment files the way Kubernetes and compose read them: objects, pod templates,
label selectors, and the settings their environment sets."""

from __future__ import annotations

import typing
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import AliasChoices, BaseModel

from aipair.config import Settings

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
K8S = DEPLOY / "k8s"
AIPAIR_IMAGE = "registry.example.com/aipair"
Obj = dict[str, Any]


def load_documents(path: Path) -> list[Obj]:
    """Every non-empty YAML document of ``path``."""
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


def k8s_files() -> list[Path]:
    """The manifests (kustomization.yaml is kustomize's, not an object)."""
    return sorted(p for p in K8S.glob("*.yaml") if p.name != "kustomization.yaml")


def k8s_objects() -> dict[tuple[str, str], Obj]:
    """Every object of every manifest by (kind, name); a kind and name defined twice fails."""
    objects: dict[tuple[str, str], Obj] = {}
    for path in k8s_files():
        for doc in load_documents(path):
            key = (doc["kind"], doc["metadata"]["name"])
            assert key not in objects, f"{key} defined twice"
            objects[key] = doc
    return objects


@dataclass(frozen=True)
class PodTemplate:
    """The pod template of a workload (Deployment, StatefulSet, Job, CronJob)."""

    kind: str
    name: str
    labels: dict[str, str]
    spec: Obj

    def containers(self, *, init: bool = True) -> list[Obj]:
        return [*(self.spec.get("initContainers", []) if init else []), *self.spec["containers"]]


def pod_template(obj: Obj) -> PodTemplate | None:
    spec = obj.get("spec", {})
    if obj["kind"] == "CronJob":
        spec = spec["jobTemplate"]["spec"]
    template = spec.get("template")
    if template is None:
        return None
    return PodTemplate(obj["kind"], obj["metadata"]["name"], template["metadata"]["labels"], template["spec"])


def pod_templates(objects: dict[tuple[str, str], Obj]) -> list[PodTemplate]:
    return [t for obj in objects.values() if (t := pod_template(obj)) is not None]


def selects(selector: Obj, labels: dict[str, str]) -> bool:
    """Whether a label selector (plain map, or matchLabels / matchExpressions) selects ``labels``."""
    if "matchLabels" not in selector and "matchExpressions" not in selector:
        selector = {"matchLabels": selector}
    plain = all(labels.get(k) == v for k, v in selector.get("matchLabels", {}).items())
    return plain and all(_matches(expression, labels) for expression in selector.get("matchExpressions", []))


def _matches(expression: Obj, labels: dict[str, str]) -> bool:
    value, operator = labels.get(expression["key"]), expression["operator"]
    if operator == "In":
        return value in expression["values"]
    if operator == "NotIn":
        return value not in expression["values"]
    return (value is not None) == (operator == "Exists")


def container_env(
    template: PodTemplate, container: Obj, objects: dict[tuple[str, str], Obj]
) -> dict[str, str]:
    """The environment a container starts with: its ConfigMaps' data, then its own ``env`` (values
    from Secrets shown as ``secret:<name>/<key>``)."""
    env: dict[str, str] = {}
    for source in container.get("envFrom", []):
        env.update(objects[("ConfigMap", source["configMapRef"]["name"])]["data"])
    for item in container.get("env", []):
        ref = item.get("valueFrom", {}).get("secretKeyRef")
        env[item["name"]] = f"secret:{ref['name']}/{ref['key']}" if ref else item["value"]
    return env


def setting_names() -> set[str]:
    """Every environment variable the settings read: ``AIPAIR_<FIELD>``, ``AIPAIR_<GROUP>__<FIELD>``,
    and the aliases a field also accepts (the runbook's ``DB_POOL_SIZE``)."""
    names: set[str] = set()
    for name, field in Settings.model_fields.items():
        names.add(f"AIPAIR_{name.upper()}")
        if isinstance(field.validation_alias, AliasChoices):
            names.update(str(alias).upper() for alias in field.validation_alias.choices)
        names.update(f"AIPAIR_{name.upper()}__{sub.upper()}" for sub in _group_fields(field.annotation))
    return names


def _group_fields(annotation: Any) -> Iterator[str]:
    for candidate in (annotation, *typing.get_args(annotation)):
        if isinstance(candidate, type) and issubclass(candidate, BaseModel):
            yield from candidate.model_fields
