"""SEC002: infrastructure code exposes a secret in plain text (outputs, user data, env, Secrets)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from reviewer.detectors.base import Detector
from reviewer.detectors.secrets._common import (
    decode_maybe_base64,
    env_pairs,
    find_secrets,
    is_fixture_path,
    is_placeholder,
    is_secret_key,
    looks_plaintext,
    looks_secret,
    mask,
    masked,
    sensitive_at,
    walk_strings,
)
from reviewer.models import Confidence, Finding, InputKind, Location, Severity
from reviewer.parsers.base import before_may_mention
from reviewer.parsers.hcl import Block, HclFile, literal_value
from reviewer.parsers.kubernetes import Manifest, ManifestSet
from reviewer.parsers.terraform_plan import ResourceChange, TerraformPlan

_USER_DATA = ("user_data", "user_data_base64", "custom_data", "metadata_startup_script",
              "startup_script", "cloud_init", "userdata")
_USER_DATA_KEYS = frozenset(_USER_DATA)
_CONFIG_MAPS = frozenset({"kubernetes_config_map", "kubernetes_config_map_v1"})
_K8S_SECRETS = frozenset({"kubernetes_secret", "kubernetes_secret_v1"})
_HCL_PAIR = re.compile(r"""^\s*"?([A-Za-z_][\w.-]*)"?\s*[=:]\s*"([^"\n]*)"\s*,?\s*$""")


# --------------------------------------------------------------------------- plan


def _changed(rc: ResourceChange, path: tuple[str | int, ...], value: Any) -> bool:
    """True when the after-value at ``path`` is new (absent or different before)."""
    before: Any = rc.before
    for part in path:
        if isinstance(before, dict):
            before = before.get(str(part))
        elif isinstance(before, list) and isinstance(part, int) and part < len(before):
            before = before[part]
        else:
            return True
    return bool(before != value)


def _dotted(path: tuple[str | int, ...]) -> str:
    return ".".join(str(p) for p in path)


# --------------------------------------------------------------------------- kubernetes


