"""Security: the admin node stays private, images are pinned, every region has spare nodes."""

from __future__ import annotations

import ipaddress

from regionkit.catalog.idsvr import ADMIN_PORT
from regionkit.findings import Finding, error
from regionkit.spec.paths import Paths

MIN_RUNTIME_NODES = 2


def check(paths: Paths) -> list[Finding]:
    return [*_admin_cidrs(paths), *_images(paths), *_min_nodes(paths)]


def _admin_cidrs(paths: Paths) -> list[Finding]:
    out = []
    cidrs = paths.deployment.identity_server.admin.allowed_cidrs
    for index, cidr in enumerate(cidrs):
        if ipaddress.ip_network(cidr, strict=False).prefixlen == 0:
            out.append(
                error(
                    "security.admin-cidr",
                    paths.of(f"identityServer.admin.allowedCidrs[{index}]"),
                    f"{cidr} opens the Admin UI and RESTCONF (port {ADMIN_PORT}) to the whole "
                    "internet; list only the networks your administrators connect from, e.g. "
                    "10.0.0.0/8 or your VPN's range.",
                )
            )
    return out


def image_pinned(image: str) -> bool:
    """Whether an image reference names one image: a digest, or a tag other than `latest`."""
    if "@" in image:
        return image.split("@", 1)[1].startswith("sha256:")
    last = image.rsplit("/", 1)[-1]
    if ":" not in last:
        return False
    return last.rsplit(":", 1)[1] not in ("", "latest")


def _repository(image: str) -> str:
    head, _, last = image.split("@", 1)[0].rpartition("/")
    name = last.split(":", 1)[0]
    return f"{head}/{name}" if head else name


def _images(paths: Paths) -> list[Finding]:
    d = paths.deployment
    images = [("identityServer.image", d.identity_server.image)]
    if d.config_sync is not None:
        images.append(("configSync.image", d.config_sync.image))
    return [
        error(
            "security.image-unpinned",
            paths.of(key),
            f"image {image} is not pinned: a tag such as `latest` (or no tag) moves, so regions "
            f"could run different versions. Pin a version tag (e.g. {_repository(image)}:<version>) "
            "or a digest (@sha256:...).",
        )
        for key, image in images
        if not image_pinned(image)
    ]


def _min_nodes(paths: Paths) -> list[Finding]:
    runtime = paths.deployment.identity_server.runtime
    if runtime.min_nodes >= MIN_RUNTIME_NODES:
        return []
    return [
        error(
            "security.min-nodes",
            paths.of("identityServer.runtime.minNodes"),
            f"minNodes {runtime.min_nodes} leaves a region without runtime nodes while one "
            f"restarts or its zone fails; set minNodes to at least {MIN_RUNTIME_NODES} per region.",
        )
    ]
