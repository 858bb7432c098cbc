"""The config-sync CronJob of a passive region, recorded offline under the mock monitor."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import kubernetes_validate
import pulumi
import pulumi_kubernetes as k8s
import pytest

from regionkit.components.config_sync_job import ConfigSyncJob, ConfigSyncJobArgs, used_parameters
from regionkit.ops.config_sync import ENV
from regionkit.plan.recorder import Registration, record
from regionkit.plan.runner import plan_stack
from regionkit.spec.loader import load_stack
from regionkit.spec.models import ConfigSyncSpec, Deployment

STACKS = Path(__file__).resolve().parent.parent / "stacks"
KUBERNETES_VERSION = "1.33.0"


@pytest.fixture
def deployment() -> Deployment:
    [only] = load_stack(STACKS / "aws-ap.yaml").spec.deployments()
    assert only.config_sync is not None and only.passive_regions
    return only


def _record(deployment: Deployment, **overrides: Any) -> list[Registration]:
    region = deployment.passive_regions[0]

    def program() -> None:
        provider = k8s.Provider(region.id, kubeconfig="{}")
        values: dict[str, Any] = {
            "deployment": deployment,
            "region": region,
            "k8s_provider": provider,
            "namespace": "idsvr",
            "admin_service": pulumi.Output.from_input("acme-id-admin"),
            "admin_secret_name": "acme-id-idsvr",
            "admin_password_key": "ADMIN_PASSWORD",
            "ca_secret_name": "acme-id-admin-tls",
        }
        values.update(overrides)
        ConfigSyncJob("acme-id", ConfigSyncJobArgs(**values))

    return record(program, project="regionkit", stack="test")


def _one(registrations: list[Registration], type_: str, suffix: str = "") -> Registration:
    found = [r for r in registrations if r.type == type_ and r.name.endswith(suffix)]
    assert len(found) == 1, [r.name for r in registrations]
    return found[0]


def _container(cron: Registration) -> dict[str, Any]:
    [container] = cron.inputs["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"]
    return container


def _env(cron: Registration) -> dict[str, str]:
    return {e["name"]: e.get("value") for e in _container(cron)["env"]}


def test_cron_job_runs_config_sync_on_the_schedule(deployment: Deployment) -> None:
    registrations = _record(deployment)
    component = _one(registrations, "regionkit:ops:ConfigSyncJob")
    assert component.inputs == {"region": deployment.passive_regions[0].id}
    cron = _one(registrations, "kubernetes:batch/v1:CronJob")
    assert cron.parent == component.urn
    assert cron.name == f"acme-id-{deployment.passive_regions[0].id}-config-sync"
    spec = cron.inputs["spec"]
    assert deployment.config_sync is not None
    assert spec["schedule"] == deployment.config_sync.schedule
    assert spec["concurrencyPolicy"] == "Forbid"
    job = spec["jobTemplate"]["spec"]
    assert job["backoffLimit"] == 2 and job["activeDeadlineSeconds"] > 0
    container = _container(cron)
    assert container["image"] == deployment.config_sync.image
    assert container["command"] == ["regionkit", "config-sync"]
    env = _env(cron)
    assert env[ENV["repository"]] == deployment.config_sync.repository
    assert env[ENV["branch"]] == deployment.config_sync.branch
    assert env[ENV["path"]] == deployment.config_sync.path
    assert env[ENV["restconf_url"]] == "https://acme-id-admin.idsvr.svc:6749"
    assert env[ENV["auth_user"]] == "admin"
    assert env[ENV["state"]] == f"configmap:{deployment.name}-config-sync-state"
    # every child is in the passive region's cluster
    provider = _one(registrations, "pulumi:providers:kubernetes")
    children = [r for r in registrations if r.type.startswith("kubernetes:")]
    assert children and all(r.provider and r.provider.startswith(provider.urn) for r in children)


def test_the_admin_password_and_ca_are_mounted_files_from_secrets(deployment: Deployment) -> None:
    cron = _one(_record(deployment), "kubernetes:batch/v1:CronJob")
    pod = cron.inputs["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    volumes = {v["name"]: v for v in pod["volumes"]}
    assert volumes["admin"]["secret"]["secretName"] == "acme-id-idsvr"
    assert volumes["admin"]["secret"]["items"] == [{"key": "ADMIN_PASSWORD", "path": "password"}]
    assert volumes["ca"]["secret"] == {
        "secretName": "acme-id-admin-tls",
        "items": [{"key": "ca.crt", "path": "ca.crt"}],
        "defaultMode": 0o440,
    }
    mounts = {m["name"]: m["mountPath"] for m in _container(cron)["volumeMounts"]}
    env = _env(cron)
    assert env[ENV["password_file"]] == f"{mounts['admin']}/password"
    assert env[ENV["ca_file"]] == f"{mounts['ca']}/ca.crt"
    # no secret value travels in the environment, where git would inherit it
    assert not any("valueFrom" in e for e in _container(cron)["env"])
    assert "git" not in volumes and ENV["git_credentials_dir"] not in env


def test_git_credentials_are_mounted_when_configured(deployment: Deployment) -> None:
    assert deployment.config_sync is not None
    sync = deployment.config_sync.model_copy(update={"credentials_secret": "idsvr-config-git"})
    cron = _one(
        _record(deployment.model_copy(update={"config_sync": sync}), ca_secret_name=None),
        "kubernetes:batch/v1:CronJob",
    )
    pod = cron.inputs["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    volumes = {v["name"]: v for v in pod["volumes"]}
    assert volumes["git"]["secret"]["secretName"] == "idsvr-config-git"
    mounts = {m["name"]: m for m in _container(cron)["volumeMounts"]}
    assert mounts["git"]["readOnly"] is True
    assert _env(cron)[ENV["git_credentials_dir"]] == mounts["git"]["mountPath"]
    assert "ca" not in volumes and ENV["ca_file"] not in _env(cron)


def test_restricted_pod_security_with_a_writable_scratch_volume(deployment: Deployment) -> None:
    cron = _one(_record(deployment), "kubernetes:batch/v1:CronJob")
    pod = cron.inputs["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] == 10001
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    assert pod["restartPolicy"] == "Never"
    assert pod["serviceAccountName"] == f"{deployment.name}-config-sync"
    security = _container(cron)["securityContext"]
    assert security["readOnlyRootFilesystem"] is True
    assert security["allowPrivilegeEscalation"] is False
    assert security["capabilities"] == {"drop": ["ALL"]}
    scratch = next(v for v in pod["volumes"] if v["name"] == "scratch")
    assert "emptyDir" in scratch
    mount = next(m for m in _container(cron)["volumeMounts"] if m["name"] == "scratch")
    assert _env(cron)[ENV["work_dir"]] == mount["mountPath"] == _env(cron)["HOME"]


def test_rbac_allows_only_the_state_config_map(deployment: Deployment) -> None:
    registrations = _record(deployment)
    account = _one(registrations, "kubernetes:core/v1:ServiceAccount")
    role = _one(registrations, "kubernetes:rbac.authorization.k8s.io/v1:Role")
    binding = _one(registrations, "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding")
    assert account.inputs["metadata"]["name"] == f"{deployment.name}-config-sync"
    assert role.inputs["rules"] == [
        {
            "apiGroups": [""],
            "resources": ["configmaps"],
            "resourceNames": [f"{deployment.name}-config-sync-state"],
            "verbs": ["get", "update"],
        },
        {"apiGroups": [""], "resources": ["configmaps"], "verbs": ["create"]},
    ]
    assert binding.inputs["roleRef"] == {
        "apiGroup": "rbac.authorization.k8s.io",
        "kind": "Role",
        "name": role.inputs["metadata"]["name"],
    }
    assert binding.inputs["subjects"] == [
        {"kind": "ServiceAccount", "name": f"{deployment.name}-config-sync", "namespace": "idsvr"}
    ]
    assert all(r.inputs["metadata"]["namespace"] == "idsvr" for r in (account, role, binding))


def test_network_policies_open_only_what_the_job_needs(deployment: Deployment) -> None:
    registrations = _record(deployment, admin_pod_labels={"role": "admin"})
    policies = [r for r in registrations if r.type.endswith("NetworkPolicy")]
    by_name = {p.inputs["metadata"]["name"]: p.inputs["spec"] for p in policies}
    egress = by_name[f"{deployment.name}-config-sync-egress"]
    assert egress["policyTypes"] == ["Egress"]
    ports = [sorted(p["port"] for p in rule["ports"]) for rule in egress["egress"]]
    assert ports == [[53, 53], [6749], [443, 6443]]
    assert egress["egress"][1]["to"] == [{"podSelector": {"matchLabels": {"role": "admin"}}}]
    ingress = by_name[f"{deployment.name}-config-sync-to-admin"]
    assert ingress["podSelector"] == {"matchLabels": {"role": "admin"}}
    [rule] = ingress["ingress"]
    assert rule["ports"] == [{"protocol": "TCP", "port": 6749}]
    assert rule["from"][0]["podSelector"] == egress["podSelector"]
    # without the admin pods' labels only the job's own egress is opened
    without = _record(deployment)
    assert [r.inputs["metadata"]["name"] for r in without if r.type.endswith("NetworkPolicy")] == [
        f"{deployment.name}-config-sync-egress"
    ]


def test_every_object_is_a_valid_kubernetes_manifest(deployment: Deployment) -> None:
    registrations = _record(deployment, admin_pod_labels={"role": "admin"})
    objects = [r for r in registrations if r.type.startswith("kubernetes:")]
    assert len(objects) == 6
    for registration in objects:
        kubernetes_validate.validate(registration.inputs, KUBERNETES_VERSION, strict=True)


def test_a_deployment_without_config_sync_is_rejected(deployment: Deployment) -> None:
    with pytest.raises(ValueError, match="needs configSync"):
        _record(deployment.model_copy(update={"config_sync": None}))


def test_sub_cluster_objects_do_not_collide(deployment: Deployment) -> None:
    assert isinstance(deployment.config_sync, ConfigSyncSpec)
    sub = deployment.model_copy(update={"sub_cluster": "eu"})
    cron = _one(_record(sub), "kubernetes:batch/v1:CronJob")
    assert cron.inputs["metadata"]["name"] == f"{deployment.name}-eu-config-sync"
    assert _env(cron)[ENV["state"]] == f"configmap:{deployment.name}-eu-config-sync-state"


# --- parameters as files, the admin node's CA ---------------------------------------------------


def _pod(cron: Registration) -> dict[str, Any]:
    pod: dict[str, Any] = cron.inputs["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    return pod


def test_parameters_are_files_of_exactly_the_keys_the_configuration_uses(
    deployment: Deployment,
) -> None:
    used = ("LICENSE_KEY", "SSO_COOKIE_KEY")
    registrations = _record(
        deployment, parameter_secret_name="acme-id-idsvr", parameters=used, ca_secret_name=None
    )
    cron = _one(registrations, "kubernetes:batch/v1:CronJob")
    volumes = {v["name"]: v for v in _pod(cron)["volumes"]}
    [source] = volumes["parameters"]["projected"]["sources"]
    assert source["secret"] == {
        "name": "acme-id-idsvr",
        "items": [{"key": k, "path": k} for k in used],
    }
    mounts = {m["name"]: m for m in _container(cron)["volumeMounts"]}
    assert mounts["parameters"]["readOnly"] is True
    assert _env(cron)[ENV["parameters_dir"]] == mounts["parameters"]["mountPath"]
    # no value in the environment, where git and every other child would inherit it
    assert "envFrom" not in _container(cron)
    assert not any("valueFrom" in e for e in _container(cron)["env"])
    kubernetes_validate.validate(cron.inputs, KUBERNETES_VERSION, strict=True)


def test_without_parameters_the_directory_is_empty_not_the_environment(
    deployment: Deployment,
) -> None:
    cron = _one(_record(deployment), "kubernetes:batch/v1:CronJob")
    volumes = {v["name"]: v for v in _pod(cron)["volumes"]}
    assert "emptyDir" in volumes["parameters"] and "projected" not in volumes["parameters"]
    # the directory is always given, so the command never falls back to its environment
    assert _env(cron)[ENV["parameters_dir"]]
    with pytest.raises(ValueError, match="parameter_secret_name"):
        _record(deployment, parameters=("LICENSE_KEY",))


def test_used_parameters_are_those_the_configuration_names_and_the_secret_holds() -> None:
    files = {
        "a.xml": "<x>#{LICENSE_KEY}</x><y>#{ SSO_COOKIE_KEY }</y>",
        "b.xml": "<z>#{IDSVR_BASE_URL}</z><w>#{OPTIONAL|fallback}</w>",
    }
    held = ("ADMIN_PASSWORD", "LICENSE_KEY", "OPTIONAL", "SSO_COOKIE_KEY", "SIGNING_KEY_PEM")
    assert used_parameters(files, held) == ("LICENSE_KEY", "OPTIONAL", "SSO_COOKIE_KEY")
    assert used_parameters({}, held) == ()


def test_the_stack_s_job_trusts_the_generated_admin_ca_and_gets_only_used_parameters(
    tmp_path: Path,
) -> None:
    stacks = tmp_path / "stacks"
    shutil.copytree(STACKS / "idsvr-config-split", stacks / "idsvr-config-split")
    shutil.copy(STACKS / "aws-ap.yaml", stacks / "aws-ap.yaml")
    (stacks / "idsvr-config-split" / "zz-parameters.xml").write_text(
        '<config xmlns="http://tail-f.com/ns/config/1.0">'
        '<environments xmlns="https://curity.se/ns/conf/base"><environment><services><zones>'
        "<default-zone><symmetric-key>#{SSO_COOKIE_KEY}</symmetric-key></default-zone>"
        "</zones></services></environment></environments></config>\n"
    )
    plan = plan_stack(load_stack(stacks / "aws-ap.yaml"))
    [cron] = [r for r in plan["resources"] if r["type"] == "kubernetes:batch/v1:CronJob"]
    assert cron["region"] == "us-west"
    pod = cron["inputs"]["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    volumes = {v["name"]: v for v in pod["volumes"]}
    assert volumes["ca"]["secret"]["secretName"] == "idsvr-keys"
    assert volumes["ca"]["secret"]["items"] == [{"key": "ADMIN_TLS_CA_PEM", "path": "ca.crt"}]
    [source] = volumes["parameters"]["projected"]["sources"]
    assert source["secret"]["items"] == [{"key": "SSO_COOKIE_KEY", "path": "SSO_COOKIE_KEY"}]
    [container] = pod["containers"]
    env = {e["name"]: e.get("value") for e in container["env"]}
    assert env[ENV["ca_file"]].endswith("/ca.crt")
    # the admin node serves the certificate that CA signed, from the same Secret
    admins = [
        r
        for r in plan["resources"]
        if r["type"] == "kubernetes:apps/v1:Deployment" and r["name"].endswith("-admin")
    ]
    assert len(admins) == 2
    for admin in admins:
        admin_volumes = {
            v["name"]: v for v in admin["inputs"]["spec"]["template"]["spec"]["volumes"]
        }
        assert admin_volumes["admin-tls"]["secret"]["items"] == [
            {"key": "ADMIN_TLS_KEY_PEM", "path": "tls.key"},
            {"key": "ADMIN_TLS_CERT_PEM", "path": "tls.crt"},
        ]
        [prepare] = admin["inputs"]["spec"]["template"]["spec"]["initContainers"]
        script = prepare["command"][-1]
        assert "regionkit-admin-tls.xml" in script and "<ssl-server-keystore>" in script
