"""The identity server's startup configuration and license (`identityServer.config`, `.license`).

A node without configuration has no service role to run and a node without a license serves
nothing, so a stack needs both (`config.required`, `config.license`). The configuration directory
is laid out like `etc/init`: `*.xml` files at any depth land at the same path below `etc/init`,
and `license/license.json` is the license unless `identityServer.license` names one. The XML
goes into one ConfigMap, which holds at most 1 MiB (`config.size`).

Curity refuses to start when its configuration refers to a data source that does not exist, and
regionkit names the data sources it generates after the data classes they hold ("tokens",
"accounts-audit", ...): so a configuration written for one stack's data layout can break another.
These checks read the files, so they run on a stack file (they need its directory). No finding
quotes a license file: it is a secret.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

from regionkit.catalog.idsvr import (
    CONFIG_LICENSE_PATH,
    CONFIG_MAP_LIMIT,
    GENERATED_CONFIG_ALLOWANCE,
    GENERATED_FILES,
    INIT_FILE_PATH,
    LICENSE_FILE,
    LICENSE_KEY_MEMBER,
    LICENSE_MAX_BYTES,
)
from regionkit.errors import RegionkitError
from regionkit.findings import Finding, error
from regionkit.model import resolve, workload_namespace
from regionkit.spec.config_dir import startup_xml, visible_files
from regionkit.spec.loader import read_stack_file
from regionkit.spec.models import Deployment, StackSpec
from regionkit.spec.paths import Paths

#: elements whose text names a data source by id
_REFERENCES = ("data-source", "account-data-source", "data-source-id", "credential-data-source")


def check(spec: StackSpec, base_dir: Path) -> list[Finding]:
    out: list[Finding] = []
    for deployment in spec.deployments():
        paths = Paths(spec, deployment)
        out += _configuration(deployment, paths, base_dir)
        out += _license(deployment, paths, base_dir)
    # an identityServer inherited by several sub-clusters is reported once
    return list(dict.fromkeys(out))


def license_file(deployment: Deployment, base_dir: Path) -> Path | None:
    """The license file the nodes get: `identityServer.license.file`, else the configuration
    directory's `license/license.json`; None when a Secret holds it (or nothing does)."""
    named = deployment.identity_server.license
    if named is not None:
        return None if named.file is None else base_dir / named.file
    return _config_license(deployment, base_dir)


def _config_license(deployment: Deployment, base_dir: Path) -> Path | None:
    """The configuration directory's `license/license.json`, when it has one."""
    relative = deployment.identity_server.config.path
    if relative is None:
        return None
    candidate = base_dir / relative / CONFIG_LICENSE_PATH
    try:
        return candidate if candidate.is_file() else None
    except OSError:  # a path the file system refuses: `config.path` reports it
        return None


def _configuration(deployment: Deployment, paths: Paths, base_dir: Path) -> list[Finding]:
    relative = deployment.identity_server.config.path
    key = paths.of("identityServer.config.path")
    if relative is None:
        return [
            error(
                "config.required",
                key,
                "no configuration: identityServer.config.path names the directory of Curity "
                "XML (relative to the stack file) the nodes start with. Without it no service "
                "role serves, `/serving` never answers 200 and the rollout never completes; "
                "stacks/idsvr-config in regionkit's repository is a starting point.",
            )
        ]
    directory, problem = _directory(base_dir, relative, key)
    if directory is None:
        return problem
    return [
        *_misplaced_licenses(directory, key),
        *_names_and_references(deployment, directory, _repository_root(base_dir), key),
    ]


def _names_and_references(
    deployment: Deployment, directory: Path, root: Path, key: str
) -> list[Finding]:
    out: list[Finding] = []
    defined: set[str] = set()
    referenced: dict[str, str] = {}
    keys: dict[str, str] = {}
    sizes: dict[str, int] = {}
    for name in startup_xml(directory):
        named = (
            _file_name(name, key)
            or _same_key(name, keys, key)
            or _outside(directory / name, root, key)
        )
        if named is not None:
            out.append(named)
            continue
        try:
            text = read_stack_file(directory / name, "configuration file")
            sizes[name] = len(text.encode())
            xml = ET.fromstring(text)
        except RegionkitError as exc:
            out.append(error("config.xml", key, f"{name} cannot be read: {exc}"))
            continue
        except ET.ParseError as exc:
            out.append(error("config.xml", key, f"{name} is not well-formed XML: {exc}"))
            continue
        defined |= _defined_ids(xml)
        for ref in _referenced_ids(xml):
            referenced.setdefault(ref, name)
    out.extend(_size(sizes, key))
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