def _containers(body: Any, path: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """(dotted path, container) of every container and init container of a manifest."""
    stack: list[tuple[str, Any]] = [(path, body)]
    while stack:
        where, current = stack.pop()
        if isinstance(current, dict):
            for key, item in current.items():
                sub = f"{where}.{key}" if where else str(key)
                if key in ("containers", "initContainers", "ephemeralContainers") \
                        and isinstance(item, list):
                    for i, container in enumerate(item):
                        if isinstance(container, dict):
                            yield f"{sub}.{i}", container
                else:
                    stack.append((sub, item))
        elif isinstance(current, list):
            for i, item in enumerate(current):
                stack.append((f"{where}.{i}", item))


def _sops(manifest: Manifest) -> bool:
    """True for SOPS-encrypted manifests (a ``sops`` key, ``ENC[AES256_GCM,…]`` values)."""
    if "sops" in manifest.body:
        return True
    return any("ENC[AES256_GCM" in value
               for section in ("data", "stringData")
               for _, value in walk_strings(manifest.body.get(section)))


class SecretExposedByIac(Detector[Any]):
    """Infrastructure code writes a secret in plain text (outputs, user data, env vars, Secrets).

    ## What it detects
    - Terraform plans: an output whose `sensitive` marking is removed; secret-looking values
      in `user_data`/`custom_data`/startup scripts, in environment variables (Lambda
      `environment.variables`, ECS `container_definitions`, App Service `app_settings`,
      CodeBuild `PLAINTEXT` variables) or in Kubernetes ConfigMaps, not marked sensitive;
      input `variables` with a secret name and a literal value (confidence high when the
      value shows up unmasked in a resource, low when the plan cannot say whether the
      variable is declared `sensitive`).
    - Terraform files: an `output` that loses `sensitive = true` or wraps a value in
      `nonsensitive()`; a secret-named `variable` with a literal `default` and no
      `sensitive = true`; secrets written into `user_data`, environment maps,
      `kubernetes_secret`/`kubernetes_config_map` data.
    - Kubernetes manifests: `kind: Secret` with literal `data`/`stringData` (not SOPS, not a
      SealedSecret or ExternalSecret), ConfigMap keys that hold secrets, and container
      `env` entries with a secret name and a literal `value` instead of `valueFrom`.
    Values are masked; references (`${var.x}`, ARNs, `valueFrom`) are not reported.

    ## Why is this risky?
    Plans, state files, CI logs, instance metadata (`user_data` is readable by anything on
    the host), ConfigMaps and manifests in Git are not secret stores: everyone who can read
    them can read the value, and it stays in their history.

    ## Example
    ```yaml
    apiVersion: v1
    kind: Secret
    metadata:
      name: billing-db
      namespace: billing
    type: Opaque
    stringData:
      DB_PASSWORD: "Xk9#vq2LmP7wZr4T"
    ```

    ## Safer alternative
    Commit an encrypted SealedSecret (or an ExternalSecret that points at the secret store):
    ```yaml
    apiVersion: bitnami.com/v1alpha1
    kind: SealedSecret
    metadata:
      name: billing-db
      namespace: billing
    spec:
      encryptedData:
        DB_PASSWORD: AgBy3i4OJSWK+PiTySYZZA9rO43cGDEq
    ```

    ## References
    - Trivy `AVD-AWS-0029` (no secrets in `user_data`); kube-linter `env-var-secret`;
      Polaris `sensitiveContainerEnvVar`; Checkov `CKV_SECRET_*`, `CKV_K8S_35`
    - Terraform docs: sensitive outputs and variables ("the value is still stored in plain
      text in the state")
    """

    code = "SEC002"
    name = "secret-exposed-by-iac"
    family = "secrets"
    kinds = (InputKind.KUBERNETES, InputKind.TERRAFORM_PLAN, InputKind.HCL)
    severity = Severity.HIGH
    remediation = (
        "Keep secrets out of outputs, user data, environment variables, ConfigMaps and "
        "manifests: mark outputs and variables `sensitive`, and reference a secret store "
        "(Secrets Manager ARN, `valueFrom.secretKeyRef`, SealedSecret/ExternalSecret)."
    )

    def detect(self, doc: Any) -> Iterator[Finding]:
        if is_fixture_path(doc.path):
            return
        if isinstance(doc, TerraformPlan):
            yield from self._plan(doc)
        elif isinstance(doc, HclFile):
            yield from self._hcl(doc)
        elif isinstance(doc, ManifestSet):
            yield from self._manifests(doc)

    # ------------------------------------------------------------------ plan

    def _plan(self, doc: TerraformPlan) -> Iterator[Finding]:
        for name, change in doc.output_changes.items():
            if not isinstance(change, dict):
                continue
            actions = change.get("actions") or []
            if "delete" in actions and "create" not in actions:
                continue
            if change.get("before_sensitive") is True and change.get("after_sensitive") is False \
                    and "create" not in actions:
                yield self.finding(
                    f"output {name} is no longer marked sensitive", Location(
                        path=doc.path, address=f"output.{name}"),
                    evidence="sensitive: true → false")
            elif change.get("after_sensitive") is False and is_secret_key(str(name)) \
                    and looks_plaintext(change.get("after")) and "create" in actions:
                yield self.finding(
                    f"new output {name} shows a secret without `sensitive = true` "
                    f"({mask(str(change.get('after')))})",
                    Location(path=doc.path, address=f"output.{name}"),
                    evidence=f"{name} = {mask(str(change.get('after')))}")
        for rc in doc.changed:
            if not rc.managed or (not rc.is_create and not rc.is_update) \
                    or not isinstance(rc.after, dict):
                continue
            yield from self._plan_resource(doc, rc)
        yield from self._plan_variables(doc)

    def _plan_resource(self, doc: TerraformPlan, rc: ResourceChange) -> Iterator[Finding]:
        after: dict[str, Any] = rc.after
        for attr in _USER_DATA if not _USER_DATA_KEYS.isdisjoint(after) else ():
            value = after.get(attr)
            if not isinstance(value, str) or sensitive_at(rc.after_sensitive, (attr,)) \
                    or not _changed(rc, (attr,), value):
                continue
            text = decode_maybe_base64(value)
            for line in text.split("\n"):
                secrets = find_secrets(line, config_like=True)
                if secrets:
                    yield self.finding(
                        f"{rc.address}: {attr} holds {secrets[0].kind} in plain text "
                        f"({secrets[0].masked})", Location(path=doc.path, address=rc.address),
                        evidence=masked(line, secrets))
                    break
        for key, value, path in env_pairs(after):
            if not is_secret_key(key) or not looks_plaintext(value) \
                    or sensitive_at(rc.after_sensitive, path) or not _changed(rc, path, value):
                continue
            yield self.finding(
                f"{rc.address}: environment setting {key} is a plaintext secret "
                f"({mask(str(value))})", Location(path=doc.path, address=rc.address),
                evidence=f"{_dotted(path)} = {mask(str(value))}")
        if rc.type in _CONFIG_MAPS:
            data = after.get("data")
            for key, value in (data.items() if isinstance(data, dict) else []):
                if is_secret_key(str(key)) and looks_plaintext(value) \
                        and _changed(rc, ("data", str(key)), value):
                    yield self.finding(
                        f"{rc.address}: ConfigMap key {key} holds a secret in plain text",
                        Location(path=doc.path, address=rc.address),
                        evidence=f"data.{key} = {mask(str(value))}")

    def _plan_variables(self, doc: TerraformPlan) -> Iterator[Finding]:
        wanted: dict[str, str] = {}
        for name, raw in doc.variables.items():
            value = raw.get("value") if isinstance(raw, dict) else None
            if isinstance(value, str) and is_secret_key(name) and looks_secret(value, minimum=6):
                wanted[value] = name
        if not wanted:
            return
        exposed: dict[str, str] = {}
        hidden: set[str] = set()
        for rc in doc.resource_changes:
            if not isinstance(rc.after, dict):
                continue
            for dotted, value in walk_strings(rc.after):
                if value not in wanted:
                    continue
                path = tuple(int(p) if p.isdigit() else p for p in dotted.split("."))
                if sensitive_at(rc.after_sensitive, path):
                    hidden.add(value)
                else:
                    exposed.setdefault(value, f"{rc.address}.{dotted}")
        for value, name in wanted.items():
            where = exposed.get(value)
            if where is not None:
                yield self.finding(
                    f"variable {name} is not marked sensitive: its value appears in plain "
                    f"text at {where}", Location(path=doc.path, address=f"var.{name}"),
                    evidence=f"{name} = {mask(value)}")
            elif value not in hidden:
                yield self.finding(
                    f"plan variable {name} carries a plaintext secret; the plan does not "
                    "show whether it is declared sensitive",
                    Location(path=doc.path, address=f"var.{name}"),
                    evidence=f"{name} = {mask(value)}", confidence=Confidence.LOW)

    # ------------------------------------------------------------------ HCL

    def _hcl(self, doc: HclFile) -> Iterator[Finding]:
        lazy_before = doc.changed_lines is not None and before_may_mention(doc, "sensitive")
        before: HclFile | None = None
        for block in doc.blocks:
            if block.block_type == "output":
                if lazy_before and before is None:
                    before = doc.before()  # parsed only for files with outputs
                yield from self._hcl_output(doc, block, before)
            elif block.block_type == "variable":
                yield from self._hcl_variable(doc, block)
            elif block.block_type == "resource":
                yield from self._hcl_resource(doc, block)

    def _hcl_output(self, doc: HclFile, block: Block,
                    before: HclFile | None) -> Iterator[Finding]:
        value = block.attributes.get("value", "")
        if "nonsensitive(" in value and doc.touches(block.line_of("value")):
            yield self.finding(
                f"{block.address} unwraps a sensitive value with nonsensitive()",
                Location(path=doc.path, line=block.line_of("value"), address=block.address),
                evidence=f"value = {value.strip()[:160]}")
            return
        if block.literal("sensitive") is True or before is None:
            return
        old = before.find(block.address)
        if old is None or old.literal("sensitive") is not True:
            return
        line = block.line_of("sensitive") if "sensitive" in block.attributes else block.line
        if not doc.touches(block.line, block.end_line):
            return
        yield self.finding(
            f"{block.address} is no longer marked sensitive",
            Location(path=doc.path, line=line, address=block.address),
            evidence=f"sensitive = {block.attributes.get('sensitive', '(removed)')}")

    def _hcl_variable(self, doc: HclFile, block: Block) -> Iterator[Finding]:
        default = block.literal("default")
        if not is_secret_key(block.name) or block.literal("sensitive") is True \
                or not looks_plaintext(default) or not doc.touches(block.line_of("default")):
            return
        yield self.finding(
            f"{block.address} has a plaintext secret default and is not marked sensitive",
            Location(path=doc.path, line=block.line_of("default"), address=block.address),
            evidence=f"default = {mask(str(default))}")

    def _hcl_resource(self, doc: HclFile, block: Block) -> Iterator[Finding]:
        for attr in _USER_DATA:
            source = block.attributes.get(attr)
            if source is None:
                continue
            start = block.line_of(attr)
            for i, line in enumerate(source.split("\n")):
                secrets = find_secrets(line, config_like=True)
                if secrets and doc.touches(start + i):
                    yield self.finding(
                        f"{block.address}: {attr} holds {secrets[0].kind} in plain text "
                        f"({secrets[0].masked})",
                        Location(path=doc.path, line=start + i, address=block.address),
                        evidence=masked(line, secrets))
                    break
        whole_data = block.type in _K8S_SECRETS
        yield from self._hcl_maps(doc, block, block.address, whole_data)

    def _hcl_maps(self, doc: HclFile, block: Block, address: str,
                  whole_data: bool) -> Iterator[Finding]:
        for name, source in block.attributes.items():
            if name not in ("variables", "app_settings", "environment", "env", "data",
                            "string_data", "env_vars", "environment_variables", "settings"):
                continue
            start = block.line_of(name)
            for i, line in enumerate(source.split("\n")):
                match = _HCL_PAIR.match(line if i else line.lstrip("{ "))
                if match is None or not doc.touches(start + i):
                    continue
                key, value = match.group(1), match.group(2)
                literal = literal_value(f'"{value}"')
                if not isinstance(literal, str) or "${" in value or is_placeholder(value):
                    continue
                if whole_data and name in ("data", "string_data"):
                    what = f"Kubernetes Secret key {key} is written in plain text"
                elif is_secret_key(key) and looks_plaintext(literal):
                    what = f"{name} key {key} is a plaintext secret"
                else:
                    continue
                yield self.finding(f"{address}: {what}",
                                   Location(path=doc.path, line=start + i, address=address),
                                   evidence=f"{key} = {mask(literal)}")
        for nested in block.blocks:
            env_name = literal_value(nested.attributes.get("name", ""), None)
            env_value = literal_value(nested.attributes.get("value", ""), None)
            if nested.block_type == "env" and isinstance(env_name, str) \
                    and is_secret_key(env_name) and looks_plaintext(env_value) \
                    and doc.touches(nested.line_of("value")):
                yield self.finding(
                    f"{address}: env {env_name} is a plaintext secret",
                    Location(path=doc.path, line=nested.line_of("value"), address=address),
                    evidence=f"{env_name} = {mask(str(env_value))}")
                continue
            yield from self._hcl_maps(doc, nested, address, whole_data)

    # ------------------------------------------------------------------ Kubernetes

    def _manifests(self, doc: ManifestSet) -> Iterator[Finding]:
        for manifest in doc.manifests:
            if manifest.kind == "Secret":
                yield from self._secret(doc, manifest)
            elif manifest.kind == "ConfigMap":
                yield from self._config_map(doc, manifest)
            for where, container in _containers(manifest.body):
                yield from self._env(doc, manifest, where, container)

    def _secret(self, doc: ManifestSet, manifest: Manifest) -> Iterator[Finding]:
        if _sops(manifest):
            return
        literal: list[tuple[str, str]] = []
        for section in ("stringData", "data"):
            values = manifest.body.get(section)
            if not isinstance(values, dict):
                continue
            for key, value in values.items():
                if value is None or not str(value).strip():
                    continue
                text = decode_maybe_base64(str(value)) if section == "data" else str(value)
                if is_placeholder(text):
                    continue
                literal.append((f"{section}.{key}", str(value)))
        touched = [(path, value) for path, value in literal
                   if doc.touches(manifest.line_of(path))]
        if not touched:
            return
        path, value = touched[0]
        keys = ", ".join(p.split(".", 1)[1] for p, _ in touched[:5])
        yield self.finding(
            f"{manifest.address}: Secret with literal values committed in plain text ({keys})",
            Location(path=doc.path, line=manifest.line_of(path), address=manifest.address),
            evidence=f"{path}: {mask(value)}")

    def _config_map(self, doc: ManifestSet, manifest: Manifest) -> Iterator[Finding]:
        data = manifest.body.get("data")
        for key, value in (data.items() if isinstance(data, dict) else []):
            line = manifest.line_of(f"data.{key}")
            if not doc.touches(line):
                continue
            if is_secret_key(str(key)) and looks_plaintext(value):
                yield self.finding(
                    f"{manifest.address}: ConfigMap key {key} holds a secret in plain text",
                    Location(path=doc.path, line=line, address=manifest.address),
                    evidence=f"data.{key}: {mask(str(value))}")
                continue
            for text_line in str(value).split("\n") if isinstance(value, str) else []:
                secrets = find_secrets(text_line, config_like=True)
                if secrets:
                    yield self.finding(
                        f"{manifest.address}: ConfigMap key {key} holds {secrets[0].kind} "
                        f"({secrets[0].masked})",
                        Location(path=doc.path, line=line, address=manifest.address),
                        evidence=masked(text_line, secrets))
                    break

    def _env(self, doc: ManifestSet, manifest: Manifest, where: str,
             container: dict[str, Any]) -> Iterator[Finding]:
        env = container.get("env")
        for i, item in enumerate(env if isinstance(env, list) else []):
            if not isinstance(item, dict) or "valueFrom" in item:
                continue
            name, value = str(item.get("name", "")), item.get("value")
            line = manifest.line_of(f"{where}.env.{i}.value")
            if is_secret_key(name) and looks_plaintext(value) and doc.touches(line):
                yield self.finding(
                    f"{manifest.address}: container {container.get('name', '?')} env {name} "
                    "is a plaintext secret (use valueFrom.secretKeyRef)",
                    Location(path=doc.path, line=line, address=manifest.address),
                    evidence=f"{name}: {mask(str(value))}")
