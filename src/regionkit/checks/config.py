"""The identity server's startup configuration (`identityServer.config.path`).

Curity refuses to start when its configuration refers to a data source that does not exist, and
regionkit names the data sources it generates after the data classes they hold ("tokens",
"accounts-audit", ...): so a configuration written for one stack's data layout can break another.
These checks read the XML files, so they run on a stack file (they need its directory).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

from regionkit.catalog.idsvr import GENERATED_FILES, INIT_FILE_PATH
from regionkit.errors import RegionkitError
from regionkit.findings import Finding, error
from regionkit.model import resolve
from regionkit.spec.loader import read_stack_file
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
        directory, problem = _directory(base_dir, relative, key)
        if directory is None:
            out += problem
            continue
        defined: set[str] = set()
        referenced: dict[str, str] = {}
        for path in sorted(directory.glob("*.xml")):
            named = _file_name(path.name, key) or _outside(path, _repository_root(base_dir), key)
            if named is not None:
                out.append(named)
                continue
            try:
                root = ET.fromstring(read_stack_file(path, "configuration file"))
            except RegionkitError as exc:
                out.append(error("config.xml", key, f"{path.name} cannot be read: {exc}"))
                continue
            except ET.ParseError as exc:
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


def _directory(base_dir: Path, relative: str, key: str) -> tuple[Path | None, list[Finding]]:
    """The configuration directory, when it is one and inside the stack's repository: its XML
    goes into the plan and a ConfigMap, so `../../etc` or a symlink out of the repository must
    not carry files from elsewhere on the machine into them."""
    directory = base_dir / relative
    try:
        exists = directory.is_dir()
        outside = _outside(directory, _repository_root(base_dir), key)
    except OSError as exc:
        return None, [error("config.path", key, f"{relative!r} cannot be used: {exc.strerror}")]
    if Path(relative).is_absolute() or outside is not None:
        return None, [
            outside
            or error(
                "config.path", key, f"{relative!r} is absolute; give it relative to the stack file"
            )
        ]
    if not exists:
        return None, [
            error(
                "config.path",
                key,
                f"{directory} is not a directory: identityServer.config.path names a "
                "directory of Curity XML files, relative to the stack file.",
            )
        ]
    return directory, []


def _repository_root(base_dir: Path) -> Path:
    """The git repository holding the stack file (the stack file's directory outside git)."""
    start = base_dir.resolve()
    return next((d for d in (start, *start.parents) if (d / ".git").exists()), start)


def _outside(path: Path, root: Path, key: str) -> Finding | None:
    try:
        resolved = path.resolve()
    except (OSError, RuntimeError) as exc:  # RuntimeError: a symlink loop
        return error("config.path", key, f"{path} cannot be resolved: {exc}")
    if resolved.is_relative_to(root):
        return None
    return error(
        "config.path",
        key,
        f"{path} resolves to {resolved}, outside the stack's repository {root}: configuration "
        "is copied into the plan and a ConfigMap, so it must come from the repository.",
    )


def _file_name(name: str, key: str) -> Finding | None:
    """A file the nodes could not load under its own name: reserved, or unsafe as a key."""
    if name in GENERATED_FILES:
        return error(
            "config.file-name",
            key,
            f"{name} has the name of a file regionkit writes into etc/init; rename it (reserved: "
            f"{', '.join(GENERATED_FILES)}).",
        )
    if not re.match(INIT_FILE_PATH, name):
        return error(
            "config.file-name",
            key,
            f"{name!r} cannot be a startup file: name configuration files with letters, digits, "
            "'.', '-' and '_', starting with a letter, digit or '_'.",
        )
    return None


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
