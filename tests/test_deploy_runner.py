"""The deploy runner: workspace and backend set-up, error mapping, the up/preview flow.

Most tests replace the Automation API's stack with a fake that emits real engine events and
returns the SDK's own result classes; the `pulumi_cli` test runs the real CLI end to end.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
import sys
import types
from pathlib import Path
from typing import Any

import pytest
from pulumi import automation as auto
from pulumi.automation import events
from pulumi.automation._cmd import CommandResult
from pulumi.automation.errors import create_command_error
from rich.console import Console

from regionkit.deploy import DeployError, DeployOptions, run_operation, runner, stack_outputs
from regionkit.deploy.workspace import passphrase_env, project_root, resolve_backend
from regionkit.errors import ExitCode, InvalidInput, RegionkitError, StackInvalid, StackLocked
from regionkit.findings import error, warning
from regionkit.spec import load_stack

STACK_YAML = """\
apiVersion: regionkit/v1
name: acme-id
topology: single-region
identityServer:
  image: curity.azurecr.io/curity/idsvr:11.2
  runtime: {minNodes: 2, maxNodes: 4}
  admin:
    allowedCidrs: [10.0.0.0/8]
dns:
  provider: route53
  zone: example.com
  hostname: login.dev.example.com
data:
  tokens: {engine: cnpg, scope: region}
  accounts: {engine: cnpg, scope: region}
  audit: {engine: cnpg, scope: region}
regions:
  - id: home
    cloud: kubernetes
    location: on-prem-1
    jurisdiction: SE
    cluster: {kubeconfigContext: dev-cluster}
"""

PASSPHRASE = {"PULUMI_CONFIG_PASSPHRASE": "correct horse"}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "stacks").mkdir()
    (tmp_path / "stacks" / "dev.yaml").write_text(STACK_YAML)
    return tmp_path


@pytest.fixture
def loaded(project: Path):
    return load_stack(project / "stacks" / "dev.yaml")


@pytest.fixture
def no_checks(monkeypatch):
    """Stack checks that find nothing, so a test is about the runner alone."""
    monkeypatch.setattr(runner, "validate_stack", lambda loaded, **_: [])


@pytest.fixture
def cli_on_path(monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: f"/opt/bin/{name}")


def quiet_console() -> Console:
    return Console(record=True, width=160, force_terminal=False, color_system=None)


PROGRAM_RUNS: list[str] = []


def noop_program() -> None:
    """Stands in for regionkit's program, which needs the Pulumi engine around it."""
    PROGRAM_RUNS.append("ran")


def options(**overrides: Any) -> DeployOptions:
    values: dict[str, Any] = {
        "environ": dict(PASSPHRASE),
        "console": quiet_console(),
        "program": noop_program,
    }
    values.update(overrides)
    return DeployOptions(**values)


def command_error(stderr: str, stdout: str = "") -> auto.CommandError:
    """The exception the Automation API raises for a failed CLI call with this output."""
    return create_command_error(CommandResult(stdout=stdout, stderr=stderr, code=255))


# --- a fake Automation API stack ----------------------------------------------------------------

HOME = "urn:pulumi:dev::acme-id::random:index/randomPassword:RandomPassword::acme-id-home-admin"


def step_events(op: events.OpType, *, planning: bool) -> list[events.EngineEvent]:
    state = events.StepEventStateMetadata(
        type="random:index/randomPassword:RandomPassword", urn=HOME, id="", parent="", provider=""
    )
    metadata = events.StepEventMetadata(op=op, urn=HOME, type=state.type, provider="", new=state)
    return [
        events.EngineEvent(
            sequence=0,
            timestamp=1,
            resource_pre_event=events.ResourcePreEvent(metadata=metadata, planning=planning),
        ),
        events.EngineEvent(
            sequence=1,
            timestamp=2,
            res_outputs_event=events.ResOutputsEvent(metadata=metadata, planning=planning),
        ),
    ]


