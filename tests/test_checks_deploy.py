"""Deploy checks: what `regionkit up` needs from the stack file beyond a valid shape."""

from __future__ import annotations

from pathlib import Path

from regionkit.checks.deploy import blocks_deploy, deploy_findings
from regionkit.spec import load_stack_text

HEAD = """\
apiVersion: regionkit/v1
name: acme-id
topology: {topology}
dns: {{provider: {dns}, zone: example.com, hostname: login.example.com}}
data:
  tokens: {{engine: cnpg, scope: global}}
  accounts: {{engine: cnpg, scope: global}}
  audit: {{engine: cnpg, scope: global}}
"""
ON_PREM = (
    "  - {id: dc1, cloud: kubernetes, location: dc1, jurisdiction: SE, role: active, "
    "cluster: {kubeconfigContext: dc1, gatewayClass: eg}}\n"
)
ON_PREM_BACKED_UP = (
    "  - id: dc1\n    cloud: kubernetes\n    location: dc1\n    jurisdiction: SE\n"
    "    cluster: {kubeconfigContext: dc1, gatewayClass: eg}\n"
    "    backups:\n      destinationPath: s3://dc1-backups/idsvr\n"
    "      credentials: {accessKeyIdEnv: DC1_KEY_ID, secretAccessKeyEnv: DC1_SECRET}\n"
)
AWS_PASSIVE = "  - {id: eu, cloud: aws, location: eu-west-1, jurisdiction: SE, role: passive}\n"
GCP_PASSIVE = "  - {id: eu, cloud: gcp, location: europe-north1, jurisdiction: SE, role: passive}\n"


def findings(text: str):
    return deploy_findings(load_stack_text(text, Path("stacks/prod.yaml")))


def stack(regions: str, topology: str = "active-passive", dns: str = "route53") -> str:
    return HEAD.format(topology=topology, dns=dns) + "regions:\n" + regions


def test_backups_and_a_lone_writer_need_no_deploy_setting():
    assert findings(stack(ON_PREM_BACKED_UP + AWS_PASSIVE)) == []
    assert findings(stack(ON_PREM, topology="single-region")) == []


def test_google_cloud_needs_a_project_in_the_stack_file():
    (finding,) = findings(stack(ON_PREM_BACKED_UP + GCP_PASSIVE))
    assert finding.rule == "deploy.gcp-project" and finding.path == "clouds.gcp.project"
    assert not finding.is_error and blocks_deploy(finding)  # plan works; preview and up do not
    assert "regions[1] (cloud gcp)" in finding.message
    dns_only = findings(stack(ON_PREM, topology="single-region", dns="cloud-dns"))
    assert [f.rule for f in dns_only] == ["deploy.gcp-project"]
    assert "dns.provider (cloud-dns)" in dns_only[0].message
    with_project = stack(ON_PREM_BACKED_UP + GCP_PASSIVE).replace(
        "regions:", "clouds:\n  gcp: {project: acme-prod-1}\nregions:"
    )
    assert findings(with_project) == []
