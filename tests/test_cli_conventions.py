"""CLI conventions: --json, --version, completion, several stacks, environment names from any
directory, prompts, one stream and one shape for findings, unwrapped tables, help texts."""

from __future__ import annotations

import json
import os
import pty
import re
import select
import shlex
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

import regionkit
from regionkit import cli
from regionkit.cli import app
from regionkit.errors import ExitCode
from tests.conftest import ROOT, STACKS, example_stacks
from tests.example_plans import example_plan

runner = CliRunner()
DEV = STACKS / "dev.yaml"


def invoke(*args: str, **kwargs: Any) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), **kwargs)
    return result.exit_code, result.stdout, result.stderr


def bad_variant(tmp_path: Path, name: str = "bad.yaml") -> Path:
    """dev.yaml with a schema error (an unknown cloud) on the line of its first region's cloud."""
    path = tmp_path / name
    path.write_text(DEV.read_text().replace("cloud: kubernetes", "cloud: azure", 1))
    return path


# --- the process --------------------------------------------------------------------------------


def test_the_command_collects_garbage_at_the_plan_thresholds(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`regionkit` sets GC_THRESHOLDS for its own process (bench/whole_process.py measures why)."""
    import gc

    from regionkit.plan import GC_THRESHOLDS

    seen: list[tuple[int, ...]] = []
    monkeypatch.setattr(cli, "app", lambda prog_name: seen.append(gc.get_threshold()))
    before = gc.get_threshold()
    gc.set_threshold(700, 10, 10)
    try:
        cli.main()
    finally:
        gc.set_threshold(*before)
    assert seen == [GC_THRESHOLDS]


# --- --version, completion ---------------------------------------------------------------------


def test_version_prints_the_package_version() -> None:
    code, out, _ = invoke("--version")
    assert code == 0 and out == f"regionkit {regionkit.__version__}\n"


def test_completion_is_offered_and_completes_commands_and_options() -> None:
    code, out, _ = invoke("--help")
    assert code == 0 and "--install-completion" in out and "--show-completion" in out
    # the script is for the shell that runs regionkit (typer detects its parent process); the
    # second command keeps bash from exec'ing the first, so bash stays its parent
    script = subprocess.run(
        ["bash", "-c", f"{shlex.quote(sys.executable)} -m regionkit --show-completion; exit $?"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    # for the `regionkit` command however regionkit was started
    assert script.returncode == 0
    assert "complete -o default -F _regionkit_completion regionkit" in script.stdout
    for words, cword, expected in (
        ("regionkit pl", "1", "plan"),
        ("regionkit up --sk", "2", "--skip-preview"),
    ):
        env = {
            **os.environ,
            "_REGIONKIT_COMPLETE": "complete_bash",
            "COMP_WORDS": words,
            "COMP_CWORD": cword,
        }
        done = subprocess.run(
            [sys.executable, "-m", "regionkit"], capture_output=True, text=True, env=env, timeout=60
        )
        assert done.stdout.split() == [expected]


# --- --json on every command that prints data --------------------------------------------------


def test_every_command_that_prints_data_takes_json() -> None:
    group = typer.main.get_command(app)
    assert isinstance(group, typer.core.TyperGroup)
    without = {
        name
        for name, command in group.commands.items()
        if not any("--json" in p.opts for p in command.params)
    }
    # cancel prints one diagnostic line on stderr; config-sync is the job inside the cluster
    assert without == {"cancel", "config-sync"}


def test_plan_and_diff_take_json_and_keep_format_json() -> None:
    code, by_flag, _ = invoke("plan", str(DEV), "--json")
    assert code == 0
    code, by_format, _ = invoke("plan", str(DEV), "--format", "json")
    assert code == 0 and json.loads(by_flag) == json.loads(by_format)
    assert json.loads(by_flag)["stack"] == "dev"
    code, by_flag, _ = invoke("diff", str(DEV), str(DEV), "--json")
    assert code == 0
    code, by_format, _ = invoke("diff", str(DEV), str(DEV), "--format", "json")
    assert json.loads(by_flag) == json.loads(by_format)


def test_init_json_lists_the_files_it_wrote(tmp_path: Path) -> None:
    code, out, _ = invoke("init", str(tmp_path / "acme"), "--json")
    document = json.loads(out)
    assert code == 0 and document["directory"] == str(tmp_path / "acme")
    assert document["files"] and all(Path(f).is_file() for f in document["files"])


# --- several stacks, globs, environment names from any directory ------------------------------


def test_validate_takes_a_quoted_glob(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    code, out, _ = invoke("validate", "stacks/*.yaml", "--json")
    document = json.loads(out)
    assert code == 0 and document["valid"] is True
    assert [s["stack"] for s in document["stacks"]] == [p.stem for p in example_stacks()]


def test_validate_reports_every_file_and_fails_on_any(tmp_path: Path) -> None:
    bad = bad_variant(tmp_path)
    code, out, _ = invoke("validate", str(DEV), str(bad), "--json")
    document = json.loads(out)
    assert code == 2 and document["valid"] is False
    good, broken = document["stacks"]
    assert good["stack"] == "dev" and good["valid"] is True
    assert broken["file"] == str(bad) and broken["valid"] is False
    assert broken["findings"][0]["path"] == "regions[0].cloud"
    assert broken["findings"][0]["line"] == _line_of(bad, "cloud: azure")


def _line_of(path: Path, text: str) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if text in line)


def test_a_glob_that_matches_nothing_is_invalid_input(tmp_path: Path) -> None:
    code, _, err = invoke("validate", str(tmp_path / "*.yaml"))
    assert code == 2 and "no stack file matches this pattern" in err


def test_plan_takes_several_stacks(tmp_path: Path) -> None:
    out_dir = tmp_path / "out"
    code, out, _ = invoke(
        "plan", str(DEV), str(STACKS / "aws-ap.yaml"), "--json", "--out", str(out_dir)
    )
    document = json.loads(out)
    assert code == 0 and [p["stack"] for p in document["plans"]] == ["dev", "aws-ap"]
    for plan in document["plans"]:  # one directory per environment
        written = json.loads((out_dir / plan["stack"] / "plan.json").read_text())
        assert written["summary"] == plan["summary"]


def test_environment_names_resolve_from_any_directory_of_the_repository(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(ROOT / "src" / "regionkit" / "spec")
    code, out, _ = invoke("validate", "dev", "--json")
    document = json.loads(out)
    assert code == 0 and document["stack"] == "dev"
    assert Path(document["file"]).resolve() == DEV


def test_the_search_stops_at_the_project_root(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "stacks").mkdir()  # outside the project: never found
    (tmp_path / "stacks" / "outside.yaml").write_text(DEV.read_text())
    project = tmp_path / "project"
    (project / ".git").mkdir(parents=True)
    (project / "stacks").mkdir()
    (project / "stacks" / "inside.yaml").write_text(DEV.read_text())
    # a copy: configuration must come from inside the stack's repository
    shutil.copytree(STACKS / "idsvr-config", project / "stacks" / "idsvr-config")
    (project / "deep" / "er").mkdir(parents=True)
    monkeypatch.chdir(project / "deep" / "er")
    code, out, _ = invoke("validate", "inside", "--json")
    assert code == 0 and json.loads(out)["file"] == "../../stacks/inside.yaml"
    code, _, err = invoke("validate", "outside")
    assert code == 2
    assert "no stack file for the environment 'outside'" in err
    assert f"its parents up to {project}" in err.replace("\n", "")


# --- prompts -----------------------------------------------------------------------------------


@pytest.fixture
def fake_run(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Replaces the deploy runner: records the options and answers through `options.confirm`."""
    import regionkit.deploy as deploy
    from regionkit.deploy import OperationResult

    calls: list[Any] = []

    def run_operation(op: str, loaded: Any, options: Any) -> OperationResult:
        calls.append((op, options))
        asks = not (options.yes or options.skip_preview) and op != "preview"
        if asks and not options.confirm(f"Deploy to {loaded.environment}?"):
            return OperationResult(op, loaded.environment, "p", "b", "declined", ExitCode.FAILED)
        return OperationResult(op, loaded.environment, "p", "b")

    monkeypatch.setattr(deploy, "run_operation", run_operation, raising=False)
    return calls


@pytest.mark.parametrize("op", ["up", "destroy", "refresh"])
def test_no_prompt_without_a_terminal(fake_run: list[Any], op: str) -> None:
    code, _, err = invoke(op, str(DEV))
    assert code == 2 and fake_run == []
    assert "no terminal to ask" in err and "--yes" in err and "internal error" not in err
    code, out, _ = invoke(op, str(DEV), "--json")
    assert code == 2 and "no terminal to ask" in json.loads(out)["error"]
    assert invoke(op, str(DEV), "--skip-preview")[0] == 0
    assert invoke(op, str(DEV), "--yes")[0] == 0
    assert [options.skip_preview for _, options in fake_run] == [True, False]


def test_up_passes_skip_preview_diff_and_targets(fake_run: list[Any]) -> None:
    a = "urn:pulumi:dev::acme-id::random:index/randomPassword:RandomPassword::a"
    b = "urn:pulumi:dev::acme-id::random:index/randomPassword:RandomPassword::b"
    code, _, _ = invoke("up", str(DEV), "--skip-preview", "--diff", "--target", a, "--target", b)
    assert code == 0
    ((op, options),) = fake_run
    assert (op, options.skip_preview, options.diff, options.targets) == ("up", True, True, (a, b))


def test_end_of_input_at_the_prompt_is_a_clean_exit_130(
    fake_run: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cli, "_interactive", lambda: True)
    result = runner.invoke(app, ["up", str(DEV)], input="")
    assert result.exit_code == 130
    assert "cancelled at the prompt: nothing was changed" in result.stderr
    assert "internal error" not in result.output and "Traceback" not in result.output


# The real thing: regionkit in a pseudo-terminal (its controlling terminal), the deploy runner
# replaced by one that only asks, and the keys a user presses at the question.
_ASKING = """
import sys
import regionkit.deploy as deploy
from regionkit.deploy import OperationResult

def run_operation(op, loaded, options):
    options.confirm("Deploy these changes?")
    return OperationResult(op, loaded.environment, "project", "backend")

deploy.run_operation = run_operation
from regionkit.cli import main
sys.argv = ["regionkit", "up", sys.argv[1]]
main()
"""


def _in_a_terminal(keys: bytes) -> tuple[int, str]:
    pid, fd = pty.fork()
    if pid == 0:  # the child: stdin, stdout and stderr are the terminal
        # as in a shell's foreground job, even where this test runs with SIGINT ignored (a
        # background job), which exec would pass on and Python would then respect
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})  # a mask survives exec too
        os.execv(sys.executable, [sys.executable, "-c", _ASKING, str(DEV)])
    output = b""
    status: int | None = None
    try:
        while b"[y/N]" not in output:
            ready, _, _ = select.select([fd], [], [], 60)
            assert ready, f"no prompt: {output!r}"
            output += os.read(fd, 4096)
        _wait_until_reading(pid)
        os.write(fd, keys)
        rest, status = _read_until_exit(pid, fd)
        output += rest
    finally:
        if status is None:
            status = _reap(pid)
        os.close(fd)
    return os.waitstatus_to_exitcode(status), output.decode(errors="replace")


