"""`regionkit init`: a new project rendered from the jinja2 templates in `templates/project/`.

Templates live in the repository's top-level `templates/` folder; `src/regionkit/templates` is a
symlink to it, so a checkout (editable install) and a wheel (setuptools copies the files behind
the symlink as package data) both find them as `regionkit/templates`.

Template names map to file names: `.j2` is dropped and a leading `dot-` becomes `.` in any path
part (`dot-github/workflows/x.yml.j2` -> `.github/workflows/x.yml`), since package-data globs skip
dotfiles. The jinja2 delimiters are `[[ ]]` and `[% %]`, so that GitHub's `${{ }}` in the workflow
template stays literal.
"""

from __future__ import annotations

import json
import re
from importlib import metadata, resources
from pathlib import Path
from urllib.parse import unquote, urlparse

from regionkit.errors import InvalidInput, RegionkitError
from regionkit.spec.models import NAME_PATTERN, slug

PROJECT_TEMPLATE = "project"
SUFFIX = ".j2"


def templates_root() -> Path:
    """The directory holding the project templates (`project/`)."""
    packaged = Path(str(resources.files("regionkit"))) / "templates"
    if (packaged / PROJECT_TEMPLATE).is_dir():
        return packaged
    # A checkout where the symlink did not survive (e.g. git on Windows without symlinks).
    checkout = Path(__file__).resolve().parents[2] / "templates"
    if (checkout / PROJECT_TEMPLATE).is_dir():
        return checkout
    raise FileNotFoundError(
        f"regionkit's project templates are missing (looked in {packaged} and {checkout}); "
        "reinstall regionkit"
    )


def target_name(template: Path) -> Path:
    """Where a template (relative to `templates/project`) lands in the new project."""
    parts = [("." + part[4:]) if part.startswith("dot-") else part for part in template.parts]
    path = Path(*parts)
    return path.with_name(path.name.removesuffix(SUFFIX))


def project_name(directory: Path, name: str | None) -> str:
    """The deployment name: `name`, or the directory's name made into one."""
    candidate = name if name is not None else slug(directory.resolve().name)
    if not re.match(NAME_PATTERN, candidate):
        origin = (
            f"--name {name!r}" if name is not None else f"the directory name {directory.name!r}"
        )
        raise InvalidInput(
            f"{origin} is not a deployment name: it must match {NAME_PATTERN} (lowercase letter, "
            "then 1 to 20 lowercase letters, digits or '-')"
            + ("; pass --name" if name is None else "")
        )
    return candidate


def _checkout_of(package_dir: Path) -> Path | None:
    """The source checkout `package_dir` (…/src/regionkit) belongs to, when it is one."""
    root = package_dir.parents[1]
    pyproject = root / "pyproject.toml"
    if pyproject.is_file() and 'name = "regionkit"' in pyproject.read_text(encoding="utf-8"):
        return root
    return None


def _direct_url(package_dir: Path) -> dict[str, object] | None:
    """`direct_url.json` of the installed distribution, if it is the regionkit imported here."""
    try:
        text = metadata.distribution("regionkit").read_text("direct_url.json")
    except metadata.PackageNotFoundError:
        return None
    if not text:
        return None
    info: dict[str, object] = json.loads(text)
    url = str(info.get("url", ""))
    if url.startswith("file://") and isinstance(info.get("dir_info"), dict):
        # an install of a local directory: trust it only if it is the code running now
        installed = Path(unquote(urlparse(url).path))
        if _checkout_of(package_dir) not in (None, installed):
            return None
    return info


def requirement_source(package_dir: Path | None = None) -> str | None:
    """Where the running regionkit came from, as a PEP 508 direct reference; None: an index.

    The installed distribution's `direct_url.json` (PEP 610) says how pip got it: a VCS URL at a
    commit, an archive, or a local directory. A checkout on `sys.path` that pip never installed
    (e.g. `PYTHONPATH=src`) is its own directory.
    """
    here = package_dir or Path(__file__).resolve().parent
    info = _direct_url(here)
    if info is not None:
        url = str(info["url"])
        vcs = info.get("vcs_info")
        if isinstance(vcs, dict):
            return f"regionkit @ {vcs['vcs']}+{url}@{vcs['commit_id']}"
        return f"regionkit @ {url}"
    checkout = _checkout_of(here)
    return f"regionkit @ {checkout.as_uri()}" if checkout is not None else None


def init_project(directory: Path, *, name: str | None = None, force: bool = False) -> list[Path]:
    """Render the project templates into `directory`; the written files, in template order.

    Nothing is written when a file would be overwritten and `force` is not set.
    """
    import jinja2

    from regionkit import __version__

    if directory.exists() and not directory.is_dir():
        raise InvalidInput(f"{directory} exists and is not a directory")
    context = {
        "name": project_name(directory, name),
        "regionkit_version": __version__,
        "regionkit_source": requirement_source(),
    }
    source = templates_root() / PROJECT_TEMPLATE
    templates = sorted(
        p.relative_to(source) for p in source.rglob("*") if p.is_file() and p.suffix == SUFFIX
    )
    targets = {template: directory / target_name(template) for template in templates}
    existing = [path for path in targets.values() if path.exists()]
    if existing and not force:
        listed = ", ".join(str(path.relative_to(directory)) for path in existing)
        raise InvalidInput(
            f"{directory}: would overwrite {listed}; remove them or pass --force to overwrite"
        )

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(source),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,
        variable_start_string="[[",
        variable_end_string="]]",
        block_start_string="[%",
        block_end_string="%]",
        comment_start_string="[#",
        comment_end_string="#]",
    )
    written = []
    for template, target in targets.items():
        text = env.get_template(template.as_posix()).render(context)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise RegionkitError(f"cannot write {target}: {exc.strerror or exc}") from None
        written.append(target)
    return written
