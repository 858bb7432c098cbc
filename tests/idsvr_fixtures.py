"""Programs that build the identity server of `stacks/dev.yaml` under mocks, for the tests of
the identity server, its network policies, its gateway and the shared keys."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pulumi

import regionkit.plan.mocks_k8s  # noqa: F401  (registers the Gateway and key mocks)
from regionkit.components.data.external import External
from regionkit.components.facts import WorkloadIdentity
from regionkit.components.identity_server import IdentityServer, IdentityServerArgs
from regionkit.components.platform.kubernetes import ExistingCluster
from regionkit.components.protocols import (
    DataConnection,
    EgressRule,
    PlatformArgs,
    StoreArgs,
)
from regionkit.components.shared_keys import SharedKeys, SharedKeysArgs
from regionkit.model import store_groups
from regionkit.plan.recorder import PlanMocks, Registration, record, reveal
from regionkit.spec.loader import load_stack, load_stack_text
from regionkit.spec.models import Deployment, Engine

ROOT = Path(__file__).resolve().parent.parent
DEV = ROOT / "stacks" / "dev.yaml"
CONFIG_DIR = ROOT / "stacks" / "idsvr-config"

TWO_REGIONS = """
apiVersion: regionkit/v1
name: acme-id
topology: global-cluster
identityServer:
  image: curity.azurecr.io/curity/idsvr:11.2
  admin: {allowedCidrs: [10.0.0.0/8]}
dns: {provider: route53, zone: example.com, hostname: login.example.com}
data:
  tokens: {engine: external, scope: region, connection: {secretName: idsvr-db}}
  accounts: {engine: external, scope: region, connection: {secretName: idsvr-db}}
  audit: {engine: external, scope: region, connection: {secretName: idsvr-db}}
regions:
  - {id: one, cloud: kubernetes, location: dc-1, jurisdiction: SE,
     cluster: {kubeconfigContext: one, gatewayClass: eg}}
  - {id: two, cloud: aws, location: eu-west-1, jurisdiction: SE,
     cluster: {kubeconfigContext: two, gatewayClass: eg}}
"""


def dev_deployment() -> Deployment:
    return load_stack(DEV).spec.deployments()[0]


def two_region_deployment() -> Deployment:
    return load_stack_text(TWO_REGIONS).spec.deployments()[0]


def example_config() -> dict[str, str]:
    return {p.name: p.read_text() for p in sorted(CONFIG_DIR.glob("*.xml"))}


def cnpg_connection() -> DataConnection:
    """What the cnpg store gives a region (its contract), without running that component."""
    return DataConnection(
        engine=Engine.CNPG,
        data_classes=("tokens", "accounts"),
        data_source_id="tokens-accounts",
        env={"JDBC_URL": "jdbc:postgresql://idsvr-db-rw.acme-id-db:5432/idsvr"},
        secret_env={
            "DB_USERNAME": pulumi.Output.secret("idsvr"),
            "DB_PASSWORD": pulumi.Output.secret("not-a-real-password"),
        },
        egress=(
            EgressRule(
                port=5432, pod_selector={"cnpg.io/cluster": "idsvr-db"}, namespace="acme-id-db"
            ),
        ),
        identity=WorkloadIdentity("idsvr@acme-prod.iam.gserviceaccount.com"),
    )


Built = dict[str, Any]


def build(
    deployment: Deployment | None = None,
    *,
    config: dict[str, str] | None = None,
    extra: Callable[[], tuple[DataConnection, ...]] | None = None,
    mocks: PlanMocks | None = None,
    probe: Callable[[Built], None] | None = None,
    region_in_name: bool = False,
    **idsvr_options: Any,
) -> tuple[list[Registration], Built]:
    """Record SharedKeys + ExistingCluster + External + IdentityServer for every region.

    Without arguments: `stacks/dev.yaml` with its example configuration, the external audit
    store and a cnpg connection for tokens and accounts. `extra` makes more connections (inside
    the program, where Outputs can be made); `probe` runs inside the program once everything
    is built.
    """
    if deployment is None:
        deployment = dev_deployment()
        extra = extra or (lambda: (cnpg_connection(),))
    built: Built = {}

    def program() -> Any:
        keys = SharedKeys(f"{deployment.name}-keys", SharedKeysArgs(deployment))
        platforms = {
            r.id: ExistingCluster(
                f"{deployment.name}-platform", PlatformArgs(deployment, r)
            ).platform
            for r in deployment.regions
        }
        stores = [
            External(
                f"{deployment.name}-{'-'.join(g.data_classes)}", StoreArgs(deployment, g, platforms)
            )
            for g in store_groups(deployment)
            if g.engine is Engine.EXTERNAL
        ]
        servers = {}
        for rid, platform in platforms.items():
            data = (*(extra() if extra else ()), *(s.connection(rid) for s in stores))
            servers[rid] = IdentityServer(
                f"{deployment.name}-{rid}" if region_in_name else deployment.name,
                IdentityServerArgs(
                    deployment=deployment,
                    platform=platform,
                    keys=keys,
                    data=data,
                    config_files=example_config() if config is None else config,
                    **idsvr_options,
                ),
            )
        built.update(keys=keys, platforms=platforms, servers=servers)
        if probe is not None:
            probe(built)
        return pulumi.Output.all(*(s.endpoint.address for s in servers.values())).apply(
            lambda addresses: built.update(addresses=addresses)
        )

    return record(program, project=deployment.name, stack="dev", mocks=mocks), built


def of_type(registrations: list[Registration], type_: str) -> list[Registration]:
    return [r for r in registrations if r.type == type_]


def one(registrations: list[Registration], type_: str, name: str) -> Registration:
    matches = [r for r in registrations if r.type == type_ and r.inputs["metadata"]["name"] == name]
    assert len(matches) == 1, f"{len(matches)} {type_} named {name}"
    return matches[0]


class CapturingMocks(PlanMocks):
    """PlanMocks that also keep every resource's revealed inputs, by resource name."""

    def __init__(self) -> None:
        self.inputs: dict[str, dict[str, Any]] = {}

    def new_resource(self, args: Any) -> tuple[str | None, dict[str, Any]]:
        self.inputs[args.name] = reveal(args.inputs)
        return super().new_resource(args)
