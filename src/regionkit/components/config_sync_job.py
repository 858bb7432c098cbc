"""The CronJob that keeps a region's admin node at the configuration repository.

Runs `regionkit config-sync` (src/regionkit/ops/config_sync.py) on `configSync.schedule`. The
job reaches the admin node through its Service on 6749 with the `admin` password of the
identity server's Secret, mounted as a file (never an environment variable, which every child
process such as git would inherit), verifies the admin node's certificate against the CA that
signed it (mounted from its Secret), and remembers the last applied hash in one ConfigMap that
its Role may read and write. The `#{PARAMETER}` values the configuration uses, and only those,
are files of a projected Secret volume. Options travel as `REGIONKIT_*` environment variables,
which the command reads for every flag not given, so the job does not depend on flag spelling;
none of them is a secret.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import ClassVar

import pulumi
import pulumi_kubernetes as k8s

from regionkit.catalog.idsvr import ADMIN_PORT
from regionkit.model import type_token
from regionkit.ops.config_sync import ENV
from regionkit.ops.curity_xml import PARAMETER
from regionkit.spec.models import ConfigSyncSpec, Deployment, RegionSpec

#: the job image's user (Dockerfile); any non-root id works with a read-only root filesystem
RUN_AS_USER = 10001
ADMIN_SECRET_DIR = "/var/run/regionkit/admin"
CA_DIR = "/var/run/regionkit/ca"
PARAMETERS_DIR = "/var/run/regionkit/parameters"
GIT_CREDENTIALS_DIR = "/var/run/regionkit/git"
SCRATCH_DIR = "/tmp"
#: a sync is a clone and one PATCH; anything longer is stuck and blocks the next run (Forbid)
ACTIVE_DEADLINE_SECONDS = 600
BACKOFF_LIMIT = 2
#: the pod's own retries are few: the command already retries the admin node with backoff
RESTCONF_ATTEMPTS = 5


@dataclass(frozen=True)
class ConfigSyncJobArgs:
    deployment: Deployment
    region: RegionSpec
    k8s_provider: k8s.Provider
    namespace: pulumi.Input[str]
    #: the admin node's Service (in `namespace`), reached as https://<svc>.<ns>.svc:6749
    admin_service: pulumi.Input[str]
    #: the identity server's Secret holding the admin password
    admin_secret_name: pulumi.Input[str]
    admin_password_key: str
    #: a Secret with the CA of the admin node's TLS certificate; None trusts the system CAs
    ca_secret_name: pulumi.Input[str] | None = None
    ca_key: str = "ca.crt"
    admin_user: str = "admin"
    #: labels of the admin pods: with them, NetworkPolicies let the job reach 6749 only there
    admin_pod_labels: dict[str, str] | None = None
    #: the Secret whose keys resolve the configuration's `#{PARAMETER}`s (as on the admin node)
    parameter_secret_name: pulumi.Input[str] | None = None
    #: the keys of that Secret the configuration uses (`used_parameters`): each one, and no
    #: other, is a file of the job's parameters directory
    parameters: tuple[str, ...] = ()


class ConfigSyncJob(pulumi.ComponentResource):
    """ServiceAccount, Role, RoleBinding, NetworkPolicies and the CronJob of one region."""

    TOKEN: ClassVar[str] = type_token("ops", "ConfigSyncJob")

    #: the CronJob's Kubernetes name
    cron_job_name: pulumi.Output[str]
    #: the ConfigMap holding the last applied hash (made by the job on its first success)
    state_config_map: pulumi.Output[str]

    def __init__(
        self, name: str, args: ConfigSyncJobArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        sync = args.deployment.config_sync
        if sync is None:
            raise ValueError(
                f"region {args.region.id!r}: a config-sync job needs configSync "
                "(repository, branch, schedule) in the stack file"
            )
        if args.region.id not in {r.id for r in args.deployment.regions}:
            raise ValueError(f"region {args.region.id!r} is not a region of this deployment")
        if args.parameters and args.parameter_secret_name is None:
            raise ValueError("parameters need the Secret they come from (parameter_secret_name)")
        super().__init__(self.TOKEN, name, {"region": args.region.id}, opts)

        rid = args.region.id
        base = object_name(args.deployment)
        state_name = f"{base}-state"
        labels = {
            "app.kubernetes.io/name": "regionkit-config-sync",
            "app.kubernetes.io/part-of": "regionkit",
            "app.kubernetes.io/component": "config-sync",
            "regionkit.io/region": rid,
        }
        child = pulumi.ResourceOptions(parent=self, provider=args.k8s_provider)

        metadata = k8s.meta.v1.ObjectMetaArgs(name=base, namespace=args.namespace, labels=labels)
        rbac = self._rbac(f"{name}-{rid}-config-sync", base, state_name, metadata, args, child)
        policies = self._network_policies(name, rid, base, labels, args, child)

        restconf_url = pulumi.Output.concat(
            "https://", args.admin_service, ".", args.namespace, f".svc:{ADMIN_PORT}"
        )
        volumes, mounts, env = _files_and_env(args, sync, restconf_url, state_name)
        cron = k8s.batch.v1.CronJob(
            f"{name}-{rid}-config-sync",
            metadata=metadata,
            spec=k8s.batch.v1.CronJobSpecArgs(
                schedule=sync.schedule,
                time_zone="Etc/UTC",
                concurrency_policy="Forbid",
                starting_deadline_seconds=300,
                successful_jobs_history_limit=3,
                failed_jobs_history_limit=3,
                job_template=k8s.batch.v1.JobTemplateSpecArgs(
                    metadata=k8s.meta.v1.ObjectMetaArgs(labels=labels),
                    spec=k8s.batch.v1.JobSpecArgs(
                        backoff_limit=BACKOFF_LIMIT,
                        active_deadline_seconds=ACTIVE_DEADLINE_SECONDS,
                        template=k8s.core.v1.PodTemplateSpecArgs(
                            metadata=k8s.meta.v1.ObjectMetaArgs(labels=labels),
                            spec=_pod_spec(args, sync, base, volumes, mounts, env),
                        ),
                    ),
                ),
            ),
            opts=pulumi.ResourceOptions(
                parent=self, provider=args.k8s_provider, depends_on=[*rbac, *policies]
            ),
        )

        self.cron_job_name = cron.metadata.apply(lambda m: m.name or base)
        self.state_config_map = pulumi.Output.from_input(state_name)
        self.register_outputs(
            {"cronJobName": self.cron_job_name, "stateConfigMap": self.state_config_map}
        )

    @staticmethod
    def _rbac(
        resource_name: str,
        base: str,
        state_name: str,
        metadata: k8s.meta.v1.ObjectMetaArgs,
        args: ConfigSyncJobArgs,
        child: pulumi.ResourceOptions,
    ) -> list[pulumi.Resource]:
        """The job's ServiceAccount, and a Role on the state ConfigMap only, bound to it."""
        account = k8s.core.v1.ServiceAccount(
            resource_name,
            metadata=metadata,
            # the token is what reads and writes the state ConfigMap
            automount_service_account_token=True,
            opts=child,
        )
        role = k8s.rbac.v1.Role(
            resource_name,
            metadata=metadata,
            rules=[
                k8s.rbac.v1.PolicyRuleArgs(
                    api_groups=[""],
                    resources=["configmaps"],
                    resource_names=[state_name],
                    verbs=["get", "update"],
                ),
                # Kubernetes authorizes `create` before the object has a name, so it cannot be
                # limited by resourceNames; the job creates only `state_name`
                k8s.rbac.v1.PolicyRuleArgs(
                    api_groups=[""], resources=["configmaps"], verbs=["create"]
                ),
            ],
            opts=child,
        )
        binding = k8s.rbac.v1.RoleBinding(
            resource_name,
            metadata=metadata,
            role_ref=k8s.rbac.v1.RoleRefArgs(
                api_group="rbac.authorization.k8s.io", kind="Role", name=base
            ),
            subjects=[
                k8s.rbac.v1.SubjectArgs(kind="ServiceAccount", name=base, namespace=args.namespace)
            ],
            opts=child,
        )
        return [account, role, binding]

    def _network_policies(
        self,
        name: str,
        rid: str,
        base: str,
        labels: dict[str, str],
        args: ConfigSyncJobArgs,
        child: pulumi.ResourceOptions,
    ) -> list[k8s.networking.v1.NetworkPolicy]:
        """Egress for the job under the namespace's default deny; ingress to the admin node.

        Port 443 (and 6443) to anywhere: the git host over HTTPS and the Kubernetes API.
        """
        selector = k8s.meta.v1.LabelSelectorArgs(match_labels=labels)
        admin = k8s.meta.v1.LabelSelectorArgs(match_labels=args.admin_pod_labels or {})
        tcp = [k8s.networking.v1.NetworkPolicyPortArgs(protocol="TCP", port=p) for p in (443, 6443)]
        dns = [
            k8s.networking.v1.NetworkPolicyPortArgs(protocol=proto, port=53)
            for proto in ("UDP", "TCP")
        ]
        egress = k8s.networking.v1.NetworkPolicy(
            f"{name}-{rid}-config-sync-egress",
            metadata=k8s.meta.v1.ObjectMetaArgs(
                name=f"{base}-egress", namespace=args.namespace, labels=labels
            ),
            spec=k8s.networking.v1.NetworkPolicySpecArgs(
                pod_selector=selector,
                policy_types=["Egress"],
                egress=[
                    k8s.networking.v1.NetworkPolicyEgressRuleArgs(ports=dns),
                    k8s.networking.v1.NetworkPolicyEgressRuleArgs(
                        to=[k8s.networking.v1.NetworkPolicyPeerArgs(pod_selector=admin)],
                        ports=[
                            k8s.networking.v1.NetworkPolicyPortArgs(protocol="TCP", port=ADMIN_PORT)
                        ],
                    ),
                    k8s.networking.v1.NetworkPolicyEgressRuleArgs(ports=tcp),
                ],
            ),
            opts=child,
        )
        if not args.admin_pod_labels:
            return [egress]
        ingress = k8s.networking.v1.NetworkPolicy(
            f"{name}-{rid}-config-sync-admin",
            metadata=k8s.meta.v1.ObjectMetaArgs(
                name=f"{base}-to-admin", namespace=args.namespace, labels=labels
            ),
            spec=k8s.networking.v1.NetworkPolicySpecArgs(
                pod_selector=admin,
                policy_types=["Ingress"],
                ingress=[
                    k8s.networking.v1.NetworkPolicyIngressRuleArgs(
                        from_=[k8s.networking.v1.NetworkPolicyPeerArgs(pod_selector=selector)],
                        ports=[
                            k8s.networking.v1.NetworkPolicyPortArgs(protocol="TCP", port=ADMIN_PORT)
                        ],
                    )
                ],
            ),
            opts=child,
        )
        return [egress, ingress]