def _wait_until_reading(pid: int, limit: float = 30.0) -> None:
    """Return once the child sleeps in the terminal's read. CPython checks for a signal only when
    a read is interrupted: a Ctrl-C that lands between the prompt and the read is kept until the
    next key, a race no person at a keyboard wins but a test that answers at once can."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
            wchan = Path(f"/proc/{pid}/wchan").read_text()
        except OSError:  # no /proc: wait as a person would
            wchan = "0"
        if wchan in ("", "0"):  # the kernel does not say where its tasks sleep
            time.sleep(1.0)
            return
        if state == "S" and wchan in ("wait_woken", "n_tty_read"):
            return
        time.sleep(0.02)


def _read_until_exit(pid: int, fd: int, limit: float = 60.0) -> tuple[bytes, int | None]:
    """What the child writes until it exits (or `limit` seconds pass). The child's exit is
    watched directly: the terminal's end of file may come late, or never, where another process
    (a test runner's worker) holds the terminal too. Returns the output and the child's wait
    status once it has exited (None: still running at the limit)."""
    output = b""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if select.select([fd], [], [], 0.1)[0]:
            try:
                chunk = os.read(fd, 4096)
            except OSError:  # EIO: the child closed the terminal
                chunk = b""
            output += chunk
            if chunk:
                continue
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            while select.select([fd], [], [], 0)[0]:  # what it wrote before it exited
                try:
                    chunk = os.read(fd, 4096)
                except OSError:
                    break
                if not chunk:
                    break
                output += chunk
            return output, status
    return output, None


def _in_a_terminal_from_a_fresh_process(keys: bytes) -> tuple[int, str]:
    """`_in_a_terminal`, run by a fresh interpreter: a test runner's worker process (its threads,
    its state after other tests) is no parent for a pseudo-terminal session; from one, the
    child saw the Ctrl-C echoed and never the signal."""
    driver = (
        "import json, sys\n"
        "sys.path.insert(0, sys.argv[1])\n"
        "from tests.test_cli_conventions import _in_a_terminal\n"
        "print(json.dumps(_in_a_terminal(bytes.fromhex(sys.argv[2]))))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", driver, str(ROOT), keys.hex()],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    code, output = json.loads(done.stdout.splitlines()[-1])
    return int(code), str(output)


def _reap(pid: int, grace: float = 30.0) -> int:
    """The child's wait status; a child still running after `grace` seconds is killed."""
    deadline = time.monotonic() + grace
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return status
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            return os.waitpid(pid, 0)[1]
        time.sleep(0.05)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs a POSIX pseudo-terminal")
