"""Load a stack file from YAML with errors that name the file, line and key path."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from regionkit.errors import InvalidInput, StackInvalid
from regionkit.findings import Finding, Level
from regionkit.spec.environments import environment_file, is_environment_name, searched
from regionkit.spec.models import StackSpec


@dataclass(frozen=True)
class LoadedStack:
    """A validated stack file with the line of every key path, for locating findings."""

    spec: StackSpec
    path: Path | None = None
    lines: dict[str, int] = field(default_factory=dict)

    @property
    def environment(self) -> str:
        """The environment (and Pulumi stack) name: the file name without `.yaml`."""
        return self.path.stem if self.path is not None else self.spec.name

    @property
    def base_dir(self) -> Path:
        return self.path.parent if self.path is not None else Path.cwd()

    def line_of(self, key_path: str) -> int | None:
        return line_of(self.lines, key_path)

    def locate(self, finding: Finding) -> Finding:
        file = str(self.path) if self.path is not None else None
        return finding.located(file, self.line_of(finding.path))


def resolve_stack_path(stack: str | Path, root: Path | None = None) -> Path:
    """A path to a stack file, or an environment name resolved to `stacks/<name>.yaml`: under
    `root` when given, else found from the current directory up to the project root
    (`regionkit.spec.environments`)."""
    candidate = Path(stack)
    if candidate.exists() or not is_environment_name(str(stack)):
        return candidate
    if root is not None:
        return root / "stacks" / f"{stack}.yaml"
    return environment_file(str(stack)) or Path("stacks") / f"{stack}.yaml"


def load_stack(stack: str | Path, root: Path | None = None) -> LoadedStack:
    path = resolve_stack_path(stack, root)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        if root is None and is_environment_name(str(stack)) and not Path(stack).exists():
            raise InvalidInput(
                f"no stack file for the environment {str(stack)!r}: looked for "
                f"{searched(str(stack))}"
            ) from None
        raise InvalidInput(f"{path}: no such stack file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"{path}: cannot read the stack file: {exc}") from None
    return load_stack_text(text, path)


def load_stack_text(text: str, path: Path | None = None) -> LoadedStack:
    data, lines = parse_yaml(text, str(path) if path else "<stack>")
    file = str(path) if path is not None else None
    if not isinstance(data, dict):
        raise StackInvalid(
            [
                Finding(
                    Level.ERROR, "schema.type", "", "the stack file must be a YAML mapping", file, 1
                )
            ]
        )
    try:
        spec = StackSpec.model_validate(data)
    except ValidationError as exc:
        raise StackInvalid(
            [
                finding.located(file, line_of(lines, finding.path))
                for finding in findings_from_validation_error(exc, data)
            ]
        ) from None
    return LoadedStack(spec=spec, path=path, lines=lines)


def parse_yaml(text: str, name: str) -> tuple[Any, dict[str, int]]:
    from ruamel.yaml import YAML
    from ruamel.yaml.constructor import DuplicateKeyError
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    yaml = YAML(typ="rt")
    yaml.allow_duplicate_keys = False
    try:
        document = yaml.load(text)
    except DuplicateKeyError as exc:
        raise _yaml_error(name, exc, "duplicate key") from None
    except MarkedYAMLError as exc:
        raise _yaml_error(name, exc, "malformed YAML") from None
    except YAMLError as exc:
        raise InvalidInput(f"{name}: malformed YAML: {exc}") from None
    lines: dict[str, int] = {"": 1}
    _collect_lines(document, "", lines)
    return _plain(document), lines


def _yaml_error(name: str, exc: Any, what: str) -> InvalidInput:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    line = f":{mark.line + 1}" if mark is not None else ""
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    context = getattr(exc, "context", None)
    detail = f"{context}; {problem}" if context and what == "duplicate key" else problem
    return StackInvalid(
        [
            Finding(
                Level.ERROR,
                "schema.yaml",
                "",
                f"{what}: {detail}",
                name,
                int(line[1:]) if line else None,
            )
        ]
    )


def _collect_lines(node: Any, path: str, lines: dict[str, int]) -> None:
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    if isinstance(node, CommentedMap):
        for key, value in node.items():
            child = f"{path}.{key}" if path else str(key)
            with contextlib.suppress(KeyError, TypeError):
                lines[child] = node.lc.key(key)[0] + 1
            _collect_lines(value, child, lines)
    elif isinstance(node, CommentedSeq):
        for index, value in enumerate(node):
            child = f"{path}[{index}]"
            with contextlib.suppress(KeyError, TypeError, IndexError):
                lines[child] = node.lc.item(index)[0] + 1
            _collect_lines(value, child, lines)


def _plain(node: Any) -> Any:
    """ruamel's round-trip types as plain dicts, lists and scalars."""
    if isinstance(node, dict):
        return {str(k): _plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_plain(v) for v in node]
    if isinstance(node, bool) or node is None:
        return node
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    if isinstance(node, str):
        return str(node)
    return node


