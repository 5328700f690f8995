"""SH003: kubectl / helm commands that delete namespaces, volumes or workloads' capacity."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from reviewer.detectors.base import Detector
from reviewer.detectors.shell._common import (
    Cli,
    Script,
    commands,
    is_ephemeral,
    is_prod,
    parse_cli,
    preceding,
)
from reviewer.models import Confidence, Finding, InputKind, Location, Severity
from reviewer.parsers.shell import Command, ShellScript
from reviewer.parsers.workflow import Workflow

_KUBECTL = ("kubectl", "oc", "microk8s.kubectl", "k3s")
_KUBECTL_VALUE_OPTS = frozenset({
    "-n", "--namespace", "--context", "--kubeconfig", "--cluster", "--user", "-s", "--server",
    "-l", "--selector", "-f", "--filename", "-o", "--output", "--grace-period", "--timeout",
    "--field-selector", "--as", "--token", "--replicas", "--current-replicas", "-k",
    "--kustomize", "--prune-allowlist", "--field-manager", "--cascade", "-c", "--container",
    "--pod-selector", "--resource-version", "--request-timeout",
})
_HELM_VALUE_OPTS = frozenset({
    "-n", "--namespace", "--kube-context", "--kubeconfig", "-f", "--values", "--set",
    "--set-string", "--set-file", "--version", "--timeout", "--description", "--repo",
    "--post-renderer", "--history-max", "--wait-for-jobs", "-o", "--output",
})
#: Resource names (singular, plural, short) → canonical kind.
_KINDS = {
    "ns": "namespace", "namespace": "namespace", "namespaces": "namespace",
    "pv": "persistentvolume", "persistentvolume": "persistentvolume",
    "persistentvolumes": "persistentvolume",
    "pvc": "persistentvolumeclaim", "persistentvolumeclaim": "persistentvolumeclaim",
    "persistentvolumeclaims": "persistentvolumeclaim",
    "crd": "customresourcedefinition", "crds": "customresourcedefinition",
    "customresourcedefinition": "customresourcedefinition",
    "customresourcedefinitions": "customresourcedefinition",
}
_CRITICAL_KINDS = frozenset({"namespace", "persistentvolume", "customresourcedefinition"})
#: Contexts of throw-away local clusters.
_LOCAL_CONTEXTS = ("kind-", "minikube", "docker-desktop", "k3d-", "rancher-desktop", "colima")
_LOCAL_CLUSTER_START = (("kind", "create"), ("minikube", "start"), ("k3d", "cluster"))


@dataclass(frozen=True, slots=True)
class _Op:
    what: str
    severity: Severity
    #: Names of what it acts on (namespace, release, resource names).
    scope: tuple[str, ...]
    namespace: str = ""


def _dry_run(cli: Cli) -> bool:
    values = cli.options.get("--dry-run")
    if values is None:
        return False
    return any(v != "none" for v in values)


def _kinds(word: str) -> list[tuple[str, str]]:
    """(canonical kind, name) pairs of a ``kind[,kind][/name]`` argument."""
    kinds, _, name = word.partition("/")
    out = []
    for raw in kinds.split(","):
        base = raw.lower().split(".", 1)[0]
        if base in _KINDS:
            out.append((_KINDS[base], name))
    return out


def _kubectl(cli: Cli) -> _Op | None:
    words = cli.positionals
    if not words or _dry_run(cli):
        return None
    sub = words[0]
    namespace = cli.value("-n", "--namespace") or ""
    if sub == "delete":
        found = [pair for word in words[1:2] for pair in _kinds(word)]
        everything = cli.has("--all", "--all-namespaces", "-A")
        if found:
            kind = next((k for k, _ in found if k in _CRITICAL_KINDS), found[0][0])
            names = [n for _, n in found if n] or list(words[2:])
            target = f"{kind} {' '.join(names)}".strip() if names else f"every {kind}"
            if everything:
                target = f"every {kind}"
            severity = Severity.CRITICAL if kind in _CRITICAL_KINDS else Severity.HIGH
            return _Op(f"kubectl delete {target}", severity, (namespace, *names), namespace)
        if everything:
            what = words[1] if len(words) > 1 else "resources"
            return _Op(f"kubectl delete --all {what}", Severity.HIGH, (namespace,), namespace)
        if cli.has("--force") and cli.value("--grace-period") == "0":
            return _Op("kubectl delete --force --grace-period=0", Severity.HIGH,
                       (namespace, *words[1:]), namespace)
        return None
    if sub == "apply" and cli.has("--prune"):
        return _Op("kubectl apply --prune", Severity.HIGH, (namespace,), namespace)
    if sub in ("apply", "replace") and cli.has("--force"):
        return _Op(f"kubectl {sub} --force", Severity.HIGH, (namespace,), namespace)
    if sub == "drain":
        node = words[1] if len(words) > 1 else ""
        return _Op(f"kubectl drain {node}".strip(), Severity.HIGH, (node,))
    if sub == "scale" and cli.value("--replicas") == "0":
        what = " ".join(words[1:3])
        return _Op(f"kubectl scale {what} --replicas=0".replace("  ", " "), Severity.HIGH,
                   (namespace, *words[1:]), namespace)
    return None


def _helm(cli: Cli) -> _Op | None:
    words = cli.positionals
    if not words or _dry_run(cli) or cli.has("--help", "-h"):
        return None
    sub = words[0]
    namespace = cli.value("-n", "--namespace") or ""
    release = words[1] if len(words) > 1 else ""
    if sub in ("uninstall", "delete", "del", "un"):
        return _Op(f"helm uninstall {release}".strip(), Severity.HIGH, (namespace, release),
                   namespace)
    if sub == "rollback":
        return _Op(f"helm rollback {release}".strip(), Severity.HIGH, (namespace, release),
                   namespace)
    if sub in ("upgrade", "install") and cli.has("--force"):
        return _Op(f"helm {sub} --force {release}".strip(), Severity.HIGH,
                   (namespace, release), namespace)
    return None


def _local_cluster(script: Script, command: Command, cli: Cli) -> bool:
    context = cli.value("--context", "--kube-context") or ""
    if context.startswith(_LOCAL_CONTEXTS):
        return True
    for other in preceding(script, command, ("kind", "minikube", "k3d")):
        if tuple(other.effective_argv[:2]) in _LOCAL_CLUSTER_START:
            return True
    return False


class KubernetesDestructiveCommand(Detector[ShellScript | Workflow]):
    """A script or CI step deletes Kubernetes namespaces or volumes, drains or scales to zero.

    ## What it detects
    `kubectl` (and `oc`) commands: `delete` of a namespace, PersistentVolume or CRD
    (`critical`), of PersistentVolumeClaims, of `--all` resources, or with `--force
    --grace-period=0`; `apply --prune`; `apply`/`replace --force`; `drain`; `scale
    --replicas=0`. `helm uninstall`, `helm rollback` and `helm upgrade --force`. Not
    reported: `--dry-run` (client or server), `kubectl diff`, and commands on local
    throw-away clusters (`--context kind-…`/`minikube`/`docker-desktop`, or after
    `kind create cluster` in the same script). Namespaces and releases of per-pull-request
    preview environments (`pr-123`, `preview-…`) are reported at `medium`.

    ## Why is this risky?
    Deleting a namespace deletes every object in it, including PersistentVolumeClaims whose
    volumes are reclaimed (deleted) by the default `Delete` policy. `--prune` deletes
    everything the manifests no longer list; `drain` and `--replicas=0` take capacity away
    at once; `helm rollback`/`--force` recreate resources.

    ## Example
    ```sh
    #!/bin/bash
    kubectl --context prod-eu delete namespace payments
    ```

    ## Safer alternative
    Delete the one object that has to go, after checking what the command would do:
    ```sh
    #!/bin/bash
    kubectl --context prod-eu delete namespace payments --dry-run=server
    kubectl --context prod-eu -n payments delete deployment payments-legacy
    ```

    ## References
    - destructive_command_guard `kubernetes.kubectl:delete-namespace`, `delete-all`,
      `delete-pvc`, `delete-pv`, `delete-force`, `drain-node`, `scale-to-zero`,
      `apply-force`; `kubernetes.helm:uninstall`, `rollback`, `upgrade-force`
    - Kubernetes docs: "Deleting a namespace deletes everything in it"
    """

    code = "SH003"
    name = "kubernetes-destructive-command"
    family = "shell"
    kinds = (InputKind.SHELL, InputKind.WORKFLOW)
    severity = Severity.HIGH
    remediation = (
        "Run the command with `--dry-run=server` first and target single named objects; keep "
        "namespace and volume deletion out of scripts, or scope it to preview namespaces."
    )

    def detect(self, doc: ShellScript | Workflow) -> Iterator[Finding]:
        for script, command, argv in commands(doc, (*_KUBECTL, "helm"), ("kubectl", "helm",
                                                                           "oc ", "k3s")):
            words = argv[1:]
            if argv[0] == "k3s":
                if not words or words[0] != "kubectl":
                    continue
                words = words[1:]
            if argv[0] == "helm":
                cli = parse_cli(words, _HELM_VALUE_OPTS)
                op = _helm(cli)
            else:
                cli = parse_cli(words, _KUBECTL_VALUE_OPTS)
                op = _kubectl(cli)
            if op is None or _local_cluster(script, command, cli):
                continue
            context = cli.value("--context", "--kube-context") or ""
            severity, confidence = op.severity, Confidence.HIGH
            message = op.what + (f" in namespace {op.namespace}" if op.namespace else "")
            if not is_prod(*op.scope, context, script.scope) and is_ephemeral(*op.scope):
                severity, confidence = Severity.MEDIUM, Confidence.MEDIUM
                message += " (ephemeral preview / per-PR environment)"
            yield self.finding(
                script.message(message, command),
                Location(path=script.path, line=command.line),
                evidence=script.evidence(command), severity=severity, confidence=confidence,
            )