def object_name(deployment: Deployment) -> str:
    """Kubernetes name of the job's objects: unique per deployment (and sub-cluster)."""
    parts = [deployment.name, deployment.sub_cluster, "config-sync"]
    return "-".join(p for p in parts if p)


def used_parameters(config_files: Mapping[str, str], available: Iterable[str]) -> tuple[str, ...]:
    """The `#{PARAMETER}`s the configuration names that `available` (a Secret's keys) holds."""
    named = {m.group(1) for text in config_files.values() for m in PARAMETER.finditer(text)}
    return tuple(sorted(named & set(available)))


def _parameters_volume(args: ConfigSyncJobArgs) -> k8s.core.v1.VolumeArgs:
    """Exactly the parameters the configuration uses, as files; an empty directory if none."""
    if not args.parameters:
        return k8s.core.v1.VolumeArgs(
            name="parameters",
            empty_dir=k8s.core.v1.EmptyDirVolumeSourceArgs(medium="Memory", size_limit="1Mi"),
        )
    return k8s.core.v1.VolumeArgs(
        name="parameters",
        projected=k8s.core.v1.ProjectedVolumeSourceArgs(
            default_mode=0o440,
            sources=[
                k8s.core.v1.VolumeProjectionArgs(
                    secret=k8s.core.v1.SecretProjectionArgs(
                        name=args.parameter_secret_name,
                        items=[k8s.core.v1.KeyToPathArgs(key=k, path=k) for k in args.parameters],
                    )
                )
            ],
        ),
    )