def line_of(lines: dict[str, int], key_path: str) -> int | None:
    """The line of the longest prefix of `key_path` present in the file."""
    path = key_path
    while True:
        if path in lines:
            return lines[path]
        cut = max(path.rfind("."), path.rfind("["))
        if cut <= 0:
            return lines.get(path, lines.get(""))
        path = path[:cut]


def loc_to_path(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def findings_from_validation_error(exc: ValidationError, data: Any = None) -> list[Finding]:
    findings = []
    seen: set[tuple[str, str]] = set()
    for err in exc.errors(include_url=False):
        path = loc_to_path(tuple(err["loc"]))
        message = _message(err, data)
        if (path, message) in seen:
            continue
        seen.add((path, message))
        findings.append(Finding(Level.ERROR, f"schema.{_rule(err['type'])}", path, message))
    return findings


def _rule(error_type: str) -> str:
    return {
        "extra_forbidden": "unknown-key",
        "missing": "missing-key",
        "enum": "enum",
        "literal_error": "enum",
        "string_pattern_mismatch": "pattern",
        "value_error": "value",
    }.get(error_type, "type")


def _message(err: Any, data: Any) -> str:
    kind = err["type"]
    loc = tuple(err["loc"])
    if kind == "extra_forbidden":
        allowed = _allowed_keys(loc[:-1], data)
        hint = f"; allowed keys here: {', '.join(allowed)}" if allowed else ""
        return f"unknown key {loc[-1]!r}{hint}"
    if kind == "missing":
        return f"required key {loc[-1]!r} is missing"
    message = str(err["msg"])
    if message.startswith("Value error, "):
        message = message[len("Value error, ") :]
    if kind == "string_pattern_mismatch":
        pattern = err.get("ctx", {}).get("pattern", "")
        message = f"{err.get('input')!r} does not match {pattern}"
    elif (
        kind not in ("value_error",)
        and "input" in err
        and not isinstance(err["input"], dict | list)
    ):
        message = f"{message} (got {err['input']!r})"
    return message


def _allowed_keys(loc: tuple[int | str, ...], data: Any) -> list[str]:
    """The camelCase keys the model at `loc` accepts."""
    from pydantic import BaseModel

    from regionkit.spec import models

    model: Any = models.StackSpec
    for part in loc:
        if isinstance(part, int):
            continue
        field = next(
            (
                f
                for name, f in model.model_fields.items()
                if (f.alias or name) == part or name == part
            ),
            None,
        )
        if field is None:
            return []
        model = _model_of(field.annotation)
        if model is None:
            return []
    if isinstance(model, type) and issubclass(model, BaseModel):
        return sorted(f.alias or name for name, f in model.model_fields.items())
    return []


def _model_of(annotation: Any) -> Any:
    from typing import get_args

    from pydantic import BaseModel

    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = _model_of(arg)
        if found is not None:
            return found
    return None