@pytest.mark.parametrize(("key", "keys"), [("Ctrl-C", b"\x03"), ("Ctrl-D", b"\x04")])
def test_ctrl_c_or_ctrl_d_at_a_real_prompt_is_a_clean_exit_130(key: str, keys: bytes) -> None:
    code, output = _in_a_terminal_from_a_fresh_process(keys)
    assert code == 130, (key, output)
    assert "cancelled at the prompt: nothing was changed" in output
    assert "internal error" not in output and "Traceback" not in output


def test_an_answer_at_the_prompt_is_passed_on(
    fake_run: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cli, "_interactive", lambda: True)
    assert runner.invoke(app, ["up", str(DEV)], input="y\n").exit_code == 0
    assert runner.invoke(app, ["up", str(DEV)], input="n\n").exit_code == 1  # declined


# --- outputs --show-secrets --------------------------------------------------------------------


def test_outputs_show_secrets_only_when_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    import regionkit.deploy as deploy

    def stack_outputs(loaded: Any, options: Any) -> dict[str, Any]:
        return {"adminPassword": "hunter2" if options.show_secrets else "[secret]"}

    monkeypatch.setattr(deploy, "stack_outputs", stack_outputs, raising=False)
    assert invoke("outputs", str(DEV))[1] == 'adminPassword: "[secret]"\n'
    assert invoke("outputs", str(DEV), "--show-secrets")[1] == 'adminPassword: "hunter2"\n'


