"""The config-sync CronJob of a passive region, recorded offline under the mock monitor."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import kubernetes_validate
import pulumi
import pulumi_kubernetes as k8s
import pytest

from regionkit.components.config_sync_job import ConfigSyncJob, ConfigSyncJobArgs
from regionkit.ops.config_sync import ENV
from regionkit.plan.recorder import Registration, record
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
