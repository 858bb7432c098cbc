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

import re
from importlib import resources
from pathlib import Path

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


def init_project(directory: Path, *, name: str | None = None, force: bool = False) -> list[Path]:
    """Render the project templates into `directory`; the written files, in template order.

    Nothing is written when a file would be overwritten and `force` is not set.
    """
    import jinja2

    from regionkit import __version__

    if directory.exists() and not directory.is_dir():
        raise InvalidInput(f"{directory} exists and is not a directory")
    context = {"name": project_name(directory, name), "regionkit_version": __version__}
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