def _size(sizes: dict[str, int], key: str) -> list[Finding]:
    """Every node reads the configuration from one ConfigMap, which holds at most 1 MiB."""
    budget = CONFIG_MAP_LIMIT - GENERATED_CONFIG_ALLOWANCE
    total = sum(sizes.values())
    if total <= budget:
        return []
    largest = sorted(sizes.items(), key=lambda item: (-item[1], item[0]))[:3]
    return [
        error(
            "config.size",
            key,
            f"the configuration's XML files hold {total} bytes together (largest: "
            f"{', '.join(f'{name} {size}' for name, size in largest)}). The nodes read them "
            f"from one ConfigMap, which Kubernetes refuses above {CONFIG_MAP_LIMIT} bytes, and "
            f"regionkit keeps {GENERATED_CONFIG_ALLOWANCE} of those for the files it adds: keep "
            f"the XML under {budget} bytes.",
        )
    ]


def _misplaced_licenses(directory: Path, key: str) -> list[Finding]:
    """A `license.json` anywhere but `license/license.json`: Curity would never read it."""
    return [
        error(
            "config.license",
            key,
            f"{relative}: Curity reads the license only from "
            f"etc/init/license/; move it to {CONFIG_LICENSE_PATH} in the configuration "
            "directory, or name it with identityServer.license.",
        )
        for relative in visible_files(directory, LICENSE_FILE)
        if relative != CONFIG_LICENSE_PATH
    ]


def _license(deployment: Deployment, paths: Paths, base_dir: Path) -> list[Finding]:
    named = deployment.identity_server.license
    key = paths.of("identityServer.license")
    in_config = _config_license(deployment, base_dir)
    if named is None and in_config is None:
        return [
            error(
                "config.license",
                key,
                "no license: the identity server serves nothing without one. Set "
                "identityServer.license to {secretName: NAME} (an existing Secret with key "
                f"{LICENSE_FILE} in the namespace '{workload_namespace(deployment)}' of every "
                "region) or {file: PATH} (the license file, relative to the stack file, kept "
                f"out of git), or put the file at {CONFIG_LICENSE_PATH} in the configuration "
                "directory.",
            )
        ]
    if named is not None and in_config is not None:
        return [
            error(
                "config.license",
                key,
                f"two licenses: identityServer.license and {CONFIG_LICENSE_PATH} in the "
                "configuration directory; keep one.",
            )
        ]
    if named is not None and named.file is not None:
        return _license_file(base_dir / named.file, paths.of("identityServer.license.file"))
    if in_config is not None:
        return _license_file(in_config, paths.of("identityServer.config.path"))
    return []


def _license_file(path: Path, key: str) -> list[Finding]:
    """A readable JSON license file; the messages never quote it."""
    problem = None
    try:
        if not path.is_file():
            problem = "is not a file"
        elif path.stat().st_size > LICENSE_MAX_BYTES:
            problem = f"is over {LICENSE_MAX_BYTES} bytes: not a license file"
        else:
            data = json.loads(path.read_bytes())
            member = data.get(LICENSE_KEY_MEMBER) if isinstance(data, dict) else None
            if not isinstance(member, str) or not member.strip():
                problem = f"has no '{LICENSE_KEY_MEMBER}' member: not a Curity license file"
    except OSError as exc:
        problem = f"cannot be read ({exc.strerror})"
    except ValueError:
        problem = "is not JSON: not a Curity license file"
    if problem is None:
        return []
    return [
        error(
            "config.license",
            key,
            f"{path} {problem}. The license is the license.json file Curity issued "
            "(the developer portal's download).",
        )
    ]


def _same_key(name: str, keys: dict[str, str], key: str) -> Finding | None:
    """Two paths that would be one ConfigMap key (`/` becomes `__`)."""
    mapped = name.replace("/", "__")
    if mapped in keys:
        return error(
            "config.file-name",
            key,
            f"{keys[mapped]} and {name} would be stored under the same name; rename one (a "
            "path's '/' is stored as '__').",
        )
    keys[mapped] = name
    return None


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
    if outside is not None:  # relative or absolute alike: what counts is where it resolves
        return None, [outside]
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
