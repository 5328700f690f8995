"""Tests for reviewer.parsers.syntax: enclosing symbols with the real tree-sitter grammars."""

from __future__ import annotations

import difflib
import subprocess
import sys

import pytest
from tree_sitter import Tree

from reviewer.parsers import treesitter
from reviewer.parsers.diff import DiffLine, Hunk, LineKind, parse_diff
from reviewer.parsers.sources import FileContents
from reviewer.parsers.syntax import (
    SyntaxTree,
    annotate_hunks,
    enclosing_symbol,
    heading_symbol,
)

PYTHON = '''"""Payments."""
import logging


class PaymentService:
    """Charges and refunds."""

    @retry(3)
    def refund(self, payment_id, amount):
        if amount <= 0:
            raise ValueError(amount)
        return self.gateway.refund(payment_id, amount)

    def charge(self, amount):
        def audit():
            log(amount)
        return audit()


async def main():
    await run()

TIMEOUT = 30
'''


@pytest.mark.parametrize(("line", "expected"), [
    (1, None),
    (5, ("PaymentService", "class")),
    (6, ("PaymentService", "class")),
    (8, ("PaymentService.refund", "method")),  # the decorator belongs to the method
    (9, ("PaymentService.refund", "method")),
    (11, ("PaymentService.refund", "method")),
    (14, ("PaymentService.charge", "method")),
    (16, ("PaymentService.charge.audit", "function")),
    (17, ("PaymentService.charge", "method")),
    (20, ("main", "function")),
    (21, ("main", "function")),
    (23, None),
    (999, None),
])
def test_python(line: int, expected: tuple[str, str] | None) -> None:
    assert enclosing_symbol("python", PYTHON, line) == expected


TYPESCRIPT = """import { api } from "./api";

export class PaymentService {
  private readonly onError = (err: Error) => {
    report(err);
  };

  async refund(id: string, cents: number): Promise<void> {
    await api.post(`/refunds/${id}`, { cents });
  }
}

export interface Refund {
  id: string;
}

export const makeClient = (url: string) => {
  return new Client(url);
};

export default function boot() {
  start();
}

namespace Legacy {
  export function migrate() {}
}
"""


@pytest.mark.parametrize(("line", "expected"), [
    (1, None),
    (3, ("PaymentService", "class")),
    (5, ("PaymentService.onError", "method")),
    (8, ("PaymentService.refund", "method")),
    (9, ("PaymentService.refund", "method")),
    (14, ("Refund", "interface")),
    (18, ("makeClient", "function")),
    (22, ("boot", "function")),
    (26, ("Legacy.migrate", "function")),
])
def test_typescript(line: int, expected: tuple[str, str] | None) -> None:
    assert enclosing_symbol("typescript", TYPESCRIPT, line) == expected


def test_tsx_component() -> None:
    text = ("export function Banner({ user }: Props) {\n"
            "  return <div className=\"banner\">{user.name}</div>;\n"
            "}\n")
    assert enclosing_symbol("tsx", text, 2) == ("Banner", "function")


JAVASCRIPT = """const handlers = {
  create() { return 1; },
  remove: function () { return 2; },
};

module.exports.handler = async (event) => {
  return event;
};

class Queue {
  static size = () => 0;
  push(item) {
    this.items.push(item);
  }
}
"""


@pytest.mark.parametrize(("line", "expected"), [
    (1, None),
    (2, ("create", "method")),
    (3, ("remove", "function")),
    (7, ("module.exports.handler", "function")),
    (11, ("Queue.size", "method")),
    (13, ("Queue.push", "method")),
])
def test_javascript(line: int, expected: tuple[str, str] | None) -> None:
    assert enclosing_symbol("javascript", JAVASCRIPT, line) == expected


GO = """package payments

type Service struct {
	gateway Gateway
}

type Refunder interface {
	Refund(id string) error
}

func New(g Gateway) *Service {
	return &Service{gateway: g}
}

func (s *Service) Refund(id string, cents int64) error {
	check := func() bool { return cents > 0 }
	if !check() {
		return errInvalid
	}
	return s.gateway.Refund(id, cents)
}

func (c Cache[K, V]) Get(key K) V {
	return c.items[key]
}
"""