class FakeStack:
    def __init__(
        self, program, *, pending: bool = True, fail: dict[str, BaseException] | None = None
    ):
        self.program = program
        self.pending = pending
        self.fail = fail or {}
        self.calls: list[str] = []

    def _start(self, op: str, kwargs: dict[str, Any]) -> None:
        self.calls.append(op)
        assert kwargs["color"] == "never"
        if op in self.fail:
            raise self.fail[op]

    def preview(self, **kwargs: Any) -> auto.PreviewResult:
        self._start("preview", kwargs)
        self.program()
        op = events.OpType.CREATE if self.pending else events.OpType.SAME
        for event in step_events(op, planning=True):
            kwargs["on_event"](event)
        return auto.PreviewResult(stdout="", stderr="", change_summary={op: 1})

    def up(self, **kwargs: Any) -> auto.UpResult:
        self._start("up", kwargs)
        self.program()
        for event in step_events(events.OpType.CREATE, planning=False):
            kwargs["on_event"](event)
        return auto.UpResult(stdout="", stderr="", summary=None, outputs=self.outputs())  # type: ignore[arg-type]

    def preview_destroy(self, **kwargs: Any) -> auto.PreviewResult:
        self._start("preview_destroy", kwargs)
        op = events.OpType.DELETE if self.pending else events.OpType.SAME
        for event in step_events(op, planning=True):
            kwargs["on_event"](event)
        return auto.PreviewResult(stdout="", stderr="", change_summary={op: 1})

    def preview_refresh(self, **kwargs: Any) -> auto.PreviewResult:
        self._start("preview_refresh", kwargs)
        op = events.OpType.UPDATE if self.pending else events.OpType.SAME
        return auto.PreviewResult(stdout="", stderr="", change_summary={op: 1})

    def destroy(self, **kwargs: Any) -> None:
        self._start("destroy", kwargs)

    def refresh(self, **kwargs: Any) -> None:
        self._start("refresh", kwargs)

    def outputs(self) -> dict[str, auto.OutputValue]:
        return {
            "hostname": auto.OutputValue("login.dev.example.com", False),
            "adminPassword": auto.OutputValue("hunter2", True),
        }

    def cancel(self) -> None:
        self.calls.append("cancel")


@pytest.fixture
def fake_auto(monkeypatch, cli_on_path):
    """Replaces create_or_select_stack/select_stack; records their arguments."""
    record: dict[str, Any] = {"stacks": [], "kwargs": [], "settings": {}, "class": FakeStack}

    def open_stack(**kwargs: Any) -> FakeStack:
        record["kwargs"].append(kwargs)
        stack = record["class"](kwargs["program"], **record["settings"])
        record["stacks"].append(stack)
        return stack

    monkeypatch.setattr(auto, "create_or_select_stack", open_stack)
    monkeypatch.setattr(auto, "select_stack", open_stack)
    return record


# --- backend, passphrase and workspace ------------------------------------------------------------


def test_default_backend_is_a_file_backend_under_the_project(project: Path):
    url = resolve_backend(None, project, {})
    assert url == f"file://{(project / '.regionkit' / 'state').resolve()}"
    assert (project / ".regionkit" / "state").is_dir()


def test_backend_flag_wins_over_the_environment(project: Path):
    env = {"PULUMI_BACKEND_URL": "s3://from-env"}
    assert resolve_backend(None, project, env) == "s3://from-env"
    assert resolve_backend("gs://from-flag", project, env) == "gs://from-flag"
    assert resolve_backend("https://api.pulumi.com", project, {}) == "https://api.pulumi.com"


def test_relative_file_backend_is_taken_from_the_project_root(project: Path):
    assert (
        resolve_backend("file://shared-state", project, {}) == f"file://{project / 'shared-state'}"
    )
    assert (project / "shared-state").is_dir()


def test_unknown_backend_scheme_is_invalid_input(project: Path):
    with pytest.raises(InvalidInput, match="not a Pulumi backend URL") as caught:
        resolve_backend("ftp://state", project, {})
    assert caught.value.exit_code == ExitCode.INVALID_INPUT


def test_project_root_is_the_parent_of_stacks(project: Path, loaded):
    assert project_root(loaded) == project.resolve()
    assert project_root(loaded, project / "elsewhere") == (project / "elsewhere").resolve()


