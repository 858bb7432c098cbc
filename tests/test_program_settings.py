"""The program turns the stack file's references (environment variable names) into what the
components take; the offline plan needs none of their values."""

from __future__ import annotations

from pathlib import Path

import pytest

from regionkit.errors import InvalidInput
from regionkit.plan.recorder import record
from regionkit.plan.runner import plan_stack
from regionkit.program import stack_program
from regionkit.spec import load_stack_text

STACK = """\
apiVersion: regionkit/v1
name: acme-id
topology: active-passive
dns: {provider: route53, zone: example.com, hostname: login.example.com}
data:
  tokens: {engine: cnpg, scope: global}
  accounts: {engine: cnpg, scope: global}
  audit: {engine: cnpg, scope: global}
regions:
  - id: dc1
    cloud: kubernetes
    location: dc1
    jurisdiction: SE
    cluster: {kubeconfigContext: dc1, gatewayClass: eg}
    backups:
      destinationPath: s3://dc1-backups/idsvr
      endpointUrl: https://minio.dc1.example:9000
      credentials: {accessKeyIdEnv: DC1_KEY_ID, secretAccessKeyEnv: DC1_SECRET}
  - {id: dc2, cloud: kubernetes, location: dc2, jurisdiction: SE, role: passive,
     cluster: {kubeconfigContext: dc2, gatewayClass: eg}}
"""
#: complete enough to plan: a configuration that fits every data layout, and a license
STACK += (
    f"identityServer: {{config: {{path: {Path(__file__).parent}/fixtures/stacks/config-minimal}}, "
    "license: {secretName: idsvr-license}}\n"
)


@pytest.fixture
def loaded():
    return load_stack_text(STACK, Path("stacks/prod.yaml"))


def test_the_offline_plan_needs_no_keys_and_shows_none(loaded, monkeypatch):
    monkeypatch.delenv("DC1_KEY_ID", raising=False)
    monkeypatch.setenv("DC1_SECRET", "do-not-print-me")
    document = plan_stack(loaded)
    secrets = [r for r in document["resources"] if r["name"].endswith("-backup-credentials")]
    assert len(secrets) == 2  # the writer's and the replica region's
    assert all(r["inputs"]["stringData"] == "[secret]" for r in secrets)
    assert "do-not-print-me" not in str(document)
    clusters = [r for r in document["resources"] if r["type"].endswith(":Cluster")]
    stores = {
        str(c["inputs"]["spec"].get("backup", {}).get("barmanObjectStore", {}).get("endpointURL"))
        for c in clusters
    }
    assert "https://minio.dc1.example:9000" in stores


def test_deploying_needs_every_variable_the_stack_file_names(loaded):
    with pytest.raises(InvalidInput) as caught:
        record(
            lambda: stack_program(loaded, environ={"DC1_KEY_ID": "AKIA"}),
            project="acme-id",
            stack="prod",
        )
    assert "regions[0].backups.credentials.secretAccessKeyEnv: DC1_SECRET" in str(caught.value)
    assert "AKIA" not in str(caught.value)
