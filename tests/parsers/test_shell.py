"""The shell script parser (tree-sitter bash)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reviewer.errors import ParseError
from reviewer.models import InputKind
from reviewer.parsers.base import ProblemLevel
from reviewer.parsers.shell import Command, ShellScript, parse_shell, strip_wrappers

SAMPLE = (Path(__file__).resolve().parents[2] / "fixtures" / "inputs" / "shell"
          / "deploy.sh").read_text()


def _find(script: ShellScript, *argv: str) -> Command:
    matches = [c for c in script.commands if c.argv[:len(argv)] == argv]
    assert len(matches) == 1, [c.argv for c in script.commands]
    return matches[0]


def test_fixture_commands_in_order() -> None:
    script = parse_shell(SAMPLE, "deploy.sh")
    assert script.kind is InputKind.SHELL
    assert script.problems == ()
    assert script.shebang == "#!/usr/bin/env bash"
    names = [c.name for c in script.commands]
    assert names == [
        "set", "mktemp", "git", "export", "date", "echo", "log", "rm", "curl", "bash",
        "clean_build", "npm", "npm", "log", "exit", "tar", "aws", "kubectl", "bash", "kubectl",
        "echo", "read", "exit", "install_tools", "build", "deploy", "cat", "ls", "tail", "rm",
    ]
    assert script.describe() == "shell script with 30 commands"


def test_fixture_rm_in_function_keeps_expansion() -> None:
    script = parse_shell(SAMPLE, "deploy.sh")
    rm = _find(script, "rm", "-rf", "$BUILD_DIR/*")
    assert rm.line == 16
    assert rm.raw == 'rm -rf "$BUILD_DIR"/*'
    assert rm.function == "clean_build"
    assert rm.context == ("function:clean_build", "group")
    assert rm.checked is False
    loop_rm = _find(script, "rm", "-rf", "releases/$old")
    assert (loop_rm.line, loop_rm.context, loop_rm.function) == (50, ("loop",), None)


def test_fixture_curl_pipe_bash() -> None:
    script = parse_shell(SAMPLE, "deploy.sh")
    curl = _find(script, "curl")
    assert curl.pipeline == 0
    assert curl.stage == 0
    assert curl.line == 21
    stages = script.pipeline_commands(0)
    assert [c.argv for c in stages] == [
        ("curl", "-fsSL", "https://get.example.com/install.sh"),
        ("bash", "-s", "--", "--version", "1.4.2"),
    ]
    assert script.pipelines[0].raw == ("curl -fsSL https://get.example.com/install.sh | "
                                       "bash -s -- --version 1.4.2")
    assert script.pipelines[0].size == 2
    ls_tail = script.pipeline_commands(1)
    assert [c.name for c in ls_tail] == ["ls", "tail"]
    assert ls_tail[0].context == ("loop", "$()")


def test_fixture_bash_c_is_reparsed() -> None:
    script = parse_shell(SAMPLE, "deploy.sh")
    inner = [c for c in script.commands if c.via == "bash -c"]
    assert [(c.line, c.argv[:4]) for c in inner] == [
        (33, ("kubectl", "-n", "storefront", "rollout")), (33, ("echo", "rolled", "out"))]
    assert inner[0].function == "deploy"
    assert inner[0].context == ("function:deploy", "group", "bash -c")


def test_fixture_lists_conditions_and_heredoc() -> None:
    script = parse_shell(SAMPLE, "deploy.sh")
    npm_ci, npm_build = (c for c in script.commands if c.name == "npm")
    assert (npm_ci.checked, npm_ci.connector) == (True, None)
    assert (npm_build.checked, npm_build.connector) == (True, "&&")
    fail_exit = next(c for c in script.commands if c.argv == ("exit", "1") and c.line == 26)
    assert fail_exit.context[-1] == "group"
    prod_exit = next(c for c in script.commands if c.argv == ("exit", "1") and c.line == 38)
    assert (prod_exit.connector, prod_exit.context) == ("||", ("if",))
    cat = _find(script, "cat")
    assert cat.heredoc == "rm -rf / is not a command here, it is heredoc text\n"
    assert cat.redirects == ("<<EOF", '> "$BUILD_DIR/notes.txt"')
    assert not any(c.line == 46 for c in script.commands)  # the heredoc body
    echo = _find(script, "echo", "[$(date +%H:%M:%S)] $*")
    assert echo.redirects == (">&2",)


def test_fixture_settings_assignments_functions() -> None:
    script = parse_shell(SAMPLE, "deploy.sh")
    assert script.errexit
    assert script.nounset
    assert script.pipefail
    assert [(o.name, o.enabled, o.line) for o in script.set_options] == [
        ("errexit", True, 3), ("nounset", True, 3), ("pipefail", True, 3)]
    assert script.option("errexit", line=2) is False
    assert [(a.name, a.value, a.line, a.kind) for a in script.assignments] == [
        ("ENVIRONMENT", '"${1:?usage: deploy.sh ENV}"', 5, "assign"),
        ("BUILD_DIR", '"$(mktemp -d)"', 6, "assign"),
        ("RELEASE", '"storefront-$(git rev-parse --short HEAD)"', 7, "assign"),
        ("AWS_REGION", "eu-west-1", 8, "export"),
        ("answer", None, 37, "read"),
        ("old", "$(ls -1t releases/ | tail -n +6)", 49, "for"),
    ]
    assert script.assignments_of("BUILD_DIR")[0].line == 6
    assert [(f.name, f.line, f.end_line) for f in script.functions] == [
        ("log", 10, 12), ("clean_build", 14, 17), ("install_tools", 19, 22),
        ("build", 24, 28), ("deploy", 30, 34)]


def test_quotes_removed_expansions_kept() -> None:
    (cmd,) = parse_shell("""cmd --flag=${DIR:?} 'single' "dq $V \\"q\\"" $'ansi' a\\ b""",
                         "x.sh").commands
    assert cmd.argv == ("cmd", "--flag=${DIR:?}", "single", 'dq $V "q"', "ansi", "a b")


def test_prefix_assignments_negation_background() -> None:
    script = parse_shell("A=1 B=$(date) make deploy\n! grep -q x f\nsleep 5 &\n", "x.sh")
    make, date, grep, sleep = (_find(script, n) for n in ("make", "date", "grep", "sleep"))
    assert make.env == (("A", "1"), ("B", "$(date)"))
    assert date.context == ("$()",)
    assert grep.negated
    assert grep.checked
    assert sleep.background
    assert [(a.name, a.kind) for a in script.assignments] == [("A", "prefix"), ("B", "prefix")]


def test_if_while_conditions_are_checked() -> None:
    text = ("if kubectl get ns prod; then kubectl delete ns prod; "
            "elif test -f x; then rm x; else echo no; fi\n"
            "while ! curl -sf localhost; do sleep 1; done\n")
    script = parse_shell(text, "x.sh")
    get, delete = (c for c in script.commands if c.name == "kubectl")
    assert get.checked
    assert get.context == ("if", "if-condition")
    assert not delete.checked
    assert delete.context == ("if",)
    assert _find(script, "test").checked
    assert not _find(script, "rm").checked
    curl = _find(script, "curl")
    assert curl.checked
    assert curl.negated
    assert curl.context == ("loop", "while-condition")
    assert not _find(script, "sleep").checked


def test_nested_scripts_sh_c_eval_ssh() -> None:
    text = ("sudo -u app sh -c \"rm -rf $DIR/cache\"\n"
            "docker exec db bash -ec 'dropdb shop'\n"
            "eval \"terraform destroy -auto-approve\"\n"
            "ssh -p 2222 deploy@prod 'sudo systemctl stop app'\n"
            "ssh prod\n")
    script = parse_shell(text, "x.sh")
    nested = [(c.via, c.line, c.argv) for c in script.commands if c.via]
    assert nested == [
        ("sh -c", 1, ("rm", "-rf", "$DIR/cache")),
        ("bash -c", 2, ("dropdb", "shop")),
        ("eval", 3, ("terraform", "destroy", "-auto-approve")),
        ("ssh", 4, ("sudo", "systemctl", "stop", "app")),
    ]


def test_multiline_bash_c_lines_and_one_level_only() -> None:
    text = "echo start\nbash -c '\n  echo a\n  bash -c \"rm -rf /x\"\n'\n"
    script = parse_shell(text, "x.sh")
    inner = [(c.line, c.argv) for c in script.commands if c.via]
    assert inner == [(3, ("echo", "a")), (4, ("bash", "-c", "rm -rf /x"))]


def test_heredoc_piped_to_shell() -> None:
    script = parse_shell("cat <<'EOF' | sh\nrm -rf /\nEOF\necho after\n", "x.sh")
    cat, sh = script.pipeline_commands(0)
    assert (cat.name, cat.heredoc, cat.stage) == ("cat", "rm -rf /\n", 0)
    assert (sh.name, sh.stage) == ("sh", 1)
    assert [c.name for c in script.commands] == ["cat", "sh", "echo"]


def test_set_options_forms() -> None:
    script = parse_shell("#!/bin/bash -eu\nset +e\nset -o pipefail\nf() { set -x; }\n", "x.sh")
    assert [(o.name, o.enabled, o.line, o.function) for o in script.set_options] == [
        ("errexit", True, 1, None), ("nounset", True, 1, None), ("errexit", False, 2, None),
        ("pipefail", True, 3, None), ("xtrace", True, 4, "f")]
    assert script.option("errexit", line=1) is True
    assert script.errexit is False
    assert script.pipefail is True
    assert script.option("xtrace") is False


def test_declarations() -> None:
    script = parse_shell("f() { local x=$(whoami) y; readonly Z=1; }\nunset x\n", "x.sh")
    assert [(a.name, a.value, a.kind, a.function) for a in script.assignments] == [
        ("x", "$(whoami)", "local", "f"), ("y", None, "local", "f"), ("Z", "1", "readonly", "f")]
    assert _find(script, "local").argv == ("local", "x=$(whoami)", "y")
    assert _find(script, "unset").argv == ("unset", "x")
    assert _find(script, "whoami").function == "f"


def test_strip_wrappers() -> None:
    assert strip_wrappers(("sudo", "-u", "root", "env", "A=1", "nice", "-n", "5", "rm", "-rf",
                           "/d")) == ("rm", "-rf", "/d")
    assert strip_wrappers(("timeout", "30s", "kubectl", "delete")) == ("kubectl", "delete")
    assert strip_wrappers(("rm", "x")) == ("rm", "x")
    script = parse_shell("sudo /bin/rm -rf /srv/app\n", "x.sh")
    assert script.by_program("rm")[0].effective_argv == ("/bin/rm", "-rf", "/srv/app")
    assert script.commands[0].program == "sudo"


def test_syntax_errors_keep_readable_commands() -> None:
    script = parse_shell("rm -rf /tmp/a\nif then fi (\necho ok\n", "x.sh")
    assert "rm" in [c.name for c in script.commands]
    assert script.problems
    assert all(p.level is ProblemLevel.ERROR for p in script.problems)
    assert script.problems[0].line is not None


@pytest.mark.parametrize("text", [")))(((", "\x00binary", "for"])
def test_wholly_unreadable_input_raises(text: str) -> None:
    with pytest.raises(ParseError, match="not a shell script") as info:
        parse_shell(text, "x.sh")
    assert "\n" not in str(info.value)


def _check_one_line(message: str) -> None:
    assert "\n" not in message


def _parse_or_error(text: str) -> ShellScript | None:
    try:
        script = parse_shell(text, "fuzz.sh")
    except ParseError as exc:
        _check_one_line(str(exc))
        return None
    for command in script.commands:
        assert command.argv
        assert command.line >= 1
    return script


@given(st.text(max_size=300))
def test_arbitrary_text_gives_a_document_or_parse_error(text: str) -> None:
    _parse_or_error(text)


@given(st.data())
def test_mutated_sample_gives_a_document_or_parse_error(data: st.DataObject) -> None:
    cut = data.draw(st.integers(min_value=0, max_value=len(SAMPLE)))
    resume = data.draw(st.integers(min_value=0, max_value=len(SAMPLE)))
    junk = data.draw(st.text(alphabet="'\"`$(){}|&;<>\\\n ab-", max_size=8))
    _parse_or_error(SAMPLE[:cut] + junk + SAMPLE[resume:])
