"""Security: the admin node stays private, images are pinned, every region has spare nodes."""

from __future__ import annotations

import re

from regionkit.catalog.idsvr import ADMIN_PORT
from regionkit.checks.networks import open_to_internet
from regionkit.findings import Finding, error
from regionkit.spec.paths import Paths

MIN_RUNTIME_NODES = 2


def check(paths: Paths) -> list[Finding]:
    return [*_admin_cidrs(paths), *_images(paths), *_min_nodes(paths)]


def _admin_cidrs(paths: Paths) -> list[Finding]:
    key = paths.of("identityServer.admin.allowedCidrs")
    return [
        error(
            "security.admin-cidr",
            key if index is None else f"{key}[{index}]",
            f"{what} opens the Admin UI and RESTCONF (port {ADMIN_PORT}) to the whole "
            "internet; list only the networks your administrators connect from, e.g. "
            "10.0.0.0/8 or your VPN's range.",
        )
        for index, what in open_to_internet(paths.deployment.identity_server.admin.allowed_cidrs)
    ]


#: the image reference grammar of distribution/reference (what registries and kubelets parse)
_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_DOMAIN = (
    r"(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*"
    r"|\[[0-9a-fA-F:]+\])(?::[0-9]+)?"
)
_REFERENCE = re.compile(
    rf"^(?:{_DOMAIN}/)?{_COMPONENT}(?:/{_COMPONENT})*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{{0,127}})?"
    r"(?:@(?P<digest>[^@]+))?$"
)
#: the digests registries serve: sha256 (64 hex digits) and sha512 (128)
_DIGEST = re.compile(r"^(?:sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$")


def image_pinned(image: str) -> bool:
    """Whether an image reference names one image: a digest, or a tag other than `latest`."""
    if "@" in image:
        return _DIGEST.match(image.split("@", 1)[1]) is not None
    last = image.rsplit("/", 1)[-1]
    if ":" not in last:
        return False
    return last.rsplit(":", 1)[1] not in ("", "latest")


def _reference_problem(image: str) -> str | None:
    match = _REFERENCE.match(image)
    if match is None or len(image) > 255:
        return (
            f"{image!r} is not an image reference: [registry/]repository[:tag][@sha256:digest], "
            "the repository in lower case"
        )
    digest = match["digest"]
    if digest is not None and _DIGEST.match(digest) is None:
        return (
            f"the digest of {image!r} is not sha256: and 64 lower-case hex digits (or sha512: "
            "and 128): a registry serves no image by it"
        )
    return None


def _repository(image: str) -> str:
    head, _, last = image.split("@", 1)[0].rpartition("/")
    name = last.split(":", 1)[0]
    return f"{head}/{name}" if head else name


def _images(paths: Paths) -> list[Finding]:
    d = paths.deployment
    images = [("identityServer.image", d.identity_server.image)]
    if d.config_sync is not None:
        images.append(("configSync.image", d.config_sync.image))
    out = []
    for key, image in images:
        problem = _reference_problem(image)
        if problem is not None:
            out.append(error("security.image-reference", paths.of(key), problem))
        elif not image_pinned(image):
            out.append(
                error(
                    "security.image-unpinned",
                    paths.of(key),
                    f"image {image} is not pinned: a tag such as `latest` (or no tag) moves, so "
                    f"regions could run different versions. Pin a version tag (e.g. "
                    f"{_repository(image)}:<version>) or a digest (@sha256:...).",
                )
            )
    return out


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
