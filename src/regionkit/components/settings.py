"""What the stack file refers to, resolved once and passed down through component args.

Components never read `pulumi.Config` or the environment: the program
(`regionkit.program.read_settings`) turns the stack file's `clouds` and each region's `backups`
(whose keys it reads from the environment variables named there) into `StackSettings` and hands
them to the topology, which passes each component the part it needs. The Python API passes
`StackSettings` itself (the default: none of them).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pulumi


@dataclass(frozen=True)
class CnpgBackupTarget:
    """An S3-compatible object store a cnpg writer region backs up to (bring your own)."""

    destination_path: str
    access_key_id: pulumi.Input[str]
    secret_access_key: pulumi.Input[str]
    endpoint_url: str | None = None
    region: str | None = None


@dataclass(frozen=True)
class StackSettings:
    """What the program passes every component that needs it."""

    #: the Google Cloud project of explicit gcp providers; None: the provider's default
    gcp_project: str | None = None
    #: per cnpg writer region id: where its backups go instead of a bucket regionkit creates
    cnpg_backups: Mapping[str, CnpgBackupTarget] = field(
        default_factory=lambda: MappingProxyType({})
    )
    #: where a failover, switchover or switchback moved a store placement's writer, by
    #: placement key (`model.placement_key`); the stack file's writer where absent
    current_writers: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    #: the region a failover pinned a failover hostname's DNS to, by hostname
    dns_primaries: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
