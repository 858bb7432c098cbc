"""The ACM certificate of an EKS region's Gateway, validated through DNS in Route 53.

The AWS Load Balancer Controller ignores a Gateway listener's `certificateRefs`: the ALB's
certificates are ACM certificates, named in the LoadBalancerConfiguration. Each region gets one
certificate for every name its Gateway serves (the public hostname, `<region>.<hostname>` and
the global hostname where set), validated by DNS: "the CNAME validation token works for any AWS
Region" (ACM user guide, DNS validation), so a name shared by several regions has one validation
record, however many regions ask for it. `AcmValidation` is that deployment-wide owner: the first
region to ask for a name creates its record, under a URN that names the domain and not the
region, so removing a region later never deletes a record the others' renewals still need.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import pulumi
import pulumi_aws as aws

from regionkit.model import served_hostnames, type_token
from regionkit.spec.models import Deployment, RegionSpec

#: Route 53 is global; its API lives in us-east-1
ROUTE53_REGION = "us-east-1"
VALIDATION_TTL = 60


def certificate_names(deployment: Deployment, region: RegionSpec) -> tuple[str, ...]:
    """Every name DNS sends to the region's Gateway, the public hostname first (the
    certificate's subject), without repeats."""
    return tuple(dict.fromkeys(n.hostname for n in served_hostnames(deployment, region.id)))


def zone_of(name: str, zones: Sequence[str]) -> str | None:
    """The longest of `zones` that `name` lies in, or None."""
    inside = [z for z in zones if name == z or name.endswith(f".{z}")]
    return max(inside, key=len) if inside else None


def _slug(name: str) -> str:
    return name.replace(".", "-")


def _option_of(domain: str) -> Callable[[Sequence[Any]], dict[str, str]]:
    def pick(options: Sequence[Any] | None) -> dict[str, str]:
        if not options:
            # ACM always lists them; only unit-test mocks that echo the inputs back do not:
            # a record with no value stands in
            return {"name": f"_validation.{domain}", "type": "CNAME", "value": ""}
        # output types are dicts keyed by their Python names; camelCase covers raw state
        for option in options:
            found = {k.replace("_", "").lower(): v for k, v in dict(option).items()}
            if found.get("domainname") == domain:
                return {
                    "name": found["resourcerecordname"],
                    "type": found["resourcerecordtype"],
                    "value": found["resourcerecordvalue"],
                }
        raise ValueError(f"ACM gave no DNS validation record for {domain}")

    return pick


class AcmValidation(pulumi.ComponentResource):
    """The DNS validation records of every ACM certificate of a stack, one per domain."""

    TOKEN: ClassVar[str] = type_token("platform", "AcmValidation")

    def __init__(self, name: str, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(self.TOKEN, name, {}, opts)
        self._name = name
        self._provider = aws.Provider(
            f"{name}-route53", region=ROUTE53_REGION, opts=pulumi.ResourceOptions(parent=self)
        )
        self._zone_ids: dict[str, pulumi.Output[str]] = {}
        self._records: dict[str, aws.route53.Record] = {}
        self.register_outputs({})

    def _hosted_zone(self, zone: str) -> pulumi.Output[str]:
        if zone not in self._zone_ids:
            self._zone_ids[zone] = aws.route53.get_zone_output(
                name=zone,
                private_zone=False,
                opts=pulumi.InvokeOutputOptions(parent=self, provider=self._provider),
            ).zone_id
        return self._zone_ids[zone]

    def record(
        self, domain: str, zone: str, certificate: aws.acm.Certificate
    ) -> aws.route53.Record:
        """The validation record of `domain` in `zone`, made from `certificate` if no region
        made it yet."""
        if zone_of(domain, [zone]) is None:
            raise ValueError(
                f"{domain} is not in the DNS zone {zone}: its ACM validation record has no "
                "zone to go to"
            )
        if domain not in self._records:
            option = certificate.domain_validation_options.apply(_option_of(domain))
            self._records[domain] = aws.route53.Record(
                f"{self._name}-{_slug(domain)}",
                zone_id=self._hosted_zone(zone),
                name=option.apply(lambda o: o["name"]),
                type=option.apply(lambda o: o["type"]),
                records=[option.apply(lambda o: o["value"])],
                ttl=VALIDATION_TTL,
                # ACM renews only while the record stays, long after the first validation
                opts=pulumi.ResourceOptions(
                    parent=self, provider=self._provider, retain_on_delete=True
                ),
            )
        return self._records[domain]


def validation_once(name: str, opts: pulumi.ResourceOptions) -> Callable[[], AcmValidation]:
    """`PlatformArgs.acm_validation` of a stack: made when the first EKS platform asks, once
    for every deployment of the stack (sub-clusters may share a name: the global hostname)."""
    made: list[AcmValidation] = []

    def validation() -> AcmValidation:
        if not made:
            made.append(AcmValidation(name, opts))
        return made[0]

    return validation


@dataclass(frozen=True)
class GatewayCertificate:
    """A region's issued certificate: `arn` resolves only once ACM has issued it."""

    certificate: aws.acm.Certificate
    validation: aws.acm.CertificateValidation
    arn: pulumi.Output[str]


def gateway_certificate(
    prefix: str,
    deployment: Deployment,
    region: RegionSpec,
    validation: AcmValidation,
    opts: pulumi.ResourceOptions,
) -> GatewayCertificate:
    """The region's ACM certificate for every name its Gateway serves, and its validation."""
    names = certificate_names(deployment, region)
    certificate = aws.acm.Certificate(
        f"{prefix}-gateway",
        domain_name=names[0],
        subject_alternative_names=list(names[1:]),
        validation_method="DNS",
        key_algorithm="RSA_2048",
        tags={"Name": f"{prefix}-gateway"},
        opts=opts,
    )
    zone = deployment.dns.zone or ""
    records = [validation.record(name, zone, certificate) for name in names]
    issued = aws.acm.CertificateValidation(
        f"{prefix}-gateway",
        certificate_arn=certificate.arn,
        validation_record_fqdns=[r.fqdn for r in records],
        opts=opts,
    )
    return GatewayCertificate(certificate, issued, issued.certificate_arn)