@pytest.mark.parametrize("backend", ["file:///tmp/x", "s3://bucket", "gs://bucket"])
def test_diy_backends_need_a_passphrase(backend: str):
    with pytest.raises(RegionkitError, match="PULUMI_CONFIG_PASSPHRASE") as caught:
        passphrase_env(backend, {})
    assert caught.value.exit_code == ExitCode.FAILED
    assert passphrase_env(backend, {"PULUMI_CONFIG_PASSPHRASE": ""}) == {
        "PULUMI_CONFIG_PASSPHRASE": ""
    }


def test_passphrase_file_must_be_readable(tmp_path: Path):
    with pytest.raises(RegionkitError, match="not a readable file"):
        passphrase_env("s3://b", {"PULUMI_CONFIG_PASSPHRASE_FILE": str(tmp_path / "missing")})
    secret = tmp_path / "passphrase"
    secret.write_text("correct horse\n")
    env = passphrase_env("s3://b", {"PULUMI_CONFIG_PASSPHRASE_FILE": str(secret)})
    assert env == {"PULUMI_CONFIG_PASSPHRASE_FILE": str(secret)}


def test_pulumi_cloud_needs_no_passphrase():
    assert passphrase_env("https://api.pulumi.com", {}) == {}


def test_missing_passphrase_stops_before_any_automation_call(fake_auto, loaded, no_checks):
    with pytest.raises(RegionkitError, match="PULUMI_CONFIG_PASSPHRASE"):
        run_operation("preview", loaded, options(environ={}))
    assert fake_auto["kwargs"] == []


def test_stack_is_opened_in_its_own_workspace(fake_auto, loaded, project: Path, no_checks):
    run_operation("preview", loaded, options())
    (kwargs,) = fake_auto["kwargs"]
    opts: auto.LocalWorkspaceOptions = kwargs["opts"]
    assert kwargs["stack_name"] == "dev"
    assert kwargs["project_name"] == "acme-id"
    assert opts.work_dir == str(project.resolve() / ".regionkit" / "workspaces" / "dev")
    assert Path(opts.work_dir).is_dir()
    assert opts.project_settings.name == "acme-id"
    assert opts.project_settings.runtime == "python"
    state = (project / ".regionkit" / "state").resolve()
    assert opts.project_settings.backend.url == f"file://{state}"
    assert opts.secrets_provider == "passphrase"
    assert opts.env_vars["PULUMI_BACKEND_URL"] == f"file://{state}"
    assert opts.env_vars["PULUMI_CONFIG_PASSPHRASE"] == "correct horse"


def test_pulumi_cloud_backend_uses_the_service_secrets_provider(fake_auto, loaded, no_checks):
    run_operation("preview", loaded, options(backend="https://api.pulumi.com", environ={}))
    opts = fake_auto["kwargs"][0]["opts"]
    assert opts.secrets_provider is None
    assert "PULUMI_CONFIG_PASSPHRASE" not in opts.env_vars


# --- validation first -----------------------------------------------------------------------------


def _fail_if_called(**kwargs: Any) -> None:
    pytest.fail("the Automation API was called although the stack is invalid")


def test_invalid_stack_raises_before_any_automation_call(monkeypatch, loaded):
    """Validation comes before the CLI check, the backend and the stack."""
    try:
        import regionkit.checks as checks
    except ImportError:  # the checks package is written in parallel; stand in for it
        checks = types.ModuleType("regionkit.checks")
        monkeypatch.setitem(sys.modules, "regionkit.checks", checks)
    seen: list[object] = []

    def validate(stack, **_):
        seen.append(stack)
        return [warning("w.rule", "dns", "a warning"), error("x.rule", "regions", "broken")]

    monkeypatch.setattr(checks, "validate", validate, raising=False)
    monkeypatch.setattr(shutil, "which", lambda name: None)
    monkeypatch.setattr(auto, "create_or_select_stack", _fail_if_called)
    monkeypatch.setattr(auto, "select_stack", _fail_if_called)
    for op in ("preview", "up"):
        with pytest.raises(StackInvalid) as caught:
            run_operation(op, loaded, options(yes=True))
        assert caught.value.exit_code == ExitCode.INVALID_INPUT
        assert "broken" in str(caught.value) and "a warning" not in str(caught.value)
        assert str(loaded.path) in str(caught.value)  # findings are located in the file
    assert seen == [loaded, loaded]


