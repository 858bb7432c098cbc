"""`dns.globalHostname`: the sub-clusters' geolocation hint, and what makes it inconsistent.

The hint sends each country to its partition's hostname. It is a convenience, never the
enforcement of residency: a user can always reach another partition's hostname directly.
"""

from __future__ import annotations

from regionkit.catalog.regions import EU, EU_MEMBER_STATES
from regionkit.findings import Finding, error, warning
from regionkit.residency.report import GLOBAL_HOSTNAME, HostnameHint
from regionkit.spec.models import StackSpec, Topology


def countries_of(jurisdiction: str) -> tuple[str, ...]:
    return tuple(sorted(EU_MEMBER_STATES)) if jurisdiction == EU else (jurisdiction,)


def hints(spec: StackSpec) -> list[HostnameHint]:
    hostname = spec.dns.global_hostname
    if hostname is None or spec.topology is not Topology.SUB_CLUSTERS:
        return []
    claimed: set[str] = set()
    out = []
    for deployment in spec.deployments():
        assert deployment.sub_cluster is not None and deployment.jurisdiction is not None
        # a country can be hinted to one partition only: the first that claims it
        countries = tuple(c for c in countries_of(deployment.jurisdiction) if c not in claimed)
        claimed.update(countries)
        out.append(
            HostnameHint(
                hostname=hostname,
                jurisdiction=deployment.jurisdiction,
                countries=countries,
                sub_cluster=deployment.sub_cluster,
                target_hostname=deployment.dns.hostname,
            )
        )
    return out


def hint_findings(spec: StackSpec, hints: list[HostnameHint]) -> list[Finding]:
    """What makes the hint send users where it should not.

    A global hostname outside sub-clusters is ignored (the dns.global-hostname finding), and a
    partition's region outside its jurisdiction is a residency.sub-cluster finding whether or
    not a hint sends users there.
    """
    hostname = spec.dns.global_hostname
    if hostname is None or spec.topology is not Topology.SUB_CLUSTERS:
        return []
    out = []
    index = {d.sub_cluster: i for i, d in enumerate(spec.deployments())}
    for hint in hints:
        if hint.target_hostname == hostname:
            out.append(
                error(
                    GLOBAL_HOSTNAME,
                    "dns.globalHostname",
                    f"dns.globalHostname {hostname} is also the hostname of sub-cluster "
                    f"'{hint.sub_cluster}': the hint would send every country there. Fix: give "
                    f"each sub-cluster its own dns.hostname, distinct from the global one.",
                )
            )
        if not hint.countries:
            out.append(
                warning(
                    GLOBAL_HOSTNAME,
                    f"subClusters[{index[hint.sub_cluster]}].jurisdiction",
                    f"sub-cluster '{hint.sub_cluster}' has jurisdiction {hint.jurisdiction}, "
                    f"already hinted to an earlier sub-cluster: dns.globalHostname never sends "
                    f"users to it. Its users must use {hint.target_hostname} directly.",
                )
            )
    return out