@pytest.mark.parametrize(("line", "expected"), [
    (1, None),
    (4, ("Service", "struct")),
    (8, ("Refunder", "interface")),
    (12, ("New", "function")),
    (15, ("Service.Refund", "method")),
    (18, ("Service.Refund", "method")),
    (24, ("Cache.Get", "method")),
])
def test_go(line: int, expected: tuple[str, str] | None) -> None:
    assert enclosing_symbol("go", GO, line) == expected


JAVA = """package com.shop;

public class PaymentService {
    private final Gateway gateway;

    public PaymentService(Gateway gateway) {
        this.gateway = gateway;
    }

    @Transactional
    public Receipt refund(String id, long cents) {
        Runnable r = () -> audit(id);
        return gateway.refund(id, cents);
    }

    enum Mode { FULL, PARTIAL }

    static class Builder {
        Builder gateway(Gateway g) { return this; }
    }
}
"""


@pytest.mark.parametrize(("line", "expected"), [
    (1, None),
    (4, ("PaymentService", "class")),
    (7, ("PaymentService.PaymentService", "constructor")),
    (10, ("PaymentService.refund", "method")),
    (12, ("PaymentService.refund", "method")),
    (16, ("PaymentService.Mode", "enum")),
    (19, ("PaymentService.Builder.gateway", "method")),
])
def test_java(line: int, expected: tuple[str, str] | None) -> None:
    assert enclosing_symbol("java", JAVA, line) == expected


HCL = """terraform {
  required_version = ">= 1.6"
}

resource "aws_db_instance" "main" {
  engine              = "postgres"
  deletion_protection = true

  lifecycle {
    prevent_destroy = true
  }
}

data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRole"]
  }
}

module "db" {
  source = "./modules/db"
}

variable "region" {
  default = "eu-west-1"
}

output "endpoint" {
  value = aws_db_instance.main.endpoint
}

locals {
  name = "prod"
}

moved {
  from = aws_db_instance.old
  to   = aws_db_instance.main
}

removed {
  from = aws_s3_bucket.logs
}

instance_count = 3
"""


@pytest.mark.parametrize(("line", "expected"), [
    (2, ("terraform", "terraform")),
    (4, None),
    (5, ("aws_db_instance.main", "resource")),
    (7, ("aws_db_instance.main", "resource")),
    (10, ("aws_db_instance.main", "resource")),  # nested block: the resource's address
    (16, ("data.aws_iam_policy_document.assume", "data")),
    (21, ("module.db", "module")),
    (25, ("variable.region", "variable")),
    (29, ("output.endpoint", "output")),
    (33, ("locals", "locals")),
    (37, ("moved", "moved")),
    (42, ("removed", "removed")),
    (45, ("instance_count", "attribute")),
])
def test_hcl(line: int, expected: tuple[str, str] | None) -> None:
    assert enclosing_symbol("hcl", HCL, line) == expected


YAML = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  annotations:
    "example.com/owner": payments
spec:
  replicas: 3
  template:
    spec:
      containers:
        - name: web
          image: nginx:1.25
          args: [--port, "80"]
          resources: {limits: {memory: 1Gi}}
---
apiVersion: v1
kind: Service
"""


@pytest.mark.parametrize(("line", "expected"), [
    (1, ("apiVersion", "key")),
    (4, ("metadata.name", "key")),
    (6, ("metadata.annotations.example.com/owner", "key")),
    (8, ("spec.replicas", "key")),
    (11, ("spec.template.spec.containers", "key")),
    (12, ("spec.template.spec.containers.name", "key")),
    (13, ("spec.template.spec.containers.image", "key")),
    (14, ("spec.template.spec.containers.args", "key")),
    (15, ("spec.template.spec.containers.resources", "key")),
    (16, None),
    (18, ("kind", "key")),
])
def test_yaml(line: int, expected: tuple[str, str] | None) -> None:
    assert enclosing_symbol("yaml", YAML, line) == expected


SQL = """BEGIN;

