"""Certificate Manager certificates of a GKE region's Gateway, authorized through DNS.

The GKE Gateway controller takes its certificates from a Certificate Manager map named by the
Gateway's `networking.gke.io/certmap` annotation; a Gateway with that annotation must not also
reference Secrets in `tls.certificateRefs` (GKE, "Secure a Gateway"), and a Secret in a
namespace the same program creates, in a cluster it creates, could not exist in time anyway.

Why DNS authorization: a Google-managed certificate authorized by its load balancer issues only
once the name resolves to that load balancer, and the public hostname resolves to one region at
a time (the GSLB), the global hostname to one partition. A DNS authorization proves control of
the name through a CNAME in the zone instead, wherever the name points.

Per region: one managed certificate for every name the Gateway serves (`served_hostnames`), one
map with an entry per name plus the primary entry (clients and health checkers that send no
SNI). Per deployment: one authorization per name, with its CNAME in `dns.zone` on the stack's
DNS provider (Cloud DNS or Route 53), shared by the regions that serve the name.
"""

from __future__ import annotations

import hashlib
from typing import ClassVar

import pulumi
import pulumi_gcp as gcp

from regionkit.components.facts import LoadBalancerCertificates
from regionkit.model import served_hostnames, type_token
from regionkit.spec.models import Deployment, DnsProvider, RegionSpec

#: the Gateway annotation naming its certificate map
CERTMAP_ANNOTATION = "networking.gke.io/certmap"
#: a record name of its own per project (`_acme-challenge_<id>.<name>`): never the
#: `_acme-challenge` of another project or issuer serving the same name
AUTHORIZATION_TYPE = "PER_PROJECT_RECORD"
#: global: what a global external Application Load Balancer's map takes
LOCATION = "global"
RECORD_TTL = 300
#: Route 53 is global; its API lives in us-east-1
ROUTE53_REGION = "us-east-1"
NAME_LIMIT = 63


def resource_id(text: str) -> str:
    """A Certificate Manager name for `text`: [a-z][a-z0-9-]*, at most 63, stable."""
    cleaned = "".join(c if c.isalnum() else "-" for c in text.lower()).strip("-")
    if len(cleaned) <= NAME_LIMIT:
        return cleaned
    digest = hashlib.sha256(text.encode()).hexdigest()[:8]
    return f"{cleaned[: NAME_LIMIT - 9].rstrip('-')}-{digest}"


def certificate_names(deployment: Deployment, region: RegionSpec) -> tuple[str, ...]:
    """Every name DNS sends to the region's Gateway, without repeats."""
    return tuple(dict.fromkeys(n.hostname for n in served_hostnames(deployment, region.id)))


class StackAuthorizations:
    """The DNS authorizations of every deployment of a stack, by domain.

    A stack has one Google Cloud project (`clouds.gcp.project`), and in one project two
    authorizations of a domain share a name and claim the same `_acme-challenge_` record: two
    sub-clusters certifying the global hostname would collide. The first deployment to certify
    a name owns its authorization and record; the certificates of the others reference it, and
    so wait for it.
    """

    def __init__(self) -> None:
        self.by_domain: dict[str, gcp.certificatemanager.DnsAuthorization] = {}


