"""Load a stack file from YAML with errors that name the file, line and key path."""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from regionkit.errors import InvalidInput, RegionkitError, StackInvalid
from regionkit.findings import Finding, Level
from regionkit.spec.environments import environment_file, is_environment_name, searched
from regionkit.spec.models import StackSpec

#: the most a stack file may hold (the README says so); a real one is a few kilobytes
MAX_FILE_BYTES = 1_000_000
#: nesting levels of mappings and lists; a stack file uses about 8
MAX_DEPTH = 64
#: values (scalars, mappings, lists) once aliases are expanded
MAX_NODES = 500_000
#: schema findings reported one by one; the rest are counted
MAX_SCHEMA_FINDINGS = 50


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
    missing = not path.exists() and not Path(stack).exists()
    if missing and root is None and is_environment_name(str(stack)):
        raise InvalidInput(
            f"no stack file for the environment {str(stack)!r}: looked for {searched(str(stack))}"
        )
    return load_stack_text(read_stack_file(path), path)


def read_stack_file(path: Path, what: str = "stack file") -> str:
    """The text of a regular file of at most `MAX_FILE_BYTES`, never blocking on a FIFO.

    Not found, not a regular file (a directory, FIFO or device such as /dev/zero), too large
    or not UTF-8: invalid input (exit 2). Present but unreadable (permissions, I/O): exit 1.
    """
    try:
        # O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer forever
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        raise InvalidInput(f"{path}: no such {what}") from None
    except OSError as exc:
        raise RegionkitError(f"{path}: cannot read the {what}: {exc.strerror}") from None
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        raise InvalidInput(f"{path}: not a regular file ({_file_kind(mode)}): name a {what}")
    with os.fdopen(fd, "rb") as handle:
        try:
            data = handle.read(MAX_FILE_BYTES + 1)
        except OSError as exc:
            raise RegionkitError(f"{path}: cannot read the {what}: {exc.strerror}") from None
    if len(data) > MAX_FILE_BYTES:
        raise InvalidInput(
            f"{path}: larger than {MAX_FILE_BYTES // 1_000_000} MB; a {what} is a few kilobytes"
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise StackInvalid(
            [
                Finding(
                    Level.ERROR,
                    "schema.encoding",
                    "",
                    f"not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start})",
                    str(path),
                    line,
                )
            ]
        ) from None


def _file_kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a file"


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
    """The document as plain data (YAML 1.2 core schema), and the line of every key path.

    libyaml parses (fast: a 1 MB file in about a second); the tree is built here, bounded
    before it is built: nesting depth (`MAX_DEPTH`) and values once aliases are expanded
    (`MAX_NODES`, which stops an alias bomb). A value its tag cannot convert (`!!int abc`, an
    integer of thousands of digits), a duplicate key or an unknown tag is an error at its line.
    """
    import yaml

    try:
        _check_bounds(yaml.parse(text, Loader=_loader_class()), name)
        root = yaml.compose(text, Loader=_loader_class())
    except yaml.MarkedYAMLError as exc:
        if "maximum nesting depth" in str(exc.problem):
            # libyaml's own bound (newer builds), deeper than ours: the scanner's look-ahead
            # reaches it before the walk above sees level MAX_DEPTH
            raise _load_error(name, exc, f"nested deeper than {MAX_DEPTH} levels") from None
        raise _yaml_error(name, exc, "malformed YAML") from None
    except yaml.YAMLError as exc:
        raise InvalidInput(f"{name}: malformed YAML: {exc}") from None
    lines: dict[str, int] = {"": 1}
    if root is None:
        return None, lines
    return _Builder(name, lines).value(root, ""), lines


def _loader_class() -> type[Any]:
    """libyaml's parser (pure Python where PyYAML was built without it) with the YAML 1.2 core
    schema's implicit types: `NO` (Norway), `on` and `yes` stay strings, `010` is ten."""
    global _LOADER
    if _LOADER is None:
        import yaml

        base = getattr(yaml, "CBaseLoader", yaml.BaseLoader)
        loader: type[Any] = type("StackLoader", (base,), {})
        for tag, pattern, first in _CORE_SCHEMA:
            loader.add_implicit_resolver(
                f"tag:yaml.org,2002:{tag}", re.compile(pattern, re.X), list(first)
            )
        _LOADER = loader
    return _LOADER


_LOADER: type[Any] | None = None
_CORE_SCHEMA = (
    ("null", r"^(?:~|null|Null|NULL)$", "~nN"),
    ("bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
    ("int", r"^(?:[-+]?[0-9][0-9_]*|0o[0-7_]+|0x[0-9a-fA-F_]+)$", "-+0123456789"),
    (
        "float",
        r"""^(?:[-+]?(?:\.[0-9]+|[0-9][0-9_]*(?:\.[0-9_]*)?)(?:[eE][-+]?[0-9]+)?
        |[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$""",
        "-+0123456789.",
    ),
    ("merge", r"^(?:<<)$", "<"),
)


def _check_bounds(events: Iterable[Any], name: str) -> None:
    """Walk the parser's events (no tree is built) and refuse a document past the bounds."""
    import yaml

    open_at: list[tuple[str | None, int]] = []  # (anchor, values counted before it) per level
    sizes: dict[str, int] = {}  # values of each anchored node, aliases in it expanded
    nodes = 0
    for event in events:
        if isinstance(event, yaml.CollectionStartEvent):
            if len(open_at) >= MAX_DEPTH:
                raise _load_error(name, event, f"nested deeper than {MAX_DEPTH} levels")
            open_at.append((event.anchor, nodes))
            nodes += 1
        elif isinstance(event, yaml.CollectionEndEvent):
            anchor, before = open_at.pop()
            if anchor is not None:
                sizes[anchor] = nodes - before
        elif isinstance(event, yaml.AliasEvent):
            anchor = str(event.anchor)
            if anchor not in sizes and any(a == anchor for a, _ in open_at):
                raise _load_error(name, event, f"alias *{anchor} refers to itself")
            nodes += sizes.get(anchor, 1)
        elif isinstance(event, yaml.ScalarEvent):
            nodes += 1
            if event.anchor is not None:
                sizes[event.anchor] = 1
        if nodes > MAX_NODES:
            raise _load_error(
                name,
                event,
                f"more than {MAX_NODES:,} values once aliases are expanded (aliases that "
                "repeat aliases grow a document exponentially)",
            )


def _load_error(name: str, event: Any, message: str) -> StackInvalid:
    """A located schema.yaml finding at a parser event (or a YAML error's problem mark)."""
    mark = getattr(event, "start_mark", None) or getattr(event, "problem_mark", None)
    line = mark.line + 1 if mark is not None else None
    return StackInvalid([Finding(Level.ERROR, "schema.yaml", "", message, name, line)])


_YAML_TAG = "tag:yaml.org,2002:"


@dataclass
class _Builder:
    """Plain dicts, lists and scalars from a composed node tree, recording each key's line."""

    name: str
    lines: dict[str, int]

    def value(self, node: Any, path: str) -> Any:
        import yaml

        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path)
        if isinstance(node, yaml.SequenceNode):
            if node.tag != f"{_YAML_TAG}seq":
                raise self._error(node, f"the tag {_short(node.tag)} is not used in a stack file")
            out = []
            for index, item in enumerate(node.value):
                child = f"{path}[{index}]"
                self.lines.setdefault(child, item.start_mark.line + 1)
                out.append(self.value(item, child))
            return out
        return self._scalar(node)

    def _mapping(self, node: Any, path: str) -> dict[str, Any]:
        if node.tag != f"{_YAML_TAG}map":
            raise self._error(node, f"the tag {_short(node.tag)} is not used in a stack file")
        out: dict[str, Any] = {}
        merged: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == f"{_YAML_TAG}merge":
                merged = {**self._merge(value_node, path), **merged}
                continue
            key = self._key(key_node)
            if key in out:
                raise self._error(key_node, f"duplicate key {key!r}", "duplicate key")
            child = f"{path}.{key}" if path else key
            self.lines[child] = key_node.start_mark.line + 1
            out[key] = self.value(value_node, child)
        return {**merged, **out}

    def _merge(self, node: Any, path: str) -> dict[str, Any]:
        """`<<: *base` or `<<: [*a, *b]`: the earlier mapping's keys win, own keys over all."""
        import yaml

        sources = node.value if isinstance(node, yaml.SequenceNode) else [node]
        out: dict[str, Any] = {}
        for source in reversed(sources):
            if not isinstance(source, yaml.MappingNode):
                raise self._error(source, "a merge key `<<` takes a mapping or a list of them")
            out.update(self._mapping(source, path))
        return out

    def _key(self, node: Any) -> str:
        import yaml

        if not isinstance(node, yaml.ScalarNode):
            raise self._error(node, "a key must be a plain value, not a mapping or a list")
        return str(self._scalar(node))

    def _scalar(self, node: Any) -> Any:
        tag = str(node.tag)
        convert = _SCALARS.get(tag.removeprefix(_YAML_TAG)) if tag.startswith(_YAML_TAG) else None
        if convert is None:
            raise self._error(node, f"the tag {_short(tag)} is not used in a stack file")
        try:
            return convert(node.value)
        except (ValueError, ArithmeticError) as exc:
            raise self._error(node, _conversion_problem(node, exc), "unreadable value") from None

    def _error(self, node: Any, problem: str, what: str = "unreadable value") -> StackInvalid:
        line = node.start_mark.line + 1
        return StackInvalid(
            [Finding(Level.ERROR, "schema.yaml", "", f"{what}: {problem}", self.name, line)]
        )


def _short(tag: str) -> str:
    return tag.replace(_YAML_TAG, "!!")


def _int(text: str) -> int:
    digits = text.replace("_", "")
    if digits.startswith("0o"):
        return int(digits[2:], 8)
    if digits.startswith("0x"):
        return int(digits[2:], 16)
    return int(digits, 10)


def _float(text: str) -> float:
    lowered = text.lower()
    if lowered.endswith(".inf"):
        return float("-inf") if lowered.startswith("-") else float("inf")
    if lowered == ".nan":
        return float("nan")
    return float(text.replace("_", ""))


def _bool(text: str) -> bool:
    if text.lower() not in ("true", "false"):
        raise ValueError(text)
    return text.lower() == "true"


def _null(text: str) -> None:
    if text not in ("", "~", "null", "Null", "NULL"):
        raise ValueError(text)


_SCALARS: dict[str, Callable[[str], Any]] = {
    "str": str,
    "int": _int,
    "float": _float,
    "bool": _bool,
    "null": _null,
}


def _conversion_problem(node: Any, exc: Exception) -> str:
    value = str(node.value)
    if "integer string conversion" in str(exc):
        return f"a number of {len(value):,} digits; the numbers of a stack file have a few"
    shown = value if len(value) <= 40 else value[:40] + "..."
    return f"{shown!r} is not a valid {_short(str(node.tag))}"


def _yaml_error(name: str, exc: Any, what: str) -> InvalidInput:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    line = mark.line + 1 if mark is not None else None
    return StackInvalid([Finding(Level.ERROR, "schema.yaml", "", f"{what}: {problem}", name, line)])


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
    """One finding per schema error, the first `MAX_SCHEMA_FINDINGS` of them; then one that
    counts the rest (a file of 100,000 unknown keys is answered with 50 and a count)."""
    findings: list[Finding] = []
    seen: set[tuple[str, str]] = set()
    errors = exc.errors(include_url=False)
    for index, err in enumerate(errors):
        if len(findings) == MAX_SCHEMA_FINDINGS:
            findings.append(_more_errors(errors[index:]))
            break
        path = loc_to_path(tuple(err["loc"]))
        message = _message(err, data)
        if (path, message) in seen:
            continue
        seen.add((path, message))
        findings.append(Finding(Level.ERROR, f"schema.{_rule(err['type'])}", path, message))
    return findings


def _more_errors(rest: list[Any]) -> Finding:
    first = loc_to_path(tuple(rest[0]["loc"]))
    kinds = sorted({_rule(err["type"]) for err in rest})
    return Finding(
        Level.ERROR,
        "schema.more",
        first,
        f"and {len(rest):,} more schema errors ({', '.join(kinds)}) from here on; the first "
        f"{MAX_SCHEMA_FINDINGS} are listed",
    )


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