def test_real_checks_reject_an_open_admin_port(monkeypatch, project: Path):
    pytest.importorskip("regionkit.checks")
    path = project / "stacks" / "open.yaml"
    path.write_text(STACK_YAML.replace("10.0.0.0/8", "0.0.0.0/0"))
    monkeypatch.setattr(auto, "create_or_select_stack", _fail_if_called)
    with pytest.raises(StackInvalid, match=r"0\.0\.0\.0/0"):
        run_operation("up", load_stack(path), options(yes=True))


REPLICATED_CNPG = (
    STACK_YAML.replace("scope: region", "scope: global")
    .replace("topology: single-region", "topology: active-passive")
    .replace(
        "    cluster: {kubeconfigContext: dev-cluster}\n",
        "    cluster: {kubeconfigContext: dev-cluster}\n"
        "  - {id: away, cloud: kubernetes, location: on-prem-2, jurisdiction: SE, role: passive,\n"
        "     cluster: {kubeconfigContext: away}}\n",
    )
)


def _stack_settings(project: Path, config: dict[str, Any]) -> None:
    workspace = project / ".regionkit" / "workspaces" / "dev"
    workspace.mkdir(parents=True)
    (workspace / "Pulumi.dev.yaml").write_text(json.dumps({"config": config}))


def _errors(path: Path) -> dict[str, str]:
    try:
        runner.validate_stack(load_stack(path))
    except StackInvalid as invalid:
        return {f.rule: f.message for f in invalid.findings if f.is_error}
    return {}


def test_preview_sees_the_cnpg_object_store_of_the_pulumi_config(project: Path):
    """A replicated cnpg store on kubernetes needs regionkit:cnpgBackups of its writer: the
    checks of preview and up refuse it without, and accept it with."""
    path = project / "stacks" / "dev.yaml"
    path.write_text(REPLICATED_CNPG)
    assert "regionkit:cnpgBackups.home" in _errors(path)["data.cnpg-object-store"]
    # set with `pulumi config set --secret --path regionkit:cnpgBackups.home.accessKeyId ...`
    _stack_settings(
        project,
        {
            "regionkit:cnpgBackups": {
                "home": {
                    "destinationPath": "s3://backups/idsvr/",
                    "accessKeyId": {"secure": "v1:AAAA"},
                    "secretAccessKey": {"secure": "v1:BBBB"},
                }
            }
        },
    )
    assert "data.cnpg-object-store" not in _errors(path)


def test_the_stack_settings_name_the_configured_regions(project: Path):
    from regionkit.deploy.workspace import configured_cnpg_backups

    assert configured_cnpg_backups(project, "dev") == frozenset()
    # set without --path: one JSON object as a string
    _stack_settings(project, {"regionkit:cnpgBackups": json.dumps({"home": {}, "away": {}})})
    assert configured_cnpg_backups(project, "dev") == {"home", "away"}


def test_destroy_and_refresh_skip_the_checks(fake_auto, monkeypatch, loaded):
    def must_not_validate(stack, **_):
        pytest.fail("destroy/refresh must work for a stack whose file no longer passes")

    monkeypatch.setattr(runner, "validate_stack", must_not_validate)
    assert run_operation("destroy", loaded, options(yes=True)).ok
    assert run_operation("refresh", loaded, options(yes=True)).ok
    assert [s.calls for s in fake_auto["stacks"]] == [["destroy"], ["refresh"]]


# --- error mapping --------------------------------------------------------------------------------


def test_no_pulumi_cli_says_how_to_install_it(monkeypatch, loaded, no_checks):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    monkeypatch.setattr(auto, "create_or_select_stack", _fail_if_called)
    for call in (
        lambda: run_operation("preview", loaded, options()),
        lambda: stack_outputs(loaded, options()),
    ):
        with pytest.raises(RegionkitError) as caught:
            call()
        message = str(caught.value)
        assert caught.value.exit_code == ExitCode.FAILED
        assert "curl -fsSL https://get.pulumi.com | sh" in message
        assert "pip install pulumi" in message and "not the CLI" in message