# --- findings: one stream, one shape -----------------------------------------------------------


def test_schema_errors_and_check_findings_share_stdout_and_one_shape(tmp_path: Path) -> None:
    schema_error = bad_variant(tmp_path)
    check_error = tmp_path / "unpinned.yaml"
    check_error.write_text(DEV.read_text().replace("idsvr:11.2", "idsvr:latest", 1))
    for path, rule in ((schema_error, "schema.enum"), (check_error, "security.image-unpinned")):
        code, out, err = invoke("validate", str(path))
        assert code == 2 and f"[{rule}]" in out and f"[{rule}]" not in err
    documents = [
        json.loads(invoke("validate", str(p), "--json")[1]) for p in (schema_error, check_error)
    ]
    documents.append(json.loads(invoke("simulate", str(schema_error), "--json")[1]))
    assert [list(d) for d in documents] == [["stack", "file", "valid", "findings"]] * 3
    finding_keys = {tuple(f) for d in documents for f in d["findings"]}
    assert finding_keys == {("level", "rule", "path", "message", "file", "line")}


# --- tables, help ------------------------------------------------------------------------------


def test_tables_written_to_a_pipe_are_not_wrapped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    code, out, _ = invoke("plan", str(STACKS / "aws-ap.yaml"))
    assert code == 0
    plan = example_plan(STACKS / "aws-ap.yaml")  # what `plan --json` prints
    lines = out.splitlines()
    assert max(len(line) for line in lines) > 80
    types = list(plan["summary"]["byType"])
    assert types and all(any(t in line for line in lines) for t in types)


def test_config_sync_help_shows_its_environment_variables() -> None:
    result = runner.invoke(app, ["config-sync", "--help"], env={"COLUMNS": "200"})
    for variable in ("[env REGIONKIT_CONFIG_REPO]", "[env REGIONKIT_RESTCONF_URL]"):
        assert variable in result.stdout


# Rich reads "[word ...]" in help text as a style tag and drops it; "\[" keeps it.
_RICH_TAG = re.compile(r"(?<!\\)\[[a-z#/@][^\[\]]*\]")


def test_no_help_text_loses_brackets_to_rich_markup() -> None:
    group = typer.main.get_command(app)
    assert isinstance(group, typer.core.TyperGroup)
    texts = [(name, c.help or "") for name, c in group.commands.items()]
    texts += [
        (f"{name} {p.name}", getattr(p, "help", None) or "")
        for name, c in group.commands.items()
        for p in c.params
    ]
    assert len(texts) > 60
    assert [
        (where, _RICH_TAG.findall(text)) for where, text in texts if _RICH_TAG.search(text)
    ] == []


def test_preview_help_documents_the_detailed_exit_code() -> None:
    result = runner.invoke(app, ["preview", "--help"], env={"COLUMNS": "200"})
    text = " ".join(result.stdout.split())
    assert "Exit 3 when changes are pending" in text and "2 is invalid input" in text
