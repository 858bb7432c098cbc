"""`regionkit init`: the scaffolded project, refusing to overwrite, templates in a wheel."""

from __future__ import annotations

import importlib.util
import os
import runpy
import shutil
import subprocess
import sys
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
    requirements = (project / "requirements.txt").read_text().split()
    assert requirements[0].startswith("regionkit")
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


# --- the pull-request workflow ----------------------------------------------------------------


@pytest.fixture
def workflow(project: Path) -> dict:
    return yaml.safe_load((project / ".github/workflows/regionkit-preview.yml").read_text())


def _steps(workflow: dict) -> list[dict]:
    return workflow["jobs"]["plan"]["steps"]


def _run_text(workflow: dict) -> str:
    return "\n".join(step.get("run", "") for step in _steps(workflow))


def test_workflow_runs_on_pull_requests_with_full_history(workflow: dict):
    assert "pull_request" in workflow[True]  # YAML 1.1 reads the key `on` as True
    checkout = next(s for s in _steps(workflow) if s.get("uses", "").startswith("actions/checkout"))
    assert checkout["with"]["fetch-depth"] == 0
    python = next(
        s for s in _steps(workflow) if s.get("uses", "").startswith("actions/setup-python")
    )
    assert python["with"]["python-version"] == "3.11"
    assert "pip install -r requirements.txt" in _run_text(workflow)
    assert workflow["permissions"]["pull-requests"] == "write"


def test_workflow_plans_each_environment_and_diffs_against_the_base(workflow: dict):
    job = workflow["jobs"]["plan"]
    assert job["strategy"]["matrix"]["environment"].startswith("${{ fromJSON(")
    assert job["env"]["STACK_FILE"] == "stacks/${{ matrix.environment }}.yaml"
    assert (
        "find stacks -maxdepth 1 -name '*.yaml'"
        in workflow["jobs"]["environments"]["steps"][1]["run"]
    )
    text = _run_text(workflow)
    assert 'regionkit plan "$STACK_FILE" --format json > "$RUNNER_TEMP/new.json"' in text
    assert 'git worktree add --detach "$RUNNER_TEMP/base" "origin/$GITHUB_BASE_REF"' in text
    assert 'if [ -f "$RUNNER_TEMP/base/$STACK_FILE" ]' in text
    assert (
        'regionkit diff "$RUNNER_TEMP/base.json" "$RUNNER_TEMP/new.json" --format markdown' in text
    )


def test_workflow_posts_one_sticky_comment_per_environment(workflow: dict):
    comments = [s for s in _steps(workflow) if "sticky-pull-request-comment" in s.get("uses", "")]
    assert len(comments) == 1
    (comment,) = comments
    assert comment["uses"] == "marocchino/sticky-pull-request-comment@v2"
    assert comment["with"]["header"] == "regionkit-${{ matrix.environment }}"
    assert comment["with"]["path"].endswith("comment.md")


def test_workflow_previews_only_with_credentials_and_never_tests_secrets_in_if(workflow: dict):
    job = workflow["jobs"]["plan"]
    preview = next(s for s in job["steps"] if s.get("id") == "preview")
    assert 'regionkit preview "$ENVIRONMENT"' in preview["run"]
    assert "env.PULUMI_BACKEND_URL != ''" in preview["if"]
    assert "env.HAS_AWS == 'true'" in preview["if"]
    assert job["env"]["HAS_AWS"] == "${{ secrets.AWS_ROLE_ARN != '' }}"
    for step in job["steps"]:
        assert "secrets." not in str(step.get("if", "")), step  # GitHub rejects it there


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


def _build_wheel(tmp_path: Path) -> Path:
    """A wheel of this checkout, built from a copy so the work tree is not touched."""
    source = tmp_path / "src-copy"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        if (REPO / name).exists():
            shutil.copy2(REPO / name, source / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", "*.pyc")
    shutil.copytree(REPO / "src", source / "src", symlinks=True, ignore=ignore)
    shutil.copytree(REPO / "templates", source / "templates", ignore=ignore)
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
