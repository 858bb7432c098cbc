"""One registry per variation point: every catalogued engine, cloud and DNS provider has an
implementation, loaded only when a stack uses it."""

from __future__ import annotations

import inspect
import json
import subprocess
import sys
import textwrap
from typing import Any

import pulumi
import pytest

from regionkit.catalog.engines import ENGINES
from regionkit.components.data import STORES
from regionkit.components.data.base import MultiRegionStore
from regionkit.components.gslb import GSLB
from regionkit.components.gslb.global_hostname import GEO_RECORDS
from regionkit.components.platform import PLATFORMS, PlatformKind, platform_kind
from regionkit.components.protocols import CnpgOperatorArgs
from regionkit.components.settings import StackSettings
from regionkit.errors import InvalidInput
from regionkit.model import resolve
from regionkit.program import read_settings
from regionkit.spec import load_stack_text
from regionkit.spec.models import Cloud, DnsProvider, Engine
from regionkit.topologies import DEPLOYABLE, TopologyArgs
from regionkit.topologies.base import _cnpg_operators
from tests.aws_fixtures import run, sink, sunk
from tests.idsvr_fixtures import DEV, dev_deployment


@pytest.mark.parametrize("engine", list(ENGINES))
def test_every_catalogued_engine_has_a_store(engine: Engine) -> None:
    store = STORES[engine].load()
    assert inspect.isclass(store) and issubclass(store, MultiRegionStore)
    assert store.TOKEN.startswith("regionkit:data:")


def test_the_store_registry_holds_exactly_the_catalogued_engines() -> None:
    assert set(STORES) == set(ENGINES) == set(Engine)


def _region(cloud: Cloud, context: str | None) -> Any:
    cluster = f", cluster: {{kubeconfigContext: {context}, gatewayClass: eg}}" if context else ""
    location = {"aws": "us-east-1", "gcp": "us-east4", "kubernetes": "dc-1"}[cloud.value]
    text = (
        "apiVersion: regionkit/v1\nname: acme-id\ntopology: single-region\n"
        "dns: {provider: route53, zone: example.com, hostname: login.example.com}\n"
        f"regions:\n  - {{id: home, cloud: {cloud.value}, location: {location}, "
        f"jurisdiction: US{cluster}}}\n"
    )
    return load_stack_text(text).spec.deployments()[0].regions[0]


@pytest.mark.parametrize("cloud", list(Cloud))
def test_every_cloud_has_a_platform(cloud: Cloud) -> None:
    # an existing cluster runs anywhere; a created one on the clouds regionkit creates on
    assert platform_kind(_region(cloud, "ctx")) is PlatformKind.EXISTING_CLUSTER
    if cloud is Cloud.KUBERNETES:
        region = _region(cloud, "ctx").model_copy(
            update={
                "cluster": _region(cloud, "ctx").cluster.model_copy(
                    update={"kubeconfig_context": None}
                )
            }
        )
        with pytest.raises(ValueError, match=r"needs cluster\.kubeconfigContext"):
            platform_kind(region)
    else:
        kind = platform_kind(_region(cloud, None))
        assert kind is {Cloud.AWS: PlatformKind.EKS, Cloud.GCP: PlatformKind.GKE}[cloud]


@pytest.mark.parametrize("kind", list(PlatformKind))
def test_every_platform_kind_loads_a_component(kind: PlatformKind) -> None:
    platform = PLATFORMS[kind].load()
    assert issubclass(platform, pulumi.ComponentResource)  # type: ignore[arg-type]


@pytest.mark.parametrize("provider", list(DnsProvider))
def test_every_dns_provider_has_a_gslb_and_global_hostname_records(
    provider: DnsProvider,
) -> None:
    gslb = GSLB[provider].load()
    assert issubclass(gslb, pulumi.ComponentResource)  # type: ignore[arg-type]
    assert callable(GEO_RECORDS[provider].load())


LAZY = """
import sys
from regionkit.components.data import store_for
from regionkit.components.gslb import gslb_for
from regionkit.components.platform import PLATFORMS, PlatformKind
from regionkit.spec.models import DnsProvider, Engine
PLATFORMS[PlatformKind.{platform}].load()
store_for(Engine.{engine})
gslb_for(DnsProvider.{dns})
print(json.dumps(sorted(m for m in ("pulumi_aws", "pulumi_gcp") if m in sys.modules)))
"""