ALTER TABLE users
  ADD COLUMN last_login timestamptz,
  DROP COLUMN legacy_token;

CREATE UNIQUE INDEX CONCURRENTLY idx_users_email ON users (email);

DROP TABLE IF EXISTS public.sessions;

UPDATE accounts SET balance = 0 WHERE id = 7;

DELETE FROM audit_log;

CREATE TABLE orders (
  id bigint PRIMARY KEY,
  total numeric NOT NULL
);

COMMIT;
"""


@pytest.mark.parametrize(("line", "expected"), [
    (3, ("ALTER TABLE users", "statement")),
    (5, ("ALTER TABLE users", "statement")),
    (7, ("CREATE UNIQUE INDEX CONCURRENTLY idx_users_email", "statement")),
    (9, ("DROP TABLE IF EXISTS public.sessions", "statement")),
    (11, ("UPDATE accounts", "statement")),
    (13, ("DELETE FROM audit_log", "statement")),
    (16, ("CREATE TABLE orders", "statement")),
    (18, ("CREATE TABLE orders", "statement")),
    (2, None),
])
def test_sql(line: int, expected: tuple[str, str] | None) -> None:
    assert enclosing_symbol("sql", SQL, line) == expected


def test_bash_and_unknown_language() -> None:
    text = "deploy() {\n  kubectl apply -f k8s/\n}\nfunction rollback {\n  helm rollback\n}\n"
    assert enclosing_symbol("bash", text, 2) == ("deploy", "function")
    assert enclosing_symbol("bash", text, 5) == ("rollback", "function")
    assert enclosing_symbol("cobol", text, 2) is None


def test_syntax_errors_are_tolerated() -> None:
    broken = ("class A:\n    def f(self):\n        s = 'unterminated\n\n"
              "    def g(self):\n        pass\n")
    assert enclosing_symbol("python", broken, 6) == ("A.g", "method")
    half_method = "class A {\n  run() {\n    go(1);\n  }\n"
    assert enclosing_symbol("typescript", half_method, 3) == ("A.run", "method")


def test_texts_that_crash_the_grammars_are_not_parsed() -> None:
    # tree-sitter-yaml segfaults on ~255 nesting levels (tree-sitter-yaml#48): run the
    # look-ups in a child process so that a missing guard fails this test, not the suite
    code = (
        "from reviewer.parsers.syntax import enclosing_symbol\n"
        "deep = ''.join('  ' * i + f'k{i}:\\n' for i in range(300))\n"
        "print(enclosing_symbol('yaml', deep, 300))\n"
        "print(enclosing_symbol('yaml', '- ' * 300 + 'x\\n', 1))\n"
        "py = ''.join(' ' * i + 'if 1:\\n' for i in range(600)) + ' ' * 600 + \"'a'\"\n"
        "print(enclosing_symbol('python', py, 3))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=False, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["None", "None", "None"]


def test_yaml_longer_than_the_grammar_can_count_uses_the_fragment() -> None:
    big = "spec:\n" + "".join(f"  k{i}: {i}\n" for i in range(40_000))
    assert not SyntaxTree("yaml", big).usable
    hunk = _hunk("", (" ", "spec:", 1, 1), ("-", "  k0: 0", 2, None), ("+", "  k0: 1", None, 2))
    assert annotate_hunks("yaml", [hunk], new_text=big.replace("k0: 0", "k0: 1")) == [
        ("spec.k0", "key")]


def test_syntax_tree_lookups_share_one_parse() -> None:
    tree = SyntaxTree("hcl", HCL)
    assert tree.symbol_at(7) == ("aws_db_instance.main", "resource")
    assert tree.symbol_at(21) == ("module.db", "module")
    assert tree.line_text(5) == 'resource "aws_db_instance" "main" {'
    assert tree.line_text(0) is None


# --------------------------------------------------------------------------- headings


@pytest.mark.parametrize(("language", "section", "expected"), [
    ("python", "class PaymentService:", ("PaymentService", "class")),
    ("python", "    async def refund(self, amount):", ("refund", "function")),
    ("go", "func (s *Server) Handle(w http.ResponseWriter) {", ("Server.Handle", "method")),
    ("go", "func NewServer() *Server {", ("NewServer", "function")),
    ("go", "type Cache[K comparable] struct {", ("Cache", "struct")),
    ("java", "public class PaymentService {", ("PaymentService", "class")),
    ("java", "    public Receipt refund(String id) {", ("refund", "method")),
    ("typescript", "export class ApiClient {", ("ApiClient", "class")),
    ("typescript", "  async fetchUser(id: string) {", ("fetchUser", "method")),
    ("typescript", "  if (ready) {", ("if (ready) {", "heading")),
    ("hcl", 'resource "aws_db_instance" "main" {', ("aws_db_instance.main", "resource")),
    ("hcl", 'data "aws_iam_policy_document" "x" {', ("data.aws_iam_policy_document.x", "data")),
    ("hcl", 'module "db" {', ("module.db", "module")),
    ("hcl", "locals {", ("locals", "locals")),
    ("yaml", "spec:", ("spec", "key")),
    ("sql", "CREATE TABLE IF NOT EXISTS audit_log (", ("CREATE TABLE IF NOT EXISTS audit_log",
                                                   "statement")),
    (None, "sub refund {", ("sub refund {", "heading")),
    ("python", "   ", None),
])
def test_heading_symbol(language: str | None, section: str,
                        expected: tuple[str, str] | None) -> None:
    assert heading_symbol(language, section) == expected


# --------------------------------------------------------------------------- hunks


def _hunk(section: str, *lines: tuple[LineKind, str, int | None, int | None]) -> Hunk:
    diff_lines = tuple(DiffLine(kind, text, old, new) for kind, text, old, new in lines)
    return Hunk(0, 0, 0, 0, section, diff_lines)


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The grammar of every tree-sitter parse made during the test, in order."""
    seen: list[str] = []
    real = treesitter.parse

    def counting(language: str, text: str) -> Tree:
        seen.append(language)
        return real(language, text)

    monkeypatch.setattr(treesitter, "parse", counting)
    return seen


