"""Checks deploy/'s manifests offline (scripts/check_manifests, a CI step): the compose file against
the Compose Specification's schema, every kustomization under deploy/k8s built with kubectl
kustomize and each object it makes validated, Kubernetes' own kinds against their schemas
(kubernetes-validate, strict: an unknown field is an error) and the operators' kinds against the
schemas in deploy/schemas; then what no schema sees: that selectors select pods, that ports named
by probes and Services exist, that an autoscaler scales a Deployment of the same build.

    python deploy/check_manifests.py [DEPLOY_DIR]

Prints what it checked; exits 1 naming each invalid object, 2 when a tool is missing.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import yaml
from kubernetes_validate import utils as kv_utils
from referencing import Registry, Resource

# The Kubernetes release the built-in kinds are validated against: the oldest the manifests
# support (gRPC probes are GA since 1.27; kubectl 1.32's kustomize builds them).
KUBERNETES_VERSION = "1.32"
# The operators' kinds, validated against the schemas written for them here.
OPERATOR_SCHEMAS = {
    ("rabbitmq.com/v1beta1", "RabbitmqCluster"): "rabbitmqcluster-rabbitmq.com-v1beta1.json",
    ("postgresql.cnpg.io/v1", "Cluster"): "cluster-postgresql.cnpg.io-v1.json",
}
# What a secretGenerator's missing file gets in the copy that is built (the real values are
# kept out of git; the build only needs a value there).
THROWAWAY_SECRET = "throwaway-value-for-the-offline-check"
POD_OWNERS = ("Deployment", "Job")

Manifest = dict[str, Any]


class ToolMissing(RuntimeError):
    """A program the check needs is not installed."""


@dataclass
class Report:
    problems: list[str] = field(default_factory=list)

    def problem(self, where: str, what: str) -> None:
        self.problems.append(f"INVALID {where}: {what}")
        print(self.problems[-1])


def main(argv: list[str]) -> int:
    deploy = Path(argv[0] if argv else Path(__file__).parent).resolve()
    report = Report()
    try:
        check_compose(deploy / "compose.yaml", report)
        check_kustomizations(deploy / "k8s", deploy / "schemas", report)
    except ToolMissing as missing:
        print(f"check_manifests: {missing}", file=sys.stderr)
        return 2
    if report.problems:
        print(f"{len(report.problems)} invalid: see the INVALID lines above")
        return 1
    print("manifests: all valid")
    return 0


# --- compose --------------------------------------------------------------------------------


def check_compose(path: Path, report: Report) -> None:
    command = ["check_jsonschema", "--builtin-schema", "vendor.compose-spec", str(path)]
    validated = subprocess.run(
        [sys.executable, "-m", *command],
        capture_output=True,
        text=True,
    )
    if validated.returncode != 0:
        report.problem(path.name, (validated.stdout + validated.stderr).strip())
        return
    services: dict[str, Any] = yaml.safe_load(path.read_text())["services"]
    processes = 0
    for name, service in services.items():
        for needed in service.get("depends_on", {}):
            if needed not in services:
                report.problem(f"{path.name} service {name}", f"depends on unknown {needed!r}")
        if _is_platform_process(service):
            processes += 1
            if "healthcheck" not in service:
                report.problem(
                    f"{path.name} service {name}", "a platform process without healthcheck"
                )
    print(
        f"compose: {path} valid against the Compose Specification (check-jsonschema's "
        f"vendor.compose-spec); {len(services)} services, {processes} platform processes, "
        "each with a health check"
    )


def _is_platform_process(service: dict[str, Any]) -> bool:
    """A long-running OneStop process: the image's `onestop` command with a command of its own
    (not a job, not the container holding the shared network namespace)."""
    image = str(service.get("image", ""))
    return (
        "onestop" in image
        and "command" in service
        and service.get("restart") != "no"
        and "entrypoint" not in service
    )


# --- Kubernetes -----------------------------------------------------------------------------


def check_kustomizations(k8s: Path, schemas: Path, report: Report) -> None:
    kubectl = os.environ.get("KUBECTL") or shutil.which("kubectl")
    if not kubectl:
        raise ToolMissing(
            "kubectl is not installed: it builds deploy/k8s (kubectl kustomize). Install "
            "kubectl 1.27 or newer (the upstream release; Debian 12's kubernetes-client 1.20 "
            "is too old for these kustomizations), or point KUBECTL at it."
        )
    with tempfile.TemporaryDirectory(prefix="onestop-k8s-") as tmp:
        copy = Path(tmp) / "k8s"
        # Without the secrets: real values stay where they are; the build gets throwaway ones.
        shutil.copytree(k8s, copy, ignore=shutil.ignore_patterns("secrets"))
        for kustomization in sorted(copy.rglob("kustomization.yaml")):
            _fill_missing_secret_files(kustomization)
            name = str(kustomization.parent.relative_to(copy))
            built = subprocess.run(
                [kubectl, "kustomize", str(kustomization.parent)], capture_output=True, text=True
            )
            if built.returncode != 0:
                report.problem(f"k8s/{name}", f"kubectl kustomize failed: {built.stderr.strip()}")
                continue
            objects = [doc for doc in yaml.safe_load_all(built.stdout) if doc]
            check_objects(f"k8s/{name}", objects, schemas, report)


def _fill_missing_secret_files(kustomization: Path) -> None:
    spec = yaml.safe_load(kustomization.read_text()) or {}
    for generator in spec.get("secretGenerator", []):
        for entry in generator.get("files", []):
            path = kustomization.parent / entry.rpartition("=")[2]
            if not path.exists():
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(THROWAWAY_SECRET)


def check_objects(build: str, objects: list[Manifest], schemas: Path, report: Report) -> None:
    before = len(report.problems)
    for manifest in objects:
        where = f"{build} {_name(manifest)}"
        for error in schema_errors(manifest, schemas):
            report.problem(where, error)
    check_references(build, objects, report)
    kinds = Counter(manifest.get("kind", "?") for manifest in objects)
    summary = ", ".join(f"{count} {kind}" for kind, count in sorted(kinds.items()))
    verdict = "valid" if len(report.problems) == before else "INVALID"
    print(
        f"{build}: kubectl kustomize built {len(objects)} objects ({summary}); {verdict} against "
        f"Kubernetes {KUBERNETES_VERSION} (kubernetes-validate "
        f"{kubernetes_validate.__version__}, strict) and deploy/schemas for the operators' kinds; "
        "selectors, ports and autoscaler targets cross-checked"
    )


def schema_errors(manifest: Manifest, schemas: Path) -> list[str]:
    key = (manifest.get("apiVersion", ""), manifest.get("kind", ""))
    if key in OPERATOR_SCHEMAS:
        validator = _operator_validator(schemas / OPERATOR_SCHEMAS[key])
    else:
        try:
            validator = _kubernetes_validator(*key)
        except (kv_utils.SchemaNotFoundError, FileNotFoundError):
            return [
                f"no schema for {key[1]} ({key[0]}): not a Kubernetes {KUBERNETES_VERSION} kind"
            ]
    return [
        f"{'.'.join(map(str, error.absolute_path)) or '(top)'}: {error.message}"
        for error in sorted(validator.iter_errors(manifest), key=lambda e: list(e.absolute_path))
    ]


@cache
def _operator_validator(path: Path) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(json.loads(path.read_text()))


@cache
def _kubernetes_validator(api_version: str, kind: str) -> jsonschema.Draft202012Validator:
    """kubernetes-validate's strict schema for the kind, loaded once (its own validate() reads
    the multi-megabyte definitions again for every object)."""
    version = [
        v
        for v in kv_utils.all_versions()
        if kv_utils.major_minor(v) <= kv_utils.major_minor(KUBERNETES_VERSION)
    ][-1]
    directory = f"kubernetes-json-schema/v{version}-local-strict"
    # kubernetes-validate's file names: "networking.k8s.io/v1" → "networking-v1", "v1" → "v1".
    group_version = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", api_version)
    schema = kv_utils.schema_contents(
        f"{directory}/{kind.lower()}-{group_version}.json", KUBERNETES_VERSION
    )
    definitions = kv_utils.schema_contents(f"{directory}/_definitions.json", KUBERNETES_VERSION)
    registry = Resource.from_contents(definitions) @ (Resource.from_contents(schema) @ Registry())
    return jsonschema.Draft202012Validator(schema, registry=registry)


# --- what the schemas cannot see ------------------------------------------------------------


def check_references(build: str, objects: list[Manifest], report: Report) -> None:
    pods = [(_name(m), m["spec"]["template"]) for m in objects if m.get("kind") in POD_OWNERS]
    deployments = {m["metadata"]["name"] for m in objects if m.get("kind") == "Deployment"}
    for manifest in objects:
        where = f"{build} {_name(manifest)}"
        for problem in _reference_problems(manifest, pods, deployments):
            report.problem(where, problem)


def _reference_problems(
    manifest: Manifest, pods: list[tuple[str, Manifest]], deployments: set[str]
) -> Iterator[str]:
    kind, spec = manifest.get("kind"), manifest.get("spec") or {}
    if kind == "Deployment":
        labels = spec.get("template", {}).get("metadata", {}).get("labels", {})
        selector = spec.get("selector") or {}
        if not selector.get("matchLabels") and not selector.get("matchExpressions"):
            yield "spec.selector is missing or empty: the Deployment would own no pod"
        elif not _matches(selector, labels):
            yield "spec.selector does not select the pod template's labels"
        yield from _probe_port_problems(spec.get("template", {}))
    elif kind == "Service":
        selected = _selected(pods, {"matchLabels": spec.get("selector") or {}})
        if not spec.get("selector") or not selected:
            yield "spec.selector selects no pod"
        for port in spec.get("ports", []):
            target = port.get("targetPort")
            if isinstance(target, str) and not all(target in _port_names(p) for p in selected):
                yield f"targetPort {target!r} is not a named container port of the pods selected"
    elif kind == "PodDisruptionBudget" and not _selected(pods, spec.get("selector") or {}):
        yield "spec.selector selects no pod"
    elif kind == "NetworkPolicy":
        yield from _network_policy_problems(spec, pods)
    elif kind == "HorizontalPodAutoscaler":
        target = spec.get("scaleTargetRef", {})
        if target.get("kind") != "Deployment" or target.get("name") not in deployments:
            yield f"scaleTargetRef names no Deployment of this build: {target}"


def _network_policy_problems(spec: Manifest, pods: list[tuple[str, Manifest]]) -> Iterator[str]:
    if "podSelector" in spec and not _selected(pods, spec["podSelector"]):
        yield "spec.podSelector selects no pod"
    for rule in spec.get("ingress", []):
        for peer in rule.get("from", []):
            # A peer in other namespaces selects pods this build cannot see.
            local = "podSelector" in peer and "namespaceSelector" not in peer
            if local and not _selected(pods, peer["podSelector"]):
                yield f"ingress from podSelector {peer['podSelector']} selects no pod"


def _probe_port_problems(template: Manifest) -> Iterator[str]:
    for container in template.get("spec", {}).get("containers", []):
        ports = {p.get("containerPort") for p in container.get("ports", [])}
        names = {p.get("name") for p in container.get("ports", [])}
        for probe_name in ("startupProbe", "readinessProbe", "livenessProbe"):
            probe = container.get(probe_name) or {}
            for handler in ("grpc", "httpGet", "tcpSocket"):
                port = (probe.get(handler) or {}).get("port")
                if port is not None and port not in ports | names:
                    yield f"{probe_name} checks port {port!r}, which the container does not declare"


def _selected(pods: list[tuple[str, Manifest]], selector: Manifest) -> list[Manifest]:
    return [
        template
        for _, template in pods
        if _matches(selector, template.get("metadata", {}).get("labels", {}))
    ]


def _matches(selector: Manifest, labels: dict[str, str]) -> bool:
    """A label selector (matchLabels and the In / NotIn / Exists / DoesNotExist expressions);
    an empty one selects every pod, as in a NetworkPolicy."""
    if any(labels.get(key) != value for key, value in selector.get("matchLabels", {}).items()):
        return False
    for expression in selector.get("matchExpressions", []):
        key, operator, values = expression["key"], expression["operator"], expression.get("values")
        present = key in labels
        ok = {
            "In": present and labels.get(key) in (values or []),
            "NotIn": not present or labels.get(key) not in (values or []),
            "Exists": present,
            "DoesNotExist": not present,
        }.get(operator, False)
        if not ok:
            return False
    return True


def _port_names(template: Manifest) -> set[str]:
    return {
        port["name"]
        for container in template.get("spec", {}).get("containers", [])
        for port in container.get("ports", [])
        if "name" in port
    }


def _name(manifest: Manifest) -> str:
    return f"{manifest.get('kind', '?')}/{(manifest.get('metadata') or {}).get('name', '?')}"


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
