"""The stack file: models, loading with line-aware errors, JSON Schema."""

from regionkit.spec.loader import LoadedStack, load_stack, load_stack_text, resolve_stack_path
from regionkit.spec.models import (
    Cloud,
    Consistency,
    DataClassSpec,
    Deployment,
    DnsProvider,
    Engine,
    RegionSpec,
    Role,
    Routing,
    Scope,
    StackSpec,
    Topology,
)

__all__ = [
    "Cloud",
    "Consistency",
    "DataClassSpec",
    "Deployment",
    "DnsProvider",
    "Engine",
    "LoadedStack",
    "RegionSpec",
    "Role",
    "Routing",
    "Scope",
    "StackSpec",
    "Topology",
    "load_stack",
    "load_stack_text",
    "resolve_stack_path",
]