class DnsAuthorizations(pulumi.ComponentResource):
    """A deployment's Certificate Manager DNS authorizations, one per name, with their records.

    The first region that serves a name makes its authorization; the others share it (one
    CNAME per name and project), and so do the other deployments of the stack given the same
    `shared`. The records stay on destroy: renewals need them.
    """

    TOKEN: ClassVar[str] = type_token("platform", "GkeDnsAuthorizations")

    def __init__(
        self,
        name: str,
        deployment: Deployment,
        provider: pulumi.ProviderResource,
        after: tuple[pulumi.Resource, ...] = (),
        opts: pulumi.ResourceOptions | None = None,
        shared: StackAuthorizations | None = None,
    ) -> None:
        super().__init__(self.TOKEN, name, {}, opts)
        self._name = name
        self._deployment = deployment
        # `after`: the Google APIs (Certificate Manager must be enabled first)
        self._child = pulumi.ResourceOptions(parent=self, provider=provider, depends_on=list(after))
        self._zone: pulumi.Output[str] | None = None
        self._aws_provider: pulumi.ProviderResource | None = None
        self._made = (shared or StackAuthorizations()).by_domain
        self.register_outputs({})

    def of(self, domain: str) -> gcp.certificatemanager.DnsAuthorization:
        """The authorization of `domain`, made with its DNS record on first use."""
        if domain not in self._made:
            slug = domain.replace(".", "-")
            authorization = gcp.certificatemanager.DnsAuthorization(
                f"{self._name}-{slug}",
                name=resource_id(f"{self._deployment.name}-{slug}"),
                domain=domain,
                location=LOCATION,
                type=AUTHORIZATION_TYPE,
                description=f"regionkit: certificates of {domain}",
                opts=self._child,
            )
            self._record(f"{self._name}-{slug}", authorization)
            self._made[domain] = authorization
        return self._made[domain]

    def _record(
        self, name: str, authorization: gcp.certificatemanager.DnsAuthorization
    ) -> pulumi.CustomResource:
        records = authorization.dns_resource_records
        record_name = records.apply(lambda r: r[0].name or "")
        record_type = records.apply(lambda r: r[0].type or "")
        data = records.apply(lambda r: r[0].data or "")
        if self._deployment.dns.provider is DnsProvider.ROUTE53:
            import pulumi_aws as aws

            return aws.route53.Record(
                name,
                zone_id=self._route53_zone(),
                name=record_name,
                type=record_type,
                records=[data],
                ttl=RECORD_TTL,
                opts=pulumi.ResourceOptions(
                    parent=self, provider=self._aws_provider, retain_on_delete=True
                ),
            )
        return gcp.dns.RecordSet(
            name,
            managed_zone=self._cloud_dns_zone(),
            name=record_name,
            type=record_type,
            rrdatas=[data],
            ttl=RECORD_TTL,
            opts=pulumi.ResourceOptions.merge(
                self._child, pulumi.ResourceOptions(retain_on_delete=True)
            ),
        )

    def _cloud_dns_zone(self) -> pulumi.Output[str]:
        from regionkit.components.gslb.cloud_dns import managed_zone_name

        if self._zone is None:
            self._zone = gcp.dns.get_managed_zone_output(
                name=managed_zone_name(self._deployment.dns.zone or ""),
                opts=pulumi.InvokeOutputOptions(parent=self, provider=self._child.provider),
            ).name
        return self._zone

    def _route53_zone(self) -> pulumi.Output[str]:
        import pulumi_aws as aws

        if self._zone is None:
            self._aws_provider = aws.Provider(
                f"{self._name}-route53",
                region=ROUTE53_REGION,
                opts=pulumi.ResourceOptions(parent=self),
            )
            self._zone = aws.route53.get_zone_output(
                name=self._deployment.dns.zone or "",
                private_zone=False,
                opts=pulumi.InvokeOutputOptions(parent=self, provider=self._aws_provider),
            ).zone_id
        return self._zone


def gateway_certificates(
    prefix: str,
    deployment: Deployment,
    region: RegionSpec,
    authorizations: DnsAuthorizations,
    opts: pulumi.ResourceOptions,
) -> LoadBalancerCertificates:
    """The region's certificate and map; what its Gateway carries and waits for."""
    names = certificate_names(deployment, region)
    certificate = gcp.certificatemanager.Certificate(
        f"{prefix}-gateway",
        name=resource_id(f"{prefix}-gateway"),
        description=f"regionkit: Gateway of region {region.id}",
        managed=gcp.certificatemanager.CertificateManagedArgs(
            domains=list(names),
            dns_authorizations=[authorizations.of(n).id for n in names],
        ),
        opts=opts,
    )
    cert_map = gcp.certificatemanager.CertificateMap(
        f"{prefix}-gateway",
        name=resource_id(f"{prefix}-gateway"),
        description=f"regionkit: Gateway of region {region.id}",
        opts=opts,
    )
    entries = [
        gcp.certificatemanager.CertificateMapEntry(
            f"{prefix}-gateway-{index}",
            name=resource_id(f"{prefix}-gateway-{index}"),
            map=cert_map.name,
            hostname=hostname,
            certificates=[certificate.id],
            opts=opts,
        )
        for index, hostname in enumerate(names)
    ]
    # served to clients (and health checkers) that send no SNI
    entries.append(
        gcp.certificatemanager.CertificateMapEntry(
            f"{prefix}-gateway-primary",
            name=resource_id(f"{prefix}-gateway-primary"),
            map=cert_map.name,
            matcher="PRIMARY",
            certificates=[certificate.id],
            opts=opts,
        )
    )
    return LoadBalancerCertificates(
        annotations={CERTMAP_ANNOTATION: cert_map.name}, depends_on=(certificate, *entries)
    )