def test_annotate_prefers_full_text_and_parses_each_side_once(parses: list[str]) -> None:
    first = _hunk("class PaymentService:",
                  (" ", "        if amount <= 0:", 10, 10),
                  ("-", "            raise ValueError(amount)", 11, None),
                  ("+", "            return None", None, 11))
    second = _hunk("class PaymentService:",
                   (" ", "        def audit():", 15, 15),
                   ("+", "            log(amount)", None, 16))
    symbols = annotate_hunks("python", [first, second], old_text=PYTHON, new_text=PYTHON.replace(
        "            raise ValueError(amount)", "            return None"))
    assert symbols == [("PaymentService.refund", "method"),
                       ("PaymentService.charge.audit", "function")]
    assert parses == ["python"]  # the new side, once; the old side was never needed


def test_annotate_removal_only_hunk_uses_old_text_or_new_neighbour() -> None:
    removal = _hunk("", (" ", "    engine              = \"postgres\"", 6, 6),
                    ("-", "  deletion_protection = true", 7, None))
    old = HCL.replace('  engine              = "postgres"', '    engine              = "postgres"')
    assert annotate_hunks("hcl", [removal], old_text=old) == [
        ("aws_db_instance.main", "resource")]
    new = old.replace("  deletion_protection = true\n", "")
    assert annotate_hunks("hcl", [removal], new_text=new) == [
        ("aws_db_instance.main", "resource")]


def test_annotate_without_text_uses_fragment_then_heading() -> None:
    method_in_context = _hunk(
        "class PaymentService:",
        (" ", "    def refund(self, payment_id, amount):", 9, 9),
        (" ", "        if amount <= 0:", 10, 10),
        ("+", "            audit(amount)", None, 11))
    body_only = _hunk(
        "class PaymentService:",
        (" ", "        if amount <= 0:", 10, 10),
        ("+", "            audit(amount)", None, 11))
    unknown_language = _hunk("sub refund {", ("+", "  return 1;", None, 3))
    assert annotate_hunks("python", [method_in_context, body_only]) == [
        ("PaymentService.refund", "method"), ("PaymentService", "class")]
    assert annotate_hunks(None, [unknown_language]) == [("sub refund {", "heading")]


