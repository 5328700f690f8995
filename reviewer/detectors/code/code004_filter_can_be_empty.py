"""CODE004: a delete or update query whose filter is, or can become, empty."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from reviewer.detectors.base import Detector
from reviewer.detectors.code._common import (
    Arg,
    Call,
    Group,
    Op,
    classify_call,
    code_files,
    groups,
    new_line_for,
    pair_ops,
    short,
    where,
    words,
)
from reviewer.models import Finding, InputKind, Location, Severity
from reviewer.parsers.diff import DiffDocument

#: Cheap pre-check: every trigger needs a delete or update somewhere in the hunk.
_WANTED = ("delete", "destroy", "remove", "purge", "update")
_FILTER_KEYS = frozenset({"where", "filter", "filters", "filter_expression", "query",
                          "conditions", "condition", "criteria", "selector", "match",
                          "predicate", "q", "conds"})
_CHAIN_FILTERS = frozenset({"filter", "where", "filter_by", "find", "exclude", "Where",
                            "Find", "whereIn", "where_in", "in_", "match"})
#: Calls whose first argument (after a context) is the filter (MongoDB-style drivers).
_FIRST_ARG_FILTER = frozenset({"deletemany", "deleteone", "updatemany", "updateone",
                               "findoneanddelete", "findoneandupdate", "remove",
                               "findanddelete", "bulkdelete"})
_BULK = frozenset({"deletemany", "updatemany", "bulkdelete", "bulkupdate", "deleteall",
                   "updateall", "removeall", "destroyall"})
_CTX = re.compile(r"^(ctx|context|c|context\.(Background|TODO)\(\)|r\.Context\(\))$")
_INTERPOLATED_LIST = re.compile(
    r"\bIN\s*\(\s*(?:\{[^}]*\}|\$\{[^}]*\}|%s|%\(\w+\)s|:\w+|\"\s*\+|'\s*\+)", re.IGNORECASE)
_INTERPOLATED_WHERE = re.compile(
    r"(?:\bWHERE\s*|^\s*(?:DELETE\s+FROM|UPDATE)\s+\S+\s*(?:SET\s+.*?)?)"
    r"(?:\{[^}]*\}|\$\{[^}]*\}|%s)\s*;?\s*$", re.IGNORECASE | re.DOTALL)
_NOT_VARS = frozenset({"join", "map", "str", "String", "len", "format", "repr", "int", "x",
                       "i", "id", "ids_str", "sql", "and", "or", "for", "in", "if", "else",
                       "strings", "Join", "Sprintf", "fmt", "toString", "self", "this",
                       "placeholders", "quote", "escape", "tuple", "list"})
_REQUEST = re.compile(
    r"request\.(?:args|GET|POST|json|query_params|data|form|get_json)|req\.(?:query|body|params)"
    r"|ctx\.(?:query|request)|c\.(?:Query|QueryParam|Bind)|r\.URL\.Query|getParameter|@RequestParam"
    r"|\bparams\b")


@dataclass(frozen=True, slots=True)
class _Filter:
    """What filters a delete/update call: nothing, an empty literal, a variable, a literal."""

    state: str  # "none", "empty", "var", "literal"
    var: str = ""
    text: str = ""

    @property
    def strength(self) -> int:
        return {"none": 0, "empty": 0, "var": 1, "literal": 2}[self.state]


def _value(arg: Arg) -> _Filter:
    if arg.empty:
        return _Filter("empty", text=arg.text)
    if arg.ident:
        return _Filter("var", arg.ident, arg.text)
    for key, value in arg.pairs:
        if key in _FILTER_KEYS:
            return _value(value)
    return _Filter("literal", text=arg.text)


def _flat(name: str) -> str:
    return name.lower().replace("_", "")


def _filter(call: Call) -> _Filter | None:
    """The filter a delete/update call applies (None when the call's shape is unknown)."""
    for arg in call.args:
        if arg.kind == "keyword" and arg.key in _FILTER_KEYS:
            return _value(arg)
    for arg in call.args:
        for key, value in arg.pairs:
            if key in _FILTER_KEYS:
                return _value(value)
    for name, args in zip(call.chain, call.chain_args, strict=True):
        if name in _CHAIN_FILTERS:
            useful = [a for a in args if not _CTX.match(a.text.strip())]
            shown = f".{name}(" + ", ".join(f"{a.key}={a.text}" if a.key else a.text
                                             for a in useful) + ")"
            if not useful:
                return _Filter("empty", text=shown)
            splat = next((a for a in useful if a.kind == "dict_splat" and a.ident), None)
            if splat is not None:
                return _Filter("var", splat.ident, splat.text)
            if len(useful) == 1:
                only = useful[0]
                if only.empty or (only.ident and (only.kind != "keyword"
                                                  or only.key.endswith(("__in", "_in")))):
                    return _value(only) if only.empty else _Filter("var", only.ident, shown)
            return _Filter("literal", text=short(shown, 80))
    flat = _flat(call.name)
    if flat in _FIRST_ARG_FILTER:
        useful = [a for a in call.args if a.kind != "keyword" and not _CTX.match(a.text.strip())]
        if not useful:
            return _Filter("empty" if flat in _BULK or flat.startswith(("delete", "update"))
                           else "none", text=f"{call.name}()")
        return _value(useful[0])
    if not [a for a in call.args if not _CTX.match(a.text.strip())]:
        # no filter at all: only matters against a removed call that had one
        return _Filter("none", text=f"{call.name}()")
    return None


def _is_update(call: Call) -> bool:
    ws = words(call.name)
    if "update" not in ws or ws[0] in ("set", "get", "on", "handle", "should", "can", "is"):
        return False
    if _flat(call.name) in ("updatemany", "updateall", "bulkupdate", "updatewhere",
                            "updateone"):
        return True
    return any(n in _CHAIN_FILTERS or n in ("all", "objects", "query") for n in call.chain)


def _counterpart_filter(old_calls: list[tuple[int, Call]], number: int,
                        call: Call) -> _Filter | None:
    """The filter of the removed call this added call replaces (same name, nearest)."""
    same = [(n, c) for n, c in old_calls if c.name == call.name and c.text != call.text]
    if not same:
        return None
    _, old = min(same, key=lambda item: (abs(item[0] - number),
                                         abs(item[1].name_idx - call.name_idx)))
    return _filter(old)


@lru_cache(maxsize=1024)
def _assign(var: str) -> re.Pattern[str]:
    v = re.escape(var)
    return re.compile(
        rf"(?:\b{v}\s*(?::[^=;()]*?)?(?::=|(?<![=!<>])=(?!=))\s*"
        rf"(?:\{{\s*\}}|\[\s*\]|dict\(\s*\)|list\(\s*\)|\(\s*\)|new\s+[\w.<>]+\(\s*\)"
        rf"|[\w.]+\{{\s*\}}|map\[[^\]]*\][\w.{{}}]*\{{\s*\}}|None|null|undefined|nil)"
        rf"(?=\s*[,);]|\s*$))")


@lru_cache(maxsize=1024)
def _from_request(var: str) -> re.Pattern[str]:
    v = re.escape(var)
    return re.compile(rf"\b{v}\s*(?::=|(?<![=!<>])=(?!=)).*(?:{_REQUEST.pattern})")


@lru_cache(maxsize=1024)
def _guard(var: str) -> re.Pattern[str]:
    v = re.escape(var)
    return re.compile(
        rf"\bnot\s+(?:len\(\s*)?{v}\b|!\s*{v}\b(?!\s*=)|\blen\(\s*{v}\s*\)\s*(?:==|<=?|>=?|!=)"
        rf"|\b{v}\.(?:length|size\(\))\s*(?:===?|!==?|<=?|>=?)|Object\.keys\(\s*{v}\s*\)"
        rf"|isEmpty\(\s*{v}\s*\)|\b{v}\.isEmpty\(\)|\b{v}\s*(?:===?|!==?|is(?:\s+not)?)\s*"
        rf"(?:None|null|nil|undefined)\b|\bassert\s+{v}\b|\bif\s*\(?\s*{v}\s*\)?\s*[:{{]"
        rf"|\brequire\w*\(\s*{v}\b|\bif\s+len\(\s*{v}\s*\)")


def _guarded(group: Group, var: str) -> bool:
    pattern = _guard(var)
    return any(var in code and pattern.search(code)
               for _, _, _, code, _ in group.code_lines(True))


def _possibly_empty(group: Group, filt: _Filter) -> tuple[str, bool] | None:
    """(why, the evidence is on a changed line) when the filter variable may be empty."""
    if filt.text.startswith("**") or filt.var in ("kwargs", "kw", "options", "opts"):
        return f"{filt.var} comes from the caller's keyword arguments", False
    empty = _assign(filt.var)
    request = _from_request(filt.var)
    found: tuple[str, bool] | None = None
    for _, _, _, code, changed in group.code_lines(True):
        if filt.var not in code:
            continue
        if empty.search(code):
            found = (f"{filt.var} starts empty ({short(code.strip(), 60)})", changed)
        elif request.search(code):
            found = (f"{filt.var} comes from request input", changed)
        if found is not None and found[1]:
            break
    return found


def _removed_guards(group: Group, var: str) -> tuple[int, int, str] | None:
    """(hunk number, line index, code) of a removed emptiness check of ``var``."""
    pattern = _guard(var)
    for number, _, idx, code, changed in group.code_lines(False):
        if changed and var in code and pattern.search(code):
            return number, idx, code
    return None


def _sql_vars(group: Group, op: Op) -> tuple[list[str], list[str]]:
    """Variables interpolated into a SQL string (inside ``{…}``, joined, concatenated).

    Returns the interpolated names and, for emptiness checks, those plus the names their
    assignments read (``joined = ",".join(ids)`` adds ``ids``).
    """
    text = op.text
    found = re.findall(r"[A-Za-z_]\w*", " ".join(re.findall(r"\{([^{}]*)\}", text)))
    for _, _, idx, code, _ in group.code_lines(True):
        if op.start_idx <= idx <= op.end_idx:
            found += re.findall(r"join\(\s*([A-Za-z_][\w.]*)", code)
            found += re.findall(r"[\"'`]\s*\+\s*([A-Za-z_]\w*)", code)
            found += re.findall(r"%\s*\(?\s*([A-Za-z_]\w*)\s*\)?\s*\)?\s*$", code)
    out: list[str] = []
    for name in found:
        name = name.split(".", 1)[0]
        if name not in _NOT_VARS and name not in out and not name.isupper():
            out.append(name)
    direct = list(out)
    # one level of assignments: ``joined = ",".join(ids)`` makes ``ids`` count too
    for name in direct:
        assign = re.compile(rf"\b{re.escape(name)}\s*(?::=|(?<![=!<>])=(?!=))(.*)")
        for _, _, _, code, _ in group.code_lines(True):
            match = assign.search(code) if name in code else None
            if match is None:
                continue
            for ident in re.findall(r"[A-Za-z_]\w*", match.group(1)):
                if ident not in _NOT_VARS and ident not in out and ident[0].islower() \
                        and len(ident) > 2:
                    out.append(ident)
    return direct, out


class FilterCanBeEmpty(Detector[DiffDocument]):
    """A delete or update query's filter is empty, removed, or built from a value that may be empty.

    ## What it detects
    Delete and update queries in Python, JavaScript, TypeScript, Go or Java whose filter:
    - is an empty literal: `delete_many({})`, `deleteMany()`, `destroy({ where: {} })`,
      `coll.DeleteMany(ctx, bson.M{})`, `.filter().delete()`;
    - was removed: the same call at the same place lost its filter argument, its
      `.filter(…)`/`.where(…)` or its SQL `WHERE`;
    - comes from a value that may be empty: `delete(where=filters)` / `{ where }` /
      `.filter(**kwargs)` where `filters = {}` is filled conditionally, `kwargs` come from
      the caller or the value comes from request input, and no emptiness check is visible;
    - is a SQL `WHERE id IN ({ids})` (or a whole `WHERE {clause}`) built from a value that
      may be empty, without a visible emptiness check;
    - lost its emptiness check: `if not ids: return` removed above an unchanged delete.

    ## Why is this risky?
    An empty filter matches everything. `delete_many({})` deletes the collection's
    contents; `filter(**{})` is `all()`. The incidents behind this are blank fields that
    silently widen a request (incidents reference `CFG-EMPTY-FIELD`: UniSuper's blank
    parameter, Google Service Control's blank policy fields) and read-modify-write paths
    that write back empty values (`SQL-REDACTED-WRITEBACK`).

    ## Example
    ```diff
    diff --git a/api/cleanup.ts b/api/cleanup.ts
    index 4c2d8e1..9f0b3a6 100644
    --- a/api/cleanup.ts
    +++ b/api/cleanup.ts
    @@ -3,6 +3,6 @@ export async function purgeOrders(req: Request) {
       const where: Record<string, unknown> = {};
       if (req.query.customer) where.customerId = req.query.customer;
       if (req.query.before) where.createdAt = { lt: req.query.before };
    -  await prisma.order.deleteMany({ where: { ...where, status: "cancelled" } });
    +  await prisma.order.deleteMany({ where });
       return { ok: true };
     }
    ```

    ## Safer alternative
    Refuse to run with an empty filter before deleting:
    ```diff
    diff --git a/api/cleanup.ts b/api/cleanup.ts
    index 4c2d8e1..5e7a2c0 100644
    --- a/api/cleanup.ts
    +++ b/api/cleanup.ts
    @@ -3,6 +3,7 @@ export async function purgeOrders(req: Request) {
       const where: Record<string, unknown> = {};
       if (req.query.customer) where.customerId = req.query.customer;
       if (req.query.before) where.createdAt = { lt: req.query.before };
    -  await prisma.order.deleteMany({ where: { ...where, status: "cancelled" } });
    +  if (Object.keys(where).length === 0) throw new Error("refusing to delete without a filter");
    +  await prisma.order.deleteMany({ where });
       return { ok: true };
     }
    ```

    ## References
    - incidents reference §7 `CFG-EMPTY-FIELD`, `SQL-REDACTED-WRITEBACK`, `SQL-DESTRUCTIVE`
    - destructive_command_guard (DCG) `database.postgresql:delete-without-where`,
      `database.mongodb:delete-all`
    - GORM `ErrMissingWhereClause` (global delete blocked unless explicitly allowed)
    """

    code = "CODE004"
    name = "filter-can-be-empty"
    family = "code"
    kinds = (InputKind.DIFF,)
    severity = Severity.HIGH
    remediation = (
        "Check the filter before running the query (refuse an empty dict, list or WHERE "
        "clause), keep the filter argument, and pass an explicit id list for bulk deletes."
    )

    def detect(self, doc: DiffDocument) -> Iterator[Finding]:
        for change in code_files(doc):
            for group in groups(change, _WANTED, kinds="+- "):
                yield from self._calls(group)
                yield from self._sql(group)

    def _calls(self, group: Group) -> Iterator[Finding]:
        change = group.change
        seen: set[int] = set()
        verdicts: dict[str, tuple[str, int | None] | None] = {}
        old_calls = [(n, c) for n, _, side in group.sides(False) for c in side.calls
                     if c.changed]
        for number, hunk, side in group.sides(True):
            for call in side.calls:
                if classify_call(call, group.language) is None and not _is_update(call):
                    continue
                filt = _filter(call)
                if filt is None:
                    continue
                line = new_line_for(hunk, call.name_idx)
                message: str | None = None
                old_filt = _counterpart_filter(old_calls, number, call) if call.changed \
                    else None
                if old_filt is not None and filt.strength == 0 and old_filt.strength > 0:
                    message = f"filter removed from {call.name}: was {short(old_filt.text, 60)}"
                elif call.changed and filt.state == "empty":
                    message = f"{call.name} runs with an empty filter ({filt.text})"
                elif filt.state == "var":
                    key = f"{filt.var}\0{filt.text}\0{call.name}\0{call.changed}"
                    if key not in verdicts:
                        verdicts[key] = self._variable(group, call, filt)
                    found = verdicts[key]
                    if found is not None:
                        message, line = found[0], found[1] or line
                if message is None or line in seen:
                    continue
                seen.add(line)
                yield self.finding(f"{change.path}: {message}{where(group)}",
                                   Location(path=change.path, line=line), evidence=call.text)

    def _variable(self, group: Group, call: Call,
                  filt: _Filter) -> tuple[str, int | None] | None:
        """(message, line when not the call's) when a filter variable may be empty."""
        if _guarded(group, filt.var):
            return None
        removed = _removed_guards(group, filt.var)
        if removed is not None:
            number, idx, _ = removed
            return (f"the emptiness check of {filt.var} was removed and {call.name} "
                    f"filters on it", new_line_for(group.change.hunks[number], idx))
        why = _possibly_empty(group, filt)
        if why is None or not (call.changed or why[1]):
            return None
        return f"{call.name} filters on {filt.var}, which can be empty: {why[0]}", None

    def _sql(self, group: Group) -> Iterator[Finding]:
        change = group.change
        pairing = pair_ops(group, updates=True)
        for (number, new), (_, old) in pairing.pairs:
            if new.sql is None or old.sql is None or not new.changed:
                continue
            if old.sql.has_where and not new.sql.has_where and new.sql.verb in ("DELETE",
                                                                                "UPDATE"):
                yield self.finding(
                    f"{change.path}: WHERE removed from {new.label}{where(group)}",
                    Location(path=change.path,
                             line=new_line_for(change.hunks[number], new.name_idx)),
                    evidence=short(f"- {old.text}  + {new.text}"))
        for _, hunk, side in group.sides(True):
            for sql in side.sql:
                if not sql.changed or sql.verb not in ("DELETE", "UPDATE"):
                    continue
                kind = "IN list" if _INTERPOLATED_LIST.search(sql.template) else \
                    "WHERE clause" if _INTERPOLATED_WHERE.search(sql.template) else None
                if kind is None:
                    continue
                op = Op(label=f"{sql.verb} {sql.table}", strong=True, rank=None, scope="",
                        high_reason=None, name_idx=sql.name_idx, start_idx=sql.start_idx,
                        end_idx=sql.end_idx, changed=True, name_changed=sql.name_changed,
                        text=sql.template, sql=sql)
                names, checked = _sql_vars(group, op)
                if any(_guarded(group, name) for name in checked):
                    continue
                shown = ", ".join(names) or "an interpolated value"
                yield self.finding(
                    f"{change.path}: {sql.verb} on {sql.table} builds its {kind} from "
                    f"{shown}, which can be empty{where(group)}",
                    Location(path=change.path, line=new_line_for(hunk, sql.name_idx)),
                    evidence=sql.template)
