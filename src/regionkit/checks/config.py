"""The identity server's startup configuration (`identityServer.config.path`).

Curity refuses to start when its configuration refers to a data source that does not exist, and
regionkit names the data sources it generates after the data classes they hold ("tokens",
"accounts-audit", ...): so a configuration written for one stack's data layout can break another.
These checks read the XML files, so they run on a stack file (they need its directory).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from regionkit.findings import Finding, error
from regionkit.model import resolve
from regionkit.spec.models import StackSpec
from regionkit.spec.paths import Paths

#: elements whose text names a data source by id
_REFERENCES = ("data-source", "account-data-source", "data-source-id", "credential-data-source")


def check(spec: StackSpec, base_dir: Path) -> list[Finding]:
    out: list[Finding] = []
    for deployment in spec.deployments():
        relative = deployment.identity_server.config.path
        if relative is None:
            continue
        key = Paths(spec, deployment).of("identityServer.config.path")
        directory = base_dir / relative
        if not directory.is_dir():
            out.append(
                error(
                    "config.path",
                    key,
                    f"{directory} is not a directory: identityServer.config.path names a "
                    "directory of Curity XML files, relative to the stack file.",
                )
            )
            continue
        defined: set[str] = set()
        referenced: dict[str, str] = {}
        for path in sorted(directory.glob("*.xml")):
            try:
                root = ET.parse(path).getroot()
            except (ET.ParseError, OSError, UnicodeDecodeError) as exc:
                out.append(error("config.xml", key, f"{path.name} is not well-formed XML: {exc}"))
                continue
            defined |= _defined_ids(root)
            for ref in _referenced_ids(root):
                referenced.setdefault(ref, path.name)
        generated = {g.data_source_id for g in resolve(deployment).store_groups}
        for ref, file in sorted(referenced.items()):
            if ref not in defined | generated:
                out.append(
                    error(
                        "config.data-source",
                        key,
                        f"{file} refers to data source '{ref}', which neither the configuration "
                        f"defines nor regionkit generates for this stack (it generates "
                        f"{', '.join(repr(i) for i in sorted(generated))}: one per store, named "
                        "after the data classes it holds). Curity would refuse to start: refer "
                        "to one of those ids, or define the data source in the configuration.",
                    )
                )
    return out


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _defined_ids(root: ET.Element) -> set[str]:
    """Ids of `data-sources/data-source` entries the configuration defines itself."""
    ids = set()
    for element in root.iter():
        if _local(element.tag) != "data-sources":
            continue
        for source in element:
            for child in source:
                if _local(child.tag) == "id" and child.text:
                    ids.add(child.text.strip())
    return ids


def _referenced_ids(root: ET.Element) -> set[str]:
    """Data source ids the configuration refers to (leaf elements naming one)."""
    return {
        element.text.strip()
        for element in root.iter()
        if _local(element.tag) in _REFERENCES
        and len(element) == 0
        and element.text
        and element.text.strip()
        and not element.text.strip().startswith("#{")
    }