def test_annotate_hcl_fragment_inside_a_block_uses_heading_without_parsing(
        parses: list[str]) -> None:
    inside = _hunk('resource "aws_db_instance" "main" {',
                   (" ", '  engine              = "postgres"', 6, 6),
                   ("-", "  deletion_protection = true", 7, None),
                   ("+", "  deletion_protection = false", None, 7))
    with_header = _hunk("",
                        (" ", "", 3, 3),
                        (" ", 'resource "aws_s3_bucket" "logs" {', 4, 4),
                        ("+", "  force_destroy = true", None, 5),
                        (" ", "}", 5, 6))
    assert annotate_hunks("hcl", [inside, with_header]) == [
        ("aws_db_instance.main", "resource"), ("aws_s3_bucket.logs", "resource")]
    assert parses == ["hcl"]  # only the hunk that shows its block's header is parsed


def test_annotate_yaml_fragment_paths() -> None:
    starts_deeper = _hunk(
        "metadata:",
        (" ", "  labels:", 5, 5), (" ", "    app: web", 6, 6), (" ", "spec:", 7, 7),
        ("-", "  replicas: 3", 8, None), ("+", "  replicas: 1", None, 8))
    nested = _hunk(
        "spec:",
        (" ", "    spec:", 13, 13), (" ", "      containers:", 14, 14),
        ("-", "        - image: a", 15, None), ("+", "        - image: b", None, 15))
    child = _hunk("jobs:", (" ", "  deploy:", 6, 6), ("+", "    runs-on: self-hosted", None, 7))
    assert annotate_hunks("yaml", [starts_deeper, nested, child]) == [
        ("spec.replicas", "key"), ("spec.….spec.containers.image", "key"),
        ("jobs.deploy.runs-on", "key")]


def test_annotate_class_member_fragments_in_brace_languages() -> None:
    ts = _hunk("export class ApiClient {",
               (" ", "  async fetchUser(id: string): Promise<Response> {", 4, 4),
               ("+", "    return fetch(url, { mode: \"no-cors\" });", None, 5),
               (" ", "  }", 5, 6))
    java = _hunk("public class PaymentService {",
                 (" ", "    public Receipt refund(String id, long cents) {", 14, 14),
                 ("-", "        check(cents);", 15, None),
                 (" ", "        return gateway.refund(id, cents);", 16, 15))
    assert annotate_hunks("typescript", [ts]) == [("ApiClient.fetchUser", "method")]
    assert annotate_hunks("java", [java]) == [("PaymentService.refund", "method")]


# --------------------------------------------------------------------------- performance


def _module(variant: int) -> str:
    out = ['"""Module."""', "import os", ""]
    for c in range(20):
        out.append(f"class Service{c}:")
        for f in range(10):
            out += [f"    def method_{f}(self, value):", f"        total = value + {f}",
                    f"        if total > {c}:",
                    f"            total -= {variant if f % 2 == 0 else 0}",
                    "        return total", ""]
    return "\n".join(out) + "\n"


@pytest.mark.slow
def test_large_diff_with_contents_gets_every_symbol() -> None:
    # Speed is measured in benchmarks/ (50,000-line diff), not here.
    old, new = _module(0), _module(7)
    parts: list[str] = []
    contents = FileContents()
    for i in range(60):
        path = f"pkg/mod_{i}.py"
        contents.old[path], contents.new[path] = old, new
        body = "".join(difflib.unified_diff(old.splitlines(True), new.splitlines(True),
                                            f"a/{path}", f"b/{path}"))
        parts.append(f"diff --git a/{path} b/{path}\nindex 1111111..2222222 100644\n{body}")
    text = "".join(parts)
    assert text.count("\n") > 50_000
    doc = parse_diff(text, "big.diff", contents=contents)
    hunks = [h for f in doc.files for h in f.hunks]
    assert len(hunks) == 6000
    assert hunks[3].symbol == "Service0.method_6"
    assert all(h.symbol is not None and h.symbol.startswith("Service") for h in hunks)
