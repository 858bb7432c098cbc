"""The license and the configuration directory: validation, reading, and what the plan shows.

A stack names its license (`identityServer.license`: an existing Secret or a file) or keeps it at
`license/license.json` of its configuration directory; the nodes read it at
`etc/init/license/license.json`. The license is a secret: no plan, manifest or message holds it.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from regionkit.catalog import idsvr
from regionkit.checks import validate
from regionkit.cli import app
from regionkit.components import idsvr_pods as pods
from regionkit.plan.runner import plan_stack
from regionkit.spec import load_stack
from regionkit.spec.config_dir import startup_xml
from regionkit.topologies.base import read_config_files, read_license_file
from tests.example_plans import example_plan

ROOT = Path(__file__).resolve().parent.parent
DEV = ROOT / "stacks" / "dev.yaml"
#: what a test license holds: a value that must never reach a plan, a manifest or a message
LICENSE_TEXT = "test-license-key-never-in-a-plan"
LICENSE_JSON = json.dumps({"License": LICENSE_TEXT}) + "\n"
SECRET_LINE = "    secretName: idsvr-license\n"


def stack(tmp_path: Path, license_lines: str | None, *, config: str = "idsvr-config") -> Path:
    """dev.yaml in `tmp_path`, its configuration at `config`, its license block replaced."""
    text = DEV.read_text()
    assert "  license:\n" + SECRET_LINE in text
    block = "" if license_lines is None else "  license:\n" + license_lines
    text = text.replace("  license:\n" + SECRET_LINE, block)
    text = text.replace("    path: idsvr-config\n", f"    path: {config}\n")
    path = tmp_path / "dev.yaml"
    path.write_text(text)
    return path


def config_copy(tmp_path: Path, name: str = "config") -> Path:
    """A writable copy of stacks/idsvr-config (dev.yaml's data source ids)."""
    directory = tmp_path / name
    directory.mkdir()
    for source in (ROOT / "stacks" / "idsvr-config").glob("*.xml"):
        (directory / source.name).write_text(source.read_text())
    return directory


def resources(plan: dict[str, Any], type_: str) -> list[dict[str, Any]]:
    return [r for r in plan["resources"] if r["type"] == type_]


def node_pods(plan: dict[str, Any]) -> list[dict[str, Any]]:
    deployments = resources(plan, "kubernetes:apps/v1:Deployment")
    nodes = [
        d
        for d in deployments
        if d["inputs"]["metadata"]["name"] in ("idsvr-admin", "idsvr-runtime")
    ]
    assert len(nodes) == 2
    return [d["inputs"]["spec"]["template"] for d in nodes]


# --- validation ---------------------------------------------------------------------------------


def test_a_stack_without_license_and_configuration_is_refused_at_file_line_and_key(
    tmp_path: Path,
) -> None:
    path = tmp_path / "bare.yaml"
    text = DEV.read_text().replace("  config:\n    path: idsvr-config\n", "")
    path.write_text(text.replace("  license:\n" + SECRET_LINE, ""))
    result = CliRunner().invoke(app, ["validate", str(path), "--json"])
    assert result.exit_code == 2
    findings = json.loads(result.stdout)["findings"]
    errors = {(f["rule"], f["path"]) for f in findings if f["level"] == "error"}
    assert errors == {
        ("config.required", "identityServer.config.path"),
        ("config.license", "identityServer.license"),
    }
    identity_line = text.splitlines().index("identityServer:") + 1
    assert {f["file"] for f in findings if f["rule"].startswith("config.")} == {str(path)}
    assert {f["line"] for f in findings if f["rule"].startswith("config.")} == {identity_line}
    human = CliRunner().invoke(app, ["validate", str(path)])
    assert human.exit_code == 2 and "Traceback" not in human.output
    assert "identityServer.license" in human.stdout and "license.json" in human.stdout


def test_a_bad_license_file_is_refused_without_quoting_it(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "stacks" / "idsvr-config", tmp_path / "idsvr-config")
    (tmp_path / "license.json").write_text(json.dumps({"Licence": LICENSE_TEXT}))
    path = stack(tmp_path, "    file: license.json\n")
    result = CliRunner().invoke(app, ["validate", str(path), "--json"])
    assert result.exit_code == 2
    (finding,) = [f for f in json.loads(result.stdout)["findings"] if f["level"] == "error"]
    assert (finding["rule"], finding["path"]) == ("config.license", "identityServer.license.file")
    assert finding["line"] == path.read_text().splitlines().index("    file: license.json") + 1
    assert "'License' member" in finding["message"]
    assert LICENSE_TEXT not in result.output


def test_a_license_file_that_does_not_exist_is_named(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "stacks" / "idsvr-config", tmp_path / "idsvr-config")
    path = stack(tmp_path, "    file: ../elsewhere/license.json\n")
    (finding,) = [f for f in validate(load_stack(path)) if f.is_error]
    assert finding.rule == "config.license"
    assert "elsewhere/license.json is not a file" in finding.message


def test_both_license_keys_are_a_schema_error(tmp_path: Path) -> None:
    path = stack(tmp_path, SECRET_LINE + "    file: license.json\n")
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code == 2
    assert "set exactly one of secretName and file" in result.output
    assert "Traceback" not in result.output


# --- the configuration directory ----------------------------------------------------------------


def test_subdirectories_are_read_recursively_in_sorted_order_and_hidden_ones_skipped(
    tmp_path: Path,
) -> None:
    directory = config_copy(tmp_path)
    (directory / "b" / "deep").mkdir(parents=True)
    (directory / "b" / "deep" / "z.xml").write_text("<config/>")
    (directory / "a").mkdir()
    (directory / "a" / "y.xml").write_text("<config/>")
    (directory / ".git").mkdir()
    (directory / ".git" / "x.xml").write_text("<config/>")
    (directory / "notes.txt").write_text("not configuration")
    listed = startup_xml(directory)
    assert listed == sorted(listed)
    assert {"a/y.xml", "b/deep/z.xml", "services.xml"} <= set(listed)
    assert not [p for p in listed if p.startswith(".git") or not p.endswith(".xml")]
    deployment = load_stack(stack(tmp_path, SECRET_LINE, config="config")).spec.deployments()[0]
    files = read_config_files(deployment, tmp_path)
    assert list(files) == listed
    assert files["b/deep/z.xml"] == "<config/>"


def test_files_in_subdirectories_reach_their_path_below_etc_init(tmp_path: Path) -> None:
    directory = config_copy(tmp_path)
    (directory / "procedures").mkdir()
    (directory / "procedures" / "extra.xml").write_text(
        '<config xmlns="http://tail-f.com/ns/config/1.0"/>'
    )
    path = stack(tmp_path, SECRET_LINE, config="config")
    assert not [f for f in validate(load_stack(path)) if f.is_error]
    plan = plan_stack(load_stack(path))
    (config_map,) = [
        r
        for r in resources(plan, "kubernetes:core/v1:ConfigMap")
        if r["inputs"]["metadata"]["name"] == "idsvr-config"
    ]
    assert "procedures__extra.xml" in config_map["inputs"]["data"]
    for template in node_pods(plan):
        (prepare,) = template["spec"]["initContainers"]
        script = prepare["command"][2]
        assert "mkdir -p /run/regionkit/init/procedures" in script
        assert (
            "cp /run/regionkit/config/procedures__extra.xml /run/regionkit/init/procedures/extra.xml"
            in script
        )


def test_the_license_in_the_configuration_directory_goes_to_a_secret_not_the_config_map(
    tmp_path: Path,
) -> None:
    directory = config_copy(tmp_path)
    (directory / "license").mkdir()
    (directory / "license" / "license.json").write_text(LICENSE_JSON)
    path = stack(tmp_path, None, config="config")
    assert not [f for f in validate(load_stack(path)) if f.is_error]
    plan = plan_stack(load_stack(path))
    assert LICENSE_TEXT not in json.dumps(plan)
    (config_map,) = [
        r
        for r in resources(plan, "kubernetes:core/v1:ConfigMap")
        if r["inputs"]["metadata"]["name"] == "idsvr-config"
    ]
    assert not [key for key in config_map["inputs"]["data"] if "license" in key]
    (secret,) = [
        r
        for r in resources(plan, "kubernetes:core/v1:Secret")
        if r["inputs"]["metadata"]["name"] == pods.LICENSE_SECRET
    ]
    assert secret["inputs"]["stringData"] == "[secret]"


# --- what the plan shows ------------------------------------------------------------------------


def test_a_license_file_becomes_a_secret_mounted_where_curity_reads_it(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "stacks" / "idsvr-config", tmp_path / "idsvr-config")
    (tmp_path / "secrets").mkdir()
    (tmp_path / "secrets" / "license.json").write_text(LICENSE_JSON)
    path = stack(tmp_path, "    file: secrets/license.json\n")
    plan = plan_stack(load_stack(path))
    assert LICENSE_TEXT not in json.dumps(plan)
    secrets = [
        r
        for r in resources(plan, "kubernetes:core/v1:Secret")
        if r["inputs"]["metadata"]["name"] == pods.LICENSE_SECRET
    ]
    assert [(s["region"], s["inputs"]["metadata"]["namespace"]) for s in secrets] == [
        ("home", "acme-id")
    ]
    assert secrets[0]["inputs"]["stringData"] == "[secret]"
    for template in node_pods(plan):
        _assert_license_mounted(template, pods.LICENSE_SECRET)
        assert len(template["metadata"]["annotations"][pods.LICENSE_HASH_ANNOTATION]) == 64


def test_an_existing_license_secret_is_mounted_and_regionkit_makes_none(tmp_path: Path) -> None:
    plan = example_plan(DEV)
    names = {r["inputs"]["metadata"]["name"] for r in resources(plan, "kubernetes:core/v1:Secret")}
    assert pods.LICENSE_SECRET not in names
    for template in node_pods(plan):
        _assert_license_mounted(template, "idsvr-license")
        assert pods.LICENSE_HASH_ANNOTATION not in template["metadata"]["annotations"]


def _assert_license_mounted(template: dict[str, Any], secret_name: str) -> None:
    spec = template["spec"]
    (volume,) = [v for v in spec["volumes"] if v["name"] == "license"]
    assert volume["secret"]["secretName"] == secret_name
    assert volume["secret"]["items"] == [{"key": idsvr.LICENSE_FILE, "path": idsvr.LICENSE_FILE}]
    (prepare,) = spec["initContainers"]
    (mount,) = [m for m in prepare["volumeMounts"] if m["name"] == "license"]
    assert mount["readOnly"] is True
    script = prepare["command"][2]
    copy = f"cp {mount['mountPath']}/license.json /run/regionkit/init/license/license.json"
    assert copy in script
    # the prepare container's output directory is the server's etc/init
    (server,) = spec["containers"]
    (init,) = [m for m in server["volumeMounts"] if m["name"] == "etc-init"]
    assert init["mountPath"] + "/license/license.json" == idsvr.LICENSE_PATH
    assert not [m for m in server["volumeMounts"] if m["name"] == "license"]


def test_an_unreadable_license_file_is_invalid_input_naming_the_key_not_the_text(
    tmp_path: Path,
) -> None:
    shutil.copytree(ROOT / "stacks" / "idsvr-config", tmp_path / "idsvr-config")
    (tmp_path / "license.json").write_bytes(b"\xff\xfe" + LICENSE_TEXT.encode())
    deployment = load_stack(stack(tmp_path, "    file: license.json\n")).spec.deployments()[0]
    # validate refuses it first (config.license), without quoting it
    findings = validate(load_stack(stack(tmp_path, "    file: license.json\n")))
    refused = [f for f in findings if f.rule == "config.license"]
    assert refused and all(LICENSE_TEXT not in f.message for f in refused)
    # a caller that skipped validation gets a programming error naming that check
    with pytest.raises(
        ValueError, match=r"identityServer\.license: cannot read.*config\.license"
    ) as caught:
        read_license_file(deployment, tmp_path)
    assert LICENSE_TEXT not in str(caught.value)


def test_the_license_never_shows_in_its_repr() -> None:
    license = pods.License.from_file(LICENSE_JSON)
    assert LICENSE_TEXT not in repr(license)
    assert license.secret_name == pods.LICENSE_SECRET
    assert pods.License(secret_name="idsvr-license").content_hash() is None
