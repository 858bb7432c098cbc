"""`regionkit init`: the scaffolded project, refusing to overwrite, templates in a wheel."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import runpy
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import pytest
import yaml

from regionkit.errors import ExitCode, InvalidInput
from regionkit.scaffold import init_project, target_name, templates_root
from regionkit.spec import load_stack

REPO = Path(__file__).resolve().parents[1]
EXPECTED = [
    "Pulumi.yaml",
    "__main__.py",
    "stacks/dev.yaml",
    "stacks/idsvr-config/services.xml",
    "stacks/idsvr-config/stores.xml",
    "stacks/idsvr-config/token-service.xml",
    "requirements.txt",
    ".gitignore",
    "README.md",
    ".github/workflows/regionkit-preview.yml",
    ".github/workflows/regionkit-comment.yml",
]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    directory = tmp_path / "acme-login"
    written = init_project(directory)
    assert sorted(p.relative_to(directory).as_posix() for p in written) == sorted(EXPECTED)
    return directory


def test_every_expected_file_exists(project: Path):
    for name in EXPECTED:
        assert (project / name).is_file(), name
        assert "[[" not in (project / name).read_text(), f"unrendered template in {name}"


def test_pulumi_yaml_names_the_project_and_runs_main(project: Path):
    settings = yaml.safe_load((project / "Pulumi.yaml").read_text())
    assert settings["name"] == "acme-login"
    assert settings["runtime"]["name"] == "python"
    assert settings["main"] == "__main__.py"


def test_requirements_and_gitignore(project: Path):
    requirements = (project / "requirements.txt").read_text().splitlines()
    assert [line for line in requirements if line.startswith("regionkit")] != []
    ignored = (project / ".gitignore").read_text().splitlines()
    for entry in (".regionkit/", "__pycache__/", "venv/"):
        assert entry in ignored


def test_main_program_loads_the_stack_of_the_pulumi_stack(project: Path):
    source = (project / "__main__.py").read_text()
    compile(source, "__main__.py", "exec")
    assert 'f"{pulumi.get_stack()}.yaml"' in source
    assert "stack_program(loaded" in source
    assert "# from regionkit import SingleRegion" in source


def test_dev_stack_loads_and_uses_the_project_name(project: Path):
    loaded = load_stack(project / "stacks" / "dev.yaml")
    assert loaded.spec.name == "acme-login"
    assert loaded.environment == "dev"
    (region,) = loaded.spec.regions or []
    assert region.cloud == "kubernetes" and region.cluster.kubeconfig_context
    # the scaffolded configuration, and a license that stays out of git
    assert loaded.spec.identity_server.config.path == "idsvr-config"
    assert (project / "stacks" / "idsvr-config" / "services.xml").is_file()
    license = loaded.spec.identity_server.license
    assert license is not None and license.secret_name == "idsvr-license"
    assert "license.json" in (project / ".gitignore").read_text().splitlines()
    # DNS managed elsewhere: the scaffold plans and deploys with no cloud SDK or account
    assert loaded.spec.dns.provider == "none"
    from regionkit.catalog.extras import needed_extras

    assert needed_extras(loaded.spec) == {}


def test_dev_stack_passes_the_checks(project: Path):
    checks = pytest.importorskip("regionkit.checks")
    findings = checks.validate(load_stack(project / "stacks" / "dev.yaml"))
    assert not [f for f in findings if f.is_error], findings


def _plan_or_skip(loaded, program=None):
    from regionkit.plan.runner import plan_stack

    try:
        return plan_stack(loaded, program=program)
    except ModuleNotFoundError as exc:
        if not (exc.name or "").startswith("regionkit."):
            raise
        pytest.skip(f"{exc.name} is not written yet: the scaffolded stack cannot be planned")


def test_dev_stack_plans_and_main_py_plans_the_same(project: Path, monkeypatch):
    """The scaffolded stack plans offline, and `__main__.py` (what `pulumi up` runs) plans the same."""
    loaded = load_stack(project / "stacks" / "dev.yaml")
    plan = _plan_or_skip(loaded)
    assert plan["stack"] == "dev"
    assert plan["summary"]["resources"] > 0
    assert {r["region"] for r in plan["resources"]} >= {"home"}

    monkeypatch.chdir(project)
    via_main = _plan_or_skip(
        loaded, program=lambda: runpy.run_path(str(project / "__main__.py"), run_name="__main__")
    )
    assert [r["urn"] for r in via_main["resources"]] == [r["urn"] for r in plan["resources"]]


# --- the pull-request workflows ---------------------------------------------------------------

WORKFLOWS = (".github/workflows/regionkit-preview.yml", ".github/workflows/regionkit-comment.yml")


@pytest.fixture
def workflow(project: Path) -> dict:
    return yaml.safe_load((project / WORKFLOWS[0]).read_text())


@pytest.fixture
def comment_workflow(project: Path) -> dict:
    return yaml.safe_load((project / WORKFLOWS[1]).read_text())


def _steps(workflow: dict, job: str = "plan") -> list[dict]:
    return workflow["jobs"][job]["steps"]


def _run_text(workflow: dict, job: str = "plan") -> str:
    return "\n".join(step.get("run", "") for step in _steps(workflow, job))


def _uses(workflow: dict) -> list[str]:
    return [
        step["uses"] for job in workflow["jobs"].values() for step in job["steps"] if "uses" in step
    ]


def test_workflow_runs_only_when_what_a_plan_reads_changes(workflow: dict):
    paths = workflow[True]["pull_request"]["paths"]  # YAML 1.1 reads the key `on` as True
    assert "stacks/**" in paths and "requirements.txt" in paths
    checkout = next(s for s in _steps(workflow) if s.get("uses", "").startswith("actions/checkout"))
    assert checkout["with"]["fetch-depth"] == 0
    python = next(
        s for s in _steps(workflow) if s.get("uses", "").startswith("actions/setup-python")
    )
    assert python["with"]["python-version"] == "3.11"


def test_every_action_is_pinned_by_commit(workflow: dict, comment_workflow: dict):
    uses = _uses(workflow) + _uses(comment_workflow)
    assert len(uses) >= 10
    for action in uses:
        ref = action.split("@", 1)[1]
        assert len(ref) == 40 and all(c in "0123456789abcdef" for c in ref), action


def test_id_token_only_on_the_preview_job(workflow: dict, comment_workflow: dict):
    assert workflow["permissions"] == {"contents": "read"}
    assert comment_workflow["permissions"] == {}
    granted = {
        name: job.get("permissions", {})
        for wf in (workflow, comment_workflow)
        for name, job in wf["jobs"].items()
    }
    assert [name for name, p in granted.items() if p.get("id-token") == "write"] == ["preview"]
    # the job that runs pull-request code can write nothing
    assert "permissions" not in workflow["jobs"]["plan"]


def test_base_branch_is_planned_with_the_base_branchs_regionkit(workflow: dict):
    text = _run_text(workflow)
    assert 'git worktree add --detach "$RUNNER_TEMP/base" "origin/$BASE_REF"' in text
    assert '"$RUNNER_TEMP/base-venv/bin/pip" install -r requirements.txt' in text
    assert '"$RUNNER_TEMP/base-venv/bin/regionkit" plan "$STACK_FILE"' in text
    assert '"$RUNNER_TEMP/new-venv/bin/regionkit" plan "$STACK_FILE" --format json' in text
    assert '"$regionkit" diff "$OUT/base.json" "$OUT/new.json" --format markdown' in text
    job = workflow["jobs"]["plan"]
    assert job["strategy"]["matrix"]["environment"].startswith("${{ fromJSON(")
    assert "find stacks -maxdepth 1 -name '*.yaml'" in _run_text(workflow, "environments")


def test_the_artifact_the_comment_points_to_is_uploaded(workflow: dict):
    upload = next(s for s in _steps(workflow) if s.get("uses", "").startswith("actions/upload-"))
    assert upload["with"]["name"] == "regionkit-${{ matrix.environment }}"
    assert upload["with"]["path"] == "${{ runner.temp }}/regionkit/"
    assert "artifact \\`regionkit-$ENVIRONMENT\\` of [this run]($RUN_URL)" in _run_text(workflow)


def test_forks_get_their_plan_commented_without_secrets(workflow: dict, comment_workflow: dict):
    plan_text = str(workflow["jobs"]["plan"]) + str(workflow["jobs"]["environments"])
    assert "secrets." not in plan_text  # the offline plan needs none
    assert "pull_request_target" not in str(workflow[True])
    assert "head.repo.full_name == github.repository" in workflow["jobs"]["preview"]["if"]
    trigger = comment_workflow[True]["workflow_run"]
    assert trigger["workflows"] == [workflow["name"]]
    steps = _steps(comment_workflow, "comment")
    (comment,) = [s for s in steps if "sticky-pull-request-comment" in s.get("uses", "")]
    assert comment["with"]["header"] == "regionkit-${{ matrix.environment }}"
    assert comment["with"]["number_force"] == "${{ needs.environments.outputs.pr }}"
    assert not any("actions/checkout" in s.get("uses", "") for s in steps)
    assert "grep -Eqx '[0-9]+'" in _run_text(comment_workflow, "environments")


def test_plugins_are_cached_for_the_preview(workflow: dict):
    cache = next(s for s in _steps(workflow, "preview") if "actions/cache" in s.get("uses", ""))
    assert cache["with"]["path"] == "~/.pulumi/plugins"


def test_workflow_previews_only_with_credentials_and_never_tests_secrets_in_if(workflow: dict):
    job = workflow["jobs"]["preview"]
    preview = next(s for s in job["steps"] if s.get("id") == "preview")
    assert 'regionkit preview "$ENVIRONMENT"' in preview["run"]
    assert "env.HAS_AWS == 'true'" in preview["if"]
    assert job["env"]["HAS_AWS"] == "${{ secrets.AWS_ROLE_ARN != '' }}"
    assert "secrets." not in job["if"]
    for step in job["steps"]:
        assert "secrets." not in str(step.get("if", "")), step  # GitHub rejects it there


def _actionlint() -> list[str] | None:
    """actionlint as `.ci/actionlint` installs it (its WebAssembly build from npm, run by node),
    or a native binary on PATH; None where neither is installed. Both lint the workflows of the
    current directory."""
    tools = Path(
        os.environ.get("ACTIONLINT_DIR") or Path(tempfile.gettempdir(), "regionkit-actionlint")
    )
    cli = tools / "node_modules" / "@tktco" / "node-actionlint" / "bin" / "node-actionlint.js"
    node = shutil.which("node")
    if node and cli.is_file():
        return [node, str(cli)]
    native = shutil.which("actionlint")
    return [native] if native else None


def test_actionlint_passes_the_workflows_and_fails_a_broken_one(project: Path):
    """One run of the judge (its start is most of its time): the generated workflows pass, and
    the judge judges, failing a workflow with an undefined context property."""
    command = _actionlint()
    if command is None:
        pytest.skip("actionlint is not installed: `bash .ci/actionlint --install` (CI does)")
    assert all((project / workflow).is_file() for workflow in WORKFLOWS)
    broken = ".github/workflows/broken.yml"
    (project / broken).write_text(
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n"
        "    steps:\n      - run: echo ${{ github.no_such_property }}\n"
    )
    run = subprocess.run(command, cwd=project, capture_output=True, text=True, check=False)
    output = run.stdout + run.stderr
    findings = [line for line in output.splitlines() if re.match(r"^\S+:\d+:\d+:? ", line)]
    assert run.returncode != 0 and findings, output
    assert all(line.startswith(f"{broken}:") for line in findings), output  # only the broken one
    assert "no_such_property" in findings[0]


# --- refusing to overwrite, names ---------------------------------------------------------------


def test_refuses_to_overwrite_and_writes_nothing(project: Path):
    (project / "stacks" / "dev.yaml").write_text("# mine\n")
    (project / "README.md").unlink()
    with pytest.raises(InvalidInput, match="pass --force") as caught:
        init_project(project)
    assert caught.value.exit_code == ExitCode.INVALID_INPUT
    assert "stacks/dev.yaml" in str(caught.value)
    assert (project / "stacks" / "dev.yaml").read_text() == "# mine\n"
    assert not (project / "README.md").exists()  # nothing was written


def test_force_overwrites(project: Path):
    (project / "stacks" / "dev.yaml").write_text("# mine\n")
    init_project(project, name="other-id", force=True)
    assert load_stack(project / "stacks" / "dev.yaml").spec.name == "other-id"


def test_an_unrelated_file_in_the_directory_is_kept(tmp_path: Path):
    (tmp_path / "notes.txt").write_text("keep")
    init_project(tmp_path, name="acme-id")
    assert (tmp_path / "notes.txt").read_text() == "keep"


def test_name_from_directory_is_slugged_and_bad_names_rejected(tmp_path: Path):
    init_project(tmp_path / "Acme_ID")
    assert load_stack(tmp_path / "Acme_ID" / "stacks" / "dev.yaml").spec.name == "acme-id"
    with pytest.raises(InvalidInput, match="pass --name"):
        init_project(tmp_path / "9lives")
    with pytest.raises(InvalidInput, match="--name 'Bad Name'"):
        init_project(tmp_path / "ok", name="Bad Name")


def test_a_file_in_place_of_the_directory_is_invalid_input(tmp_path: Path):
    (tmp_path / "taken").write_text("")
    with pytest.raises(InvalidInput, match="not a directory"):
        init_project(tmp_path / "taken", name="acme-id")


def test_template_names_map_to_dotfiles():
    assert target_name(Path("dot-gitignore.j2")) == Path(".gitignore")
    assert target_name(Path("dot-github/workflows/x.yml.j2")) == Path(".github/workflows/x.yml")
    assert target_name(Path("stacks/dev.yaml.j2")) == Path("stacks/dev.yaml")


def test_cli_init_writes_the_project_and_exits_2_on_overwrite(tmp_path: Path):
    typer_testing = pytest.importorskip("typer.testing")
    from regionkit.cli import app

    runner = typer_testing.CliRunner()
    first = runner.invoke(app, ["init", str(tmp_path / "p"), "--name", "acme-id"])
    assert first.exit_code == 0, first.output
    assert (tmp_path / "p" / "stacks" / "dev.yaml").is_file()
    second = runner.invoke(app, ["init", str(tmp_path / "p"), "--name", "acme-id"])
    assert second.exit_code == 2
    assert "pass --force" in second.output


# --- where the templates come from ------------------------------------------------------------


def test_templates_are_found_from_the_checkout():
    root = templates_root()
    assert (root / "project" / "Pulumi.yaml.j2").is_file()
    assert root.resolve() == (REPO / "templates").resolve()


def _run(command: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, capture_output=True, text=True, check=False, **kwargs)  # type: ignore[call-overload]


def _copy_checkout(tmp_path: Path) -> Path:
    """This checkout's sources, copied so that pip's build never touches the work tree."""
    source = tmp_path / "regionkit-src"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(REPO / name, source / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", "*.pyc")
    shutil.copytree(REPO / "src", source / "src", symlinks=True, ignore=ignore)
    shutil.copytree(REPO / "templates", source / "templates", ignore=ignore)
    return source


def _build_wheel(tmp_path: Path) -> Path:
    """A wheel of this checkout, built from a copy so the work tree is not touched."""
    source = _copy_checkout(tmp_path)
    out = tmp_path / "dist"
    command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", str(source), "-w", str(out)]
    # Without an installed `wheel` package, an old setuptools cannot build one in-process:
    # then pip builds in an isolated environment from the package index.
    if importlib.util.find_spec("wheel") is not None:
        command.insert(4, "--no-build-isolation")
    build = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
    assert build.returncode == 0, build.stdout + build.stderr
    (wheel,) = out.glob("regionkit-*.whl")
    return wheel


def test_templates_ship_in_the_wheel_and_init_works_from_it(tmp_path: Path):
    wheel = _build_wheel(tmp_path)
    names = zipfile.ZipFile(wheel).namelist()
    for template in (
        "Pulumi.yaml.j2",
        "dot-gitignore.j2",
        "dot-github/workflows/regionkit-preview.yml.j2",
    ):
        assert f"regionkit/templates/project/{template}" in names

    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    script = (
        "import sys, regionkit, regionkit.scaffold as s; from pathlib import Path;"
        "print(regionkit.__file__); print(len(s.init_project(Path(sys.argv[1]))))"
    )
    env = {**os.environ, "PYTHONPATH": str(site)}
    run = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path / "from-wheel")],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    module_file, count = run.stdout.split()
    assert Path(module_file).is_relative_to(site)  # the wheel's regionkit, not the checkout's
    assert int(count) == len(EXPECTED)
    assert (tmp_path / "from-wheel" / ".github/workflows/regionkit-preview.yml").is_file()


# --- a fresh machine: the generated project installs and plans as generated ---------------------


def test_requirements_point_at_the_checkout_it_was_generated_from(project: Path):
    lines = (project / "requirements.txt").read_text().splitlines()
    active = [line for line in lines if line and not line.startswith("#")]
    assert active == [f"regionkit @ {REPO.as_uri()}"]
    assert "# regionkit==0.1.0" in lines  # the pin to switch to once a release exists


def test_requirements_follow_a_vcs_install(monkeypatch, tmp_path: Path):
    from regionkit import scaffold

    info = {
        "url": "https://github.com/acme/regionkit.git",
        "vcs_info": {"vcs": "git", "commit_id": "abc123"},
    }
    monkeypatch.setattr(scaffold, "_direct_url", lambda _dir: info)
    assert scaffold.requirement_source() == (
        "regionkit @ git+https://github.com/acme/regionkit.git@abc123"
    )
    monkeypatch.setattr(scaffold, "_direct_url", lambda _dir: None)
    monkeypatch.setattr(scaffold, "_checkout_of", lambda _dir: None)
    init_project(tmp_path / "p", name="acme-id")
    active = [
        line
        for line in (tmp_path / "p" / "requirements.txt").read_text().splitlines()
        if line and not line.startswith("#")
    ]
    assert active == ["regionkit==0.1.0"]  # installed from an index: pin what is installed


def test_generated_project_installs_in_a_fresh_venv_and_plans(tmp_path: Path):
    """`pip install -r requirements.txt` then `regionkit plan dev`, as the README says, offline."""
    source = _copy_checkout(tmp_path)
    project_dir = tmp_path / "acme-login"
    clean = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    init = _run(
        [sys.executable, "-m", "regionkit", "init", str(project_dir)],
        env={**clean, "PYTHONPATH": str(source / "src")},
        timeout=120,
    )
    assert init.returncode == 0, init.stderr
    assert f"regionkit @ {source.as_uri()}" in (project_dir / "requirements.txt").read_text()

    venv = tmp_path / "venv"
    python = str(venv / "bin/python")
    # no network: the dependencies come from the system site-packages, the build backend too.
    # The venv gets no pip (nor the old setuptools that would shadow the system's): this pip
    # installs into it, as `python -m pip --python VENV` (seconds less than seeding a pip).
    venv_made = _run(
        [sys.executable, "-m", "venv", "--system-site-packages", "--without-pip", str(venv)]
    )
    assert venv_made.returncode == 0, venv_made.stderr
    offline = {**clean, "PIP_NO_INDEX": "1", "PIP_NO_BUILD_ISOLATION": "0"}
    install = _run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            python,
            "install",
            "-q",
            "-r",
            "requirements.txt",
        ],
        cwd=project_dir,
        env=offline,
        timeout=600,
    )
    assert install.returncode == 0, install.stdout + install.stderr
    where = _run(
        [python, "-c", "import regionkit; print(regionkit.__file__)"], cwd=tmp_path, env=clean
    )
    assert Path(where.stdout.strip()).is_relative_to(venv)  # the generated requirement's copy

    plan = _run(
        [str(venv / "bin/regionkit"), "plan", "dev", "--format", "json"],
        cwd=project_dir,
        env=clean,
        timeout=600,
    )
    assert plan.returncode == 0, plan.stderr
    document = json.loads(plan.stdout)
    assert document["stack"] == "dev" and document["summary"]["resources"] > 0