def test_cli_vanishing_after_the_check_is_the_same_error(
    monkeypatch, loaded, cli_on_path, no_checks
):
    def missing(**kwargs: Any):
        raise FileNotFoundError(2, "No such file or directory", "pulumi")

    monkeypatch.setattr(auto, "create_or_select_stack", missing)
    with pytest.raises(RegionkitError, match=r"get\.pulumi\.com"):
        run_operation("preview", loaded, options())


def test_locked_stack_exits_4(fake_auto, loaded, no_checks):
    lock = command_error("error: the stack is currently locked by 1 lock(s). Either wait ...")
    assert isinstance(lock, auto.ConcurrentUpdateError)
    fake_auto["settings"] = {"fail": {"up": lock}}
    with pytest.raises(StackLocked) as caught:
        run_operation("up", loaded, options(yes=True))
    assert caught.value.exit_code == ExitCode.LOCKED == 4
    assert "pulumi cancel" in str(caught.value) and ".regionkit/workspaces/dev" in str(caught.value)


def test_locked_while_opening_the_stack_exits_4(monkeypatch, loaded, cli_on_path, no_checks):
    def locked(**kwargs: Any):
        raise command_error("[409] Conflict: Another update is currently in progress.")

    monkeypatch.setattr(auto, "create_or_select_stack", locked)
    with pytest.raises(StackLocked):
        run_operation("preview", loaded, options())


@pytest.mark.parametrize(
    ("stderr", "hint"),
    [
        (
            "error: configuring Terraform AWS Provider: no valid credential sources for "
            "Terraform AWS Provider found.",
            "AWS_PROFILE",
        ),
        (
            "error: google: could not find default credentials. See "
            "https://cloud.google.com/docs/authentication/external/set-up-adc",
            "gcloud auth application-default login",
        ),
        ('error: context "dev-cluster" does not exist', "kubectl config get-contexts"),
    ],
)
def test_missing_credentials_get_a_clear_message(fake_auto, loaded, no_checks, stderr, hint):
    fake_auto["settings"] = {"fail": {"preview": command_error(stderr)}}
    with pytest.raises(DeployError) as caught:
        run_operation("preview", loaded, options())
    assert caught.value.exit_code == ExitCode.FAILED
    assert hint in str(caught.value)
    assert "credentials" in str(caught.value)
    assert caught.value.result.status == "failed"


def test_wrong_passphrase_says_which_variable(monkeypatch, loaded, cli_on_path, no_checks):
    def wrong(**kwargs: Any):
        raise command_error(
            "error: getting stack configuration: get stack secrets manager: incorrect passphrase, "
            "please set PULUMI_CONFIG_PASSPHRASE to the correct passphrase"
        )

    monkeypatch.setattr(auto, "create_or_select_stack", wrong)
    with pytest.raises(RegionkitError, match="does not decrypt this stack's secrets") as caught:
        run_operation("preview", loaded, options())
    assert caught.value.exit_code == ExitCode.FAILED


def test_other_failures_show_the_error_lines_only(fake_auto, loaded, no_checks):
    stdout = "Updating (dev)\n  pulumi:pulumi:Stack acme-id-dev running\nerror: update failed\n"
    fake_auto["settings"] = {"fail": {"up": command_error("", stdout=stdout)}}
    with pytest.raises(DeployError) as caught:
        run_operation("up", loaded, options(yes=True))
    assert str(caught.value).endswith("error: update failed")
    assert "Updating (dev)" not in str(caught.value)
    assert caught.value.result.to_json()["status"] == "failed"


def test_missing_stack_for_destroy_says_nothing_to_destroy(monkeypatch, loaded, cli_on_path):
    def not_found(**kwargs: Any):
        raise command_error("error: no stack named 'dev' found")

    monkeypatch.setattr(auto, "select_stack", not_found)
    with pytest.raises(RegionkitError, match="nothing to destroy"):
        run_operation("destroy", loaded, options())