def _files_and_env(
    args: ConfigSyncJobArgs,
    sync: ConfigSyncSpec,
    restconf_url: pulumi.Output[str],
    state_name: str,
) -> tuple[
    list[k8s.core.v1.VolumeArgs], list[k8s.core.v1.VolumeMountArgs], list[k8s.core.v1.EnvVarArgs]
]:
    read_only = 0o440
    volumes = [
        k8s.core.v1.VolumeArgs(
            name="scratch", empty_dir=k8s.core.v1.EmptyDirVolumeSourceArgs(size_limit="256Mi")
        ),
        k8s.core.v1.VolumeArgs(
            name="admin",
            secret=k8s.core.v1.SecretVolumeSourceArgs(
                secret_name=args.admin_secret_name,
                items=[k8s.core.v1.KeyToPathArgs(key=args.admin_password_key, path="password")],
                default_mode=read_only,
            ),
        ),
    ]
    volumes.append(_parameters_volume(args))
    mounts = [
        k8s.core.v1.VolumeMountArgs(name="scratch", mount_path=SCRATCH_DIR),
        k8s.core.v1.VolumeMountArgs(name="admin", mount_path=ADMIN_SECRET_DIR, read_only=True),
        k8s.core.v1.VolumeMountArgs(name="parameters", mount_path=PARAMETERS_DIR, read_only=True),
    ]
    values: dict[str, pulumi.Input[str]] = {
        ENV["repository"]: sync.repository,
        ENV["branch"]: sync.branch,
        ENV["path"]: sync.path,
        ENV["restconf_url"]: restconf_url,
        ENV["auth_user"]: args.admin_user,
        ENV["password_file"]: f"{ADMIN_SECRET_DIR}/password",
        ENV["state"]: f"configmap:{state_name}",
        ENV["attempts"]: str(RESTCONF_ATTEMPTS),
        ENV["work_dir"]: SCRATCH_DIR,
        ENV["parameters_dir"]: PARAMETERS_DIR,
        "HOME": SCRATCH_DIR,
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    if args.ca_secret_name:
        volumes.append(
            k8s.core.v1.VolumeArgs(
                name="ca",
                secret=k8s.core.v1.SecretVolumeSourceArgs(
                    secret_name=args.ca_secret_name,
                    items=[k8s.core.v1.KeyToPathArgs(key=args.ca_key, path="ca.crt")],
                    default_mode=read_only,
                ),
            )
        )
        mounts.append(k8s.core.v1.VolumeMountArgs(name="ca", mount_path=CA_DIR, read_only=True))
        values[ENV["ca_file"]] = f"{CA_DIR}/ca.crt"
    if sync.credentials_secret:
        volumes.append(
            k8s.core.v1.VolumeArgs(
                name="git",
                secret=k8s.core.v1.SecretVolumeSourceArgs(
                    secret_name=sync.credentials_secret, default_mode=read_only
                ),
            )
        )
        mounts.append(
            k8s.core.v1.VolumeMountArgs(name="git", mount_path=GIT_CREDENTIALS_DIR, read_only=True)
        )
        values[ENV["git_credentials_dir"]] = GIT_CREDENTIALS_DIR
    env = [k8s.core.v1.EnvVarArgs(name=key, value=value) for key, value in values.items()]
    return volumes, mounts, env


def _pod_spec(
    args: ConfigSyncJobArgs,
    sync: ConfigSyncSpec,
    account: str,
    volumes: list[k8s.core.v1.VolumeArgs],
    mounts: list[k8s.core.v1.VolumeMountArgs],
    env: list[k8s.core.v1.EnvVarArgs],
) -> k8s.core.v1.PodSpecArgs:
    return k8s.core.v1.PodSpecArgs(
        service_account_name=account,
        restart_policy="Never",
        # service links would add every Service of the namespace to the parameter environment
        enable_service_links=False,
        security_context=k8s.core.v1.PodSecurityContextArgs(
            run_as_non_root=True,
            run_as_user=RUN_AS_USER,
            run_as_group=RUN_AS_USER,
            fs_group=RUN_AS_USER,
            seccomp_profile=k8s.core.v1.SeccompProfileArgs(type="RuntimeDefault"),
        ),
        containers=[
            k8s.core.v1.ContainerArgs(
                name="config-sync",
                image=sync.image,
                command=["regionkit", "config-sync"],
                env=env,
                volume_mounts=mounts,
                resources=k8s.core.v1.ResourceRequirementsArgs(
                    requests={"cpu": "50m", "memory": "128Mi"},
                    limits={"cpu": "500m", "memory": "256Mi"},
                ),
                security_context=k8s.core.v1.SecurityContextArgs(
                    allow_privilege_escalation=False,
                    read_only_root_filesystem=True,
                    run_as_non_root=True,
                    capabilities=k8s.core.v1.CapabilitiesArgs(drop=["ALL"]),
                ),
            )
        ],
        volumes=volumes,
    )
