"""Cloud SDKs are extras: a stack that needs a missing one is told which, with file and line."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

from regionkit.catalog import extras
from regionkit.errors import InvalidInput
from regionkit.spec import load_stack

REPO = Path(__file__).resolve().parents[1]
AP_STACK = REPO / "stacks" / "aws-ap.yaml"


def _hide(monkeypatch: pytest.MonkeyPatch, *hidden: str) -> None:
    real = importlib.util.find_spec

    def find_spec(name: str, *args: object, **kwargs: object) -> object:
        return None if name in hidden else real(name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(extras.importlib.util, "find_spec", find_spec)


def test_an_aws_stack_needs_the_aws_extra_and_a_kubernetes_one_none(tmp_path: Path):
    loaded = load_stack(AP_STACK)
    needs = extras.needed_extras(loaded.spec)
    assert list(needs) == [extras.AWS]
    assert needs[extras.AWS][0] == ("regions[0].cloud", "aws")
    assert extras.needed_extras(load_stack(REPO / "stacks" / "dev.yaml").spec).keys() <= {
        extras.AWS
    }


def test_a_missing_extra_is_invalid_input_naming_it_before_anything_runs(monkeypatch):
    from regionkit.plan.runner import plan_stack

    _hide(monkeypatch, "pulumi_aws")
    loaded = load_stack(AP_STACK)
    with pytest.raises(InvalidInput) as caught:
        plan_stack(loaded)
    message = str(caught.value)
    assert "pip install 'regionkit[aws]'" in message
    assert f"{AP_STACK}:{loaded.line_of('regions[0].cloud')}: " in message
    assert "regions[0].cloud: aws needs it" in message


def test_the_cli_exits_2_without_a_traceback_when_the_sdk_is_absent(tmp_path: Path):
    """The SDK hidden at start-up (sitecustomize) as if it were not installed."""
    shadow = tmp_path / "shadow"
    shadow.mkdir()
    # a stand-in that hides the installed SDK from find_spec as a missing one would
    (shadow / "sitecustomize.py").write_text(
        "import importlib.util as u\n"
        "_real = u.find_spec\n"
        "u.find_spec = lambda n, *a, **k: None if n == 'pulumi_aws' else _real(n, *a, **k)\n"
    )
    run = subprocess.run(
        [sys.executable, "-m", "regionkit", "plan", str(AP_STACK)],
        env={"PYTHONPATH": f"{shadow}:{REPO / 'src'}", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert run.returncode == 2, run.stderr
    assert "regionkit[aws]" in run.stderr
    assert "Traceback" not in run.stderr