def test_a_regionkit_error_in_the_program_reaches_the_caller(fake_auto, loaded, no_checks):
    """The engine reports a failed program as a CommandError; the user gets the real error."""

    def program() -> None:
        raise InvalidInput("stacks/dev.yaml: identityServer.config.path: no such directory")

    class FailingStack(FakeStack):
        def preview(self, **kwargs: Any) -> auto.PreviewResult:
            try:
                self.program()
            except InvalidInput:
                raise command_error("", stdout="python inline source runtime error") from None
            raise AssertionError("unreachable")

    fake_auto["class"] = FailingStack
    with pytest.raises(InvalidInput, match="no such directory") as caught:
        run_operation("preview", loaded, options(program=program))
    assert caught.value.exit_code == ExitCode.INVALID_INPUT


def test_ctrl_c_cancels_the_update_to_release_the_lock(fake_auto, loaded, no_checks):
    fake_auto["settings"] = {"fail": {"up": KeyboardInterrupt()}}
    with pytest.raises(DeployError) as caught:
        run_operation("up", loaded, options(yes=True))
    assert fake_auto["stacks"][0].calls == ["up", "cancel"]
    assert caught.value.exit_code == ExitCode.FAILED
    assert caught.value.result.status == "cancelled"
    assert "interrupted" in str(caught.value) and "regionkit refresh dev" in str(caught.value)


# --- the preview/up flow --------------------------------------------------------------------------


def test_up_shows_the_preview_and_asks_before_changing_anything(fake_auto, loaded, no_checks):
    asked: list[str] = []

    def decline(prompt: str) -> bool:
        asked.append(prompt)
        return False

    result = run_operation("up", loaded, options(confirm=decline))
    assert asked == ["Deploy these changes to stack 'dev' (1 to create)?"]
    assert fake_auto["stacks"][0].calls == ["preview"]
    assert (result.status, result.exit_code) == ("declined", ExitCode.FAILED)
    preview = result.preview
    assert preview is not None and preview.operation == "preview" and preview.changes_pending
    assert preview.changes == {"create": 1}
    assert preview.resources[0]["region"] == "home"


def test_confirmed_up_deploys_and_masks_secret_outputs(fake_auto, loaded, no_checks):
    console = quiet_console()
    PROGRAM_RUNS.clear()
    result = run_operation("up", loaded, options(confirm=lambda preview: True, console=console))
    assert fake_auto["stacks"][0].calls == ["preview", "up"]
    assert PROGRAM_RUNS == ["ran", "ran"]  # the override program, in preview and in up
    assert result.ok and result.exit_code == ExitCode.OK
    assert result.outputs == {"adminPassword": "[secret]", "hostname": "login.dev.example.com"}
    assert result.by_region == {"home": {"create": 1}}
    assert result.preview is not None and result.preview.changes_pending
    text = console.export_text()
    assert "changes to dev" in text  # the preview's table
    assert "acme-id-home-admin" in text
    assert "up succeeded" in text and "1 created" in text
    assert "hunter2" not in text


@pytest.mark.parametrize(
    ("op", "steps", "words"),
    [
        ("destroy", ["preview_destroy", "destroy"], "Destroy every resource of stack 'dev'"),
        ("refresh", ["preview_refresh", "refresh"], "Write the refreshed state of stack 'dev'"),
    ],
)
def test_destroy_and_refresh_confirm_their_preview(fake_auto, loaded, op, steps, words):
    asked: list[str] = []
    result = run_operation(op, loaded, options(confirm=lambda p: asked.append(p) or True))
    assert fake_auto["stacks"][0].calls == steps
    assert len(asked) == 1 and asked[0].startswith(words)
    assert result.ok and result.preview is not None and result.preview.changes_pending


def test_destroy_of_an_empty_stack_does_not_ask(fake_auto, loaded):
    fake_auto["settings"] = {"pending": False}
    result = run_operation("destroy", loaded, options(confirm=lambda p: pytest.fail("asked")))
    assert fake_auto["stacks"][0].calls == ["preview_destroy"]
    assert result.ok and result.operation == "destroy"


def test_up_with_yes_skips_the_preview(fake_auto, loaded, no_checks):
    result = run_operation("up", loaded, options(yes=True, show_secrets=True))
    assert fake_auto["stacks"][0].calls == ["up"]
    assert result.outputs["adminPassword"] == "hunter2"