@pytest.mark.parametrize(
    ("platform", "engine", "dns", "loaded"),
    [
        ("GKE", "SPANNER", "CLOUD_DNS", ["pulumi_gcp"]),
        ("EKS", "DYNAMODB", "ROUTE53", ["pulumi_aws"]),
        ("EXISTING_CLUSTER", "CNPG", "ROUTE53", ["pulumi_aws"]),
    ],
)
def test_a_stack_on_one_cloud_never_imports_another_clouds_sdk(
    platform: str, engine: str, dns: str, loaded: list[str]
) -> None:
    code = "import json\n" + textwrap.dedent(LAZY).format(platform=platform, engine=engine, dns=dns)
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert json.loads(out) == loaded


def test_the_platform_adopts_the_operator_the_first_cnpg_store_installed() -> None:
    """The alias names the release where it was registered before platforms owned it."""
    deployment = dev_deployment()
    found: dict[str, CnpgOperatorArgs] = {}

    def program() -> None:
        topology = DEPLOYABLE[deployment.topology](
            deployment.name, TopologyArgs(deployment, config_dir=DEV.parent, validate=False)
        )
        found.update(_cnpg_operators(deployment.name, resolve(deployment).store_groups, topology))
        sink("previous-parent", found["home"].previous_parent)

    regs = run(program)
    (scope,) = [r for r in regs if r.type == "regionkit:data:CnpgRegion"]
    # the store's region scope is unchanged: the alias names it by its full URN (the type
    # chain from the stack down), where the mock monitor records only the last two types
    chain = "pulumi:pulumi:Stack$regionkit:topology:SingleRegion$regionkit:data:Cnpg"
    assert sunk(regs, "previous-parent") == (
        f"urn:pulumi:test::regionkit-test::{chain}$regionkit:data:CnpgRegion::{scope.name}"
    )
    assert scope.urn.endswith(f"regionkit:data:Cnpg$regionkit:data:CnpgRegion::{scope.name}")
    assert found["home"].previous_name == f"{scope.name}-cnpg-operator"
    (release,) = [
        r
        for r in regs
        if r.type == "kubernetes:helm.sh/v3:Release" and r.inputs["chart"] == "cloudnative-pg"
    ]
    assert release.parent is not None and "regionkit:platform:ExistingCluster" in release.parent


SETTINGS_STACK = """\
apiVersion: regionkit/v1
name: acme-id
topology: active-passive
clouds: {gcp: {project: acme-prod}}
dns: {provider: route53, zone: example.com, hostname: login.example.com}
data:
  tokens: {engine: cnpg, scope: global}
  accounts: {engine: cnpg, scope: global}
  audit: {engine: cnpg, scope: global}
regions:
  - id: home
    cloud: kubernetes
    location: dc1
    jurisdiction: SE
    cluster: {kubeconfigContext: dc1, gatewayClass: eg}
    backups:
      destinationPath: s3://home-backups/
      credentials: {accessKeyIdEnv: HOME_KEY_ID, secretAccessKeyEnv: HOME_SECRET}
  - {id: away, cloud: kubernetes, location: dc2, jurisdiction: SE, role: passive,
     cluster: {kubeconfigContext: dc2, gatewayClass: eg}}
"""


def test_the_program_reads_the_settings_components_take() -> None:
    spec = load_stack_text(SETTINGS_STACK).spec
    environ = {"HOME_KEY_ID": "k", "HOME_SECRET": "s"}
    seen: list[StackSettings] = []

    def program() -> None:
        settings = read_settings(spec, environ, required=True)
        seen.append(settings)
        sink("secret", settings.cnpg_backups["home"].secret_access_key)

    regs = run(program)
    (settings,) = seen
    assert settings.gcp_project == "acme-prod"
    assert settings.cnpg_backups["home"].destination_path == "s3://home-backups/"
    assert sunk(regs, "secret") == "[secret]"


def test_an_unset_key_variable_names_the_stack_file_key() -> None:
    spec = load_stack_text(SETTINGS_STACK).spec
    with pytest.raises(
        InvalidInput, match=r"regions\[0\]\.backups\.credentials\.secretAccessKeyEnv: HOME_SECRET"
    ):
        run(lambda: read_settings(spec, {"HOME_KEY_ID": "k"}, required=True))
