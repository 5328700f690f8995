"""Generators of synthetic inputs for the benchmarks: large plans and large diffs."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

_TYPES = ("aws_instance", "aws_security_group_rule", "aws_iam_role_policy", "aws_route53_record",
          "aws_s3_bucket", "aws_db_instance", "aws_lambda_function", "aws_cloudwatch_metric_alarm")
_ACTIONS = (["no-op"], ["no-op"], ["no-op"], ["update"], ["update"], ["create"], ["delete"],
            ["delete", "create"], ["create", "delete"])


def _attrs(rng: random.Random, i: int) -> dict[str, Any]:
    return {
        "id": f"i-{i:08x}",
        "arn": f"arn:aws:service:eu-west-1:123456789012:thing/{i}",
        "name": f"resource-{i}",
        "tags": {"Environment": rng.choice(["production", "staging", "dev"]), "Team": "core",
                 "CostCenter": str(rng.randint(1000, 9999))},
        "tags_all": {"Environment": "production", "Team": "core"},
        "settings": [{"key": f"k{j}", "value": "v" * rng.randint(5, 40)} for j in range(8)],
        "policy": json.dumps({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": f"arn:aws:s3:::b{i}/*"}]}),
        "deletion_protection": rng.random() < 0.5,
        "timeouts": None,
    }


def synthetic_plan(resources: int, seed: int = 7) -> dict[str, Any]:
    """A plan in Terraform's JSON format with ``resources`` resource changes."""
    rng = random.Random(seed)
    changes: list[dict[str, Any]] = []
    for i in range(resources):
        rtype = rng.choice(_TYPES)
        actions = rng.choice(_ACTIONS)
        before = None if actions == ["create"] else _attrs(rng, i)
        after = None if actions == ["delete"] else _attrs(rng, i)
        module = f"module.m{i % 40}." if i % 3 else ""
        changes.append({
            "address": f"{module}{rtype}.r{i}",
            "module_address": module.rstrip(".") or None,
            "mode": "managed", "type": rtype, "name": f"r{i}",
            "provider_name": "registry.terraform.io/hashicorp/aws",
            "change": {"actions": actions, "before": before, "after": after,
                       "after_unknown": {"id": True} if after else {},
                       "before_sensitive": {}, "after_sensitive": {}},
        })
    return {"format_version": "1.2", "terraform_version": "1.9.8",
            "resource_changes": changes, "applyable": True, "complete": True, "errored": False}


_PY = """class Service{n}:
    def handle(self, request):
        total = 0
        for item in request.items:
            total += item.price * item.quantity
        return round(total, 2)

"""
_GO = """func Handle{n}(ctx context.Context, req *Request) (*Response, error) {{
\tif req == nil {{
\t\treturn nil, errors.New("nil request")
\t}}
\treturn &Response{{Total: req.Total}}, nil
}}

"""
_TF = """resource "aws_instance" "web{n}" {{
  ami           = "ami-0abcdef{n}"
  instance_type = "t3.micro"
  tags = {{ Name = "web{n}" }}
}}

"""


def synthetic_diff(lines: int, seed: int = 11) -> str:
    """A git diff of about ``lines`` lines across Python, Go and HCL files."""
    rng = random.Random(seed)
    out: list[str] = []
    count, n = 0, 0
    while count < lines:
        n += 1
        lang, template = rng.choice([("py", _PY), ("go", _GO), ("tf", _TF)])
        body = "".join(template.format(n=n * 100 + k) for k in range(12)).splitlines()
        path = f"src/pkg{n % 17}/file{n}.{lang}"
        out += [f"diff --git a/{path} b/{path}", "index 1111111..2222222 100644",
                f"--- a/{path}", f"+++ b/{path}"]
        pos = 1
        while pos + 20 < len(body):
            hunk = body[pos:pos + 14]
            out.append(f"@@ -{pos + 1},14 +{pos + 1},15 @@")
            out += [f" {line}" for line in hunk[:6]]
            out.append(f"-{hunk[6]}")
            out += [f"+{hunk[6]}  // changed", f"+{hunk[6]}"]
            out += [f" {line}" for line in hunk[7:14]]
            pos += 24
        count = len(out)
    return "\n".join(out) + "\n"


def write_inputs(folder: Path, *, plan_resources: int, diff_lines: int) -> tuple[Path, Path]:
    """Write the synthetic plan and diff; return their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    plan = folder / f"plan-{plan_resources}.json"
    plan.write_text(json.dumps(synthetic_plan(plan_resources)), encoding="utf-8")
    diff = folder / f"diff-{diff_lines}.diff"
    diff.write_text(synthetic_diff(diff_lines), encoding="utf-8")
    return plan, diff