def test_up_without_confirmation_callback_is_refused(fake_auto, loaded, no_checks):
    with pytest.raises(InvalidInput, match="--yes"):
        run_operation("up", loaded, options())


def test_up_with_nothing_to_change_does_not_ask(fake_auto, loaded, no_checks):
    fake_auto["settings"] = {"pending": False}
    result = run_operation("up", loaded, options(confirm=lambda p: pytest.fail("asked")))
    assert fake_auto["stacks"][0].calls == ["preview"]
    assert result.ok and result.operation == "up" and not result.changes_pending
    assert result.outputs["hostname"] == "login.dev.example.com"


@pytest.mark.parametrize(
    ("pending", "code"), [(True, ExitCode.CHANGES_PENDING), (False, ExitCode.OK)]
)
def test_preview_detailed_exitcode(fake_auto, loaded, no_checks, pending, code):
    fake_auto["settings"] = {"pending": pending}
    result = run_operation("preview", loaded, options(detailed_exitcode=True))
    assert result.exit_code == code
    assert result.changes_pending is pending
    plain = run_operation("preview", loaded, options())
    assert plain.exit_code == ExitCode.OK


def test_json_mode_prints_nothing_and_gives_one_document(fake_auto, loaded, no_checks):
    console = quiet_console()
    result = run_operation("up", loaded, options(yes=True, json_output=True, console=console))
    assert console.export_text() == ""
    document = json.loads(json.dumps(result.to_json()))
    assert document["operation"] == "up" and document["stack"] == "dev"
    assert document["status"] == "succeeded" and document["exitCode"] == 0
    assert document["byRegion"] == [{"region": "home", "create": 1}]
    assert document["resources"][0]["name"] == "acme-id-home-admin"
    assert document["outputs"]["adminPassword"] == "[secret]"


def test_stack_outputs_mask_secrets(fake_auto, loaded):
    assert stack_outputs(loaded, options()) == {
        "adminPassword": "[secret]",
        "hostname": "login.dev.example.com",
    }
    assert fake_auto["kwargs"][0]["stack_name"] == "dev"


def test_unknown_operation_is_invalid_input(loaded):
    with pytest.raises(InvalidInput, match="unknown operation"):
        run_operation("deploy", loaded, options())  # type: ignore[arg-type]


# --- the real Pulumi CLI ----------------------------------------------------------------------------


def random_program() -> None:
    import pulumi
    import pulumi_random as random

    password = random.RandomPassword("acme-id-home-admin", length=24, special=False)
    pet = random.RandomPet("acme-id-gslb-name")
    pulumi.export("adminPassword", password.result)
    pulumi.export("name", pet.id)


@pytest.mark.pulumi_cli
@pytest.mark.skipif(shutil.which("pulumi") is None, reason="needs the Pulumi CLI on PATH")
def test_preview_up_outputs_refresh_destroy_with_the_real_cli(project: Path, loaded, monkeypatch):
    pytest.importorskip("regionkit.checks")
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", "correct horse")
    monkeypatch.delenv("PULUMI_BACKEND_URL", raising=False)
    opts = DeployOptions(
        program=random_program, console=quiet_console(), yes=True, json_output=True
    )

    preview = run_operation("preview", loaded, dataclasses.replace(opts, detailed_exitcode=True))
    assert preview.exit_code == ExitCode.CHANGES_PENDING
    assert preview.changes.get("create", 0) >= 2

    up = run_operation("up", loaded, opts)
    assert up.ok and up.outputs["adminPassword"] == "[secret]"
    by_name = {r["name"]: r for r in up.resources}
    assert by_name["acme-id-home-admin"]["region"] == "home"
    assert by_name["acme-id-gslb-name"]["region"] is None
    assert (project / ".regionkit" / "state").is_dir()

    outputs = stack_outputs(loaded, opts)
    assert outputs["name"] == up.outputs["name"]

    again = run_operation("preview", loaded, dataclasses.replace(opts, detailed_exitcode=True))
    assert again.exit_code == ExitCode.OK and not again.changes_pending

    assert run_operation("refresh", loaded, opts).ok
    destroyed = run_operation("destroy", loaded, opts)
    assert destroyed.ok and destroyed.changes.get("delete", 0) >= 2
