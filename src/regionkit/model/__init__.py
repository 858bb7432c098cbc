"""The resolved model: what every layer derives from a stack, computed once (`resolve`).

Below the components, checks and residency, above `spec` and `catalog`: the domain types
(`StoreGroup`, `FailoverTiming`) and the naming rules every layer shares live here.
"""

from __future__ import annotations

from regionkit.model.names import (
    TOKEN_PREFIX,
    WORKLOAD_SERVICE_ACCOUNT,
    ServedHostname,
    data_source_id,
    env_prefix,
    regional_hostname,
    served_hostnames,
    type_token,
    workload_namespace,
    workload_service_account,
)
from regionkit.model.resolve import ResolvedDeployment, ResolvedStack, resolve
from regionkit.model.stores import (
    StoreGroup,
    placement_key,
    placement_label,
    placements_for,
    store_groups,
)
from regionkit.model.timing import (
    FailoverTiming,
    TimingTerm,
    failover_timing,
    meets_budget,
    minimum_budget,
)

__all__ = [
    "TOKEN_PREFIX",
    "WORKLOAD_SERVICE_ACCOUNT",
    "FailoverTiming",
    "ResolvedDeployment",
    "ResolvedStack",
    "ServedHostname",
    "StoreGroup",
    "TimingTerm",
    "data_source_id",
    "env_prefix",
    "failover_timing",
    "meets_budget",
    "minimum_budget",
    "placement_key",
    "placement_label",
    "placements_for",
    "regional_hostname",
    "resolve",
    "served_hostnames",
    "store_groups",
    "type_token",
    "workload_namespace",
    "workload_service_account",
]
