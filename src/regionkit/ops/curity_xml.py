"""Curity configuration XML: parse, strip region-specific parts, merge into one document.

Every file is parsed and checked before anything is sent, so a broken repository never leaves
an admin node half-configured. The files are merged into ONE `<config>` document that is
applied with a single RESTCONF PATCH: the server applies one edit as one transaction, whereas
one PATCH per file could stop after the second of five files and leave a mix of old and new.

What is stripped, and why (DEFAULT_STRIP):
- `environments/environment/cluster` (base namespace): the cluster keystore and admin host made by
  `genclust` for ONE region's cluster. Copying the active region's would point the passive
  runtime nodes at the active admin node.

What is deliberately kept: the license, the admin service settings, NACM users and every key
(the REFERENCE's "shared across regions": they must be identical in every region), and
`#{PARAMETER}` references (resolved by this job from its environment, as Curity's init-time
pre-processor would, because RESTCONF does not resolve them).

Merging matches elements across files by identity: containers by name, list entries by their
`id` or `name` key leaf, leaves by value. Without the YANG schema a leaf set to two different
values in two files cannot be told from a leaf-list; both are kept and the server rejects the
whole edit (nothing is applied), which is the safe outcome.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from xml.dom import minidom
from xml.parsers import expat

from regionkit.errors import InvalidInput
from regionkit.spec.config_dir import startup_xml

CONFIG_NS = "http://tail-f.com/ns/config/1.0"
RESTCONF_NS = "urn:ietf:params:xml:ns:yang:ietf-restconf"
BASE_NS = "https://curity.se/ns/conf/base"
XMLNS_NS = "http://www.w3.org/2000/xmlns/"

#: Curity's parameter syntax: `#{name}` or `#{name | default}`
PARAMETER = re.compile(r"#\{\s*([^}|\s]+)\s*(?:\|\s*([^}]*?)\s*)?\}")

_KEY_LEAVES = ("id", "name")
_ROOTS = {(CONFIG_NS, "config"), (RESTCONF_NS, "data")}


class InvalidConfig(InvalidInput):
    """The configuration repository holds something that must not be applied."""


@dataclass(frozen=True)
class StripRule:
    """An element path below `<config>`, as (namespace, local name) steps, never copied."""

    steps: tuple[tuple[str, str], ...]

    @classmethod
    def parse(cls, text: str) -> StripRule:
        """`a/b/c` in the base namespace, or `{ns}a/b`; a step without `{ns}` keeps the last one."""
        namespace = BASE_NS
        steps: list[tuple[str, str]] = []
        for raw in _split_path(text):
            match = re.fullmatch(r"(?:\{([^}]+)\})?([A-Za-z_][\w.-]*)", raw)
            if match is None:
                raise InvalidInput(
                    f"strip path {text!r}: step {raw!r} is not a name or {{namespace}}name"
                )
            namespace = match.group(1) or namespace
            steps.append((namespace, match.group(2)))
        if not steps:
            raise InvalidInput(f"strip path {text!r} is empty")
        return cls(tuple(steps))

    def __str__(self) -> str:
        return "/".join(name for _, name in self.steps)


def _split_path(text: str) -> list[str]:
    # a namespace URI contains slashes: split only outside {...}
    parts, depth, current = [], 0, ""
    for char in text.strip().strip("/"):
        depth += {"{": 1, "}": -1}.get(char, 0)
        if char == "/" and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    if current:
        parts.append(current)
    return parts


DEFAULT_STRIP: tuple[StripRule, ...] = (StripRule.parse("environments/environment/cluster"),)


@dataclass
class ParsedFile:
    name: str
    document: minidom.Document
    #: line of every element, in document order
    lines: dict[int, int]
    stripped: list[str]

    def line_of(self, element: minidom.Element) -> int | None:
        return self.lines.get(id(element))


@dataclass(frozen=True)
class MergedConfig:
    """The merged document (parameters unresolved) and what went into it."""

    document: minidom.Document
    files: tuple[str, ...]
    #: "file: path" of every stripped element
    stripped: tuple[str, ...]
    #: parameter names the document references
    parameters: tuple[str, ...]

    def to_bytes(self) -> bytes:
        return self.document.toxml(encoding="utf-8")

    def pretty(self) -> str:
        return self.document.toprettyxml(indent="  ")

    def resolved(self, environment: Mapping[str, str]) -> bytes:
        """The document with every `#{NAME}` replaced from `environment` (checked beforehand)."""
        copy = minidom.parseString(self.to_bytes())
        for element in _elements_in_order(_root(copy)):
            for node in element.childNodes:
                if isinstance(node, minidom.Text):
                    node.data = _substitute(node.data, environment)
            for attr in _attributes(element):
                if attr.namespaceURI != XMLNS_NS:
                    attr.value = _substitute(attr.value, environment)
        return copy.toxml(encoding="utf-8")


def load_directory(
    directory: Path,
    *,
    display: str,
    strip: tuple[StripRule, ...] = DEFAULT_STRIP,
    environment: Mapping[str, str] | None = None,
) -> MergedConfig:
    """Every `*.xml` of `directory` at any depth (sorted, as the nodes load them at startup:
    `spec.config_dir`), checked, stripped and merged.

    `display` is how the directory is named in messages (e.g. "repo@main:idsvr-config").
    With `environment`, every `#{PARAMETER}` must resolve from it (or have a default).
    """
    if not directory.is_dir():
        raise InvalidConfig(f"{display}: no such directory in the repository")
    paths = [directory / name for name in startup_xml(directory)]
    if not paths:
        raise InvalidConfig(f"{display}: no *.xml files to apply")
    root = directory.resolve()
    files = []
    for path in paths:
        name = path.relative_to(directory).as_posix()
        if not path.resolve().is_relative_to(root):
            raise InvalidConfig(f"{display}/{name}: a symbolic link out of the directory")
        files.append(parse(name, path.read_bytes(), display=display))
    for parsed in files:
        strip_elements(parsed, strip)
    if environment is not None:
        missing = [m for parsed in files for m in unresolved_parameters(parsed, environment)]
        if missing:
            more = f" (and {len(missing) - 3} more)" if len(missing) > 3 else ""
            raise InvalidConfig(
                f"{display}: parameters not set in the environment and without a default: "
                + "; ".join(missing[:3])
                + more
            )
    return merge(files)


def parse(name: str, data: bytes, *, display: str = "") -> ParsedFile:
    """Parse one file; malformed XML, a DOCTYPE or a foreign root element are rejected."""
    where = f"{display}/{name}" if display else name
    lines: list[int] = []
    scanner = expat.ParserCreate(namespace_separator=" ")

    def on_doctype(*_: object) -> None:
        raise InvalidConfig(f"{where}:{scanner.CurrentLineNumber}: a DOCTYPE is not allowed")

    scanner.StartDoctypeDeclHandler = on_doctype
    scanner.StartElementHandler = lambda *_: lines.append(scanner.CurrentLineNumber)
    try:
        scanner.Parse(data, True)
    except expat.ExpatError as exc:
        message = expat.ErrorString(exc.code) if exc.code is not None else str(exc)
        raise InvalidConfig(
            f"{where}:{exc.lineno}:{exc.offset + 1}: malformed XML: {message}"
        ) from None
    document = minidom.parseString(data)
    root = _root(document)
    elements = list(_elements_in_order(root))
    parsed = ParsedFile(
        name=name,
        document=document,
        lines={id(e): line for e, line in zip(elements, lines, strict=False)},
        stripped=[],
    )
    if (root.namespaceURI, root.localName) not in _ROOTS:
        raise InvalidConfig(
            f"{where}:{parsed.line_of(root)}: the root element is <{root.tagName}> in namespace "
            f'{root.namespaceURI!r}; expected <config xmlns="{CONFIG_NS}"> (as `idsvr -d` writes)'
        )
    for child in _element_children(root):
        if not child.namespaceURI:
            raise InvalidConfig(
                f"{where}:{parsed.line_of(child)}: <{child.tagName}> has no XML namespace; "
                'Curity configuration elements are namespaced (e.g. xmlns="' + BASE_NS + '")'
            )
    _drop_formatting(root)
    return parsed


def strip_elements(parsed: ParsedFile, rules: tuple[StripRule, ...]) -> None:
    """Remove every element a rule names, and the ancestors only it kept non-empty."""
    root = _root(parsed.document)
    for rule in rules:
        for element in list(_find(root, rule.steps)):
            parsed.stripped.append(f"{parsed.name}:{parsed.line_of(element)}: {rule}")
            parent = _parent(element)
            parent.removeChild(element)
            while parent is not root and not parent.hasChildNodes():
                grandparent = _parent(parent)
                grandparent.removeChild(parent)
                parent = grandparent


def unresolved_parameters(parsed: ParsedFile, environment: Mapping[str, str]) -> Iterator[str]:
    for element in _elements_in_order(_root(parsed.document)):
        for value in _values(element):
            for match in PARAMETER.finditer(value):
                if match.group(2) is None and match.group(1) not in environment:
                    yield f"#{{{match.group(1)}}} in {parsed.name}:{parsed.line_of(element)}"


def merge(files: list[ParsedFile]) -> MergedConfig:
    impl = minidom.getDOMImplementation()
    document = impl.createDocument(CONFIG_NS, "config", None)
    root = _root(document)
    root.setAttributeNS(XMLNS_NS, "xmlns", CONFIG_NS)
    for parsed in files:
        _merge_children(root, _root(parsed.document))
    if not _element_children(root):
        raise InvalidConfig(
            "nothing to apply: after stripping region-specific elements the files "
            f"({', '.join(p.name for p in files)}) hold no configuration"
        )
    names = sorted(
        {
            match.group(1)
            for element in _elements_in_order(root)
            for value in _values(element)
            for match in PARAMETER.finditer(value)
        }
    )
    return MergedConfig(
        document=document,
        files=tuple(p.name for p in files),
        stripped=tuple(s for p in files for s in p.stripped),
        parameters=tuple(names),
    )


def _merge_children(target: minidom.Element, source: minidom.Element) -> None:
    for child in _element_children(source):
        match = next(
            (t for t in _element_children(target) if _identity(t) == _identity(child)), None
        )
        if match is not None and _element_children(child):
            _merge_children(match, child)
        elif match is None:
            document = target.ownerDocument
            assert document is not None
            copy = document.importNode(child, True)
            _carry_namespaces(copy, source, target)
            target.appendChild(copy)


def _identity(element: minidom.Element) -> tuple[str | None, ...]:
    kids = _element_children(element)
    if not kids:
        return ("leaf", element.namespaceURI, element.localName, _text(element))
    for key in _KEY_LEAVES:
        leaf = next((k for k in kids if k.localName == key and not _element_children(k)), None)
        if leaf is not None:
            return ("entry", element.namespaceURI, element.localName, key, _text(leaf))
    return ("container", element.namespaceURI, element.localName)


def _carry_namespaces(
    moved: minidom.Element, old_parent: minidom.Element, new_parent: minidom.Element
) -> None:
    """Declare on `moved` the prefixes it relied on from its old ancestors.

    Identityref values such as `auth:authentication-service` name a prefix in text, so a
    declaration must survive the move even where no element or attribute uses it.
    """
    had = _in_scope(old_parent)
    has = _in_scope(new_parent)
    own = {_declared_prefix(a) for a in _attributes(moved) if a.namespaceURI == XMLNS_NS}
    for prefix, uri in had.items():
        if prefix not in own and has.get(prefix) != uri:
            moved.setAttributeNS(XMLNS_NS, f"xmlns:{prefix}" if prefix else "xmlns", uri)
    if None not in had and None not in own and has.get(None):
        moved.setAttributeNS(XMLNS_NS, "xmlns", "")


def _in_scope(element: minidom.Element) -> dict[str | None, str]:
    scope: dict[str | None, str] = {}
    node: object = element
    while isinstance(node, minidom.Element):
        for attr in _attributes(node):
            if attr.namespaceURI == XMLNS_NS:
                scope.setdefault(_declared_prefix(attr), attr.value)
        node = node.parentNode
    return {prefix: uri for prefix, uri in scope.items() if uri}


def _declared_prefix(attr: minidom.Attr) -> str | None:
    return attr.localName if attr.prefix == "xmlns" else None


def _find(
    element: minidom.Element, steps: tuple[tuple[str, str], ...]
) -> Iterator[minidom.Element]:
    head, rest = steps[0], steps[1:]
    for child in _element_children(element):
        if (child.namespaceURI, child.localName) == head:
            if rest:
                yield from _find(child, rest)
            else:
                yield child


def _drop_formatting(element: minidom.Element) -> None:
    """Remove comments, processing instructions and indentation; keep leaf values exact."""
    has_elements = bool(_element_children(element))
    for node in list(element.childNodes):
        if node.nodeType in (node.COMMENT_NODE, node.PROCESSING_INSTRUCTION_NODE):
            element.removeChild(node)
        elif node.nodeType == node.TEXT_NODE and not node.data.strip():
            if has_elements or "\n" in node.data:
                element.removeChild(node)
        elif node.nodeType == node.ELEMENT_NODE:
            _drop_formatting(node)


def _substitute(value: str, environment: Mapping[str, str]) -> str:
    def one(match: re.Match[str]) -> str:
        name, default = match.group(1), match.group(2)
        if name in environment:
            return environment[name]
        if default is not None:
            return default
        raise InvalidConfig(f"parameter #{{{name}}} is not set in the environment")

    return PARAMETER.sub(one, value)


def _element_children(element: minidom.Element) -> list[minidom.Element]:
    return [n for n in element.childNodes if n.nodeType == n.ELEMENT_NODE]


def _elements_in_order(element: minidom.Element) -> Iterator[minidom.Element]:
    yield element
    for child in _element_children(element):
        yield from _elements_in_order(child)


def _root(document: minidom.Document) -> minidom.Element:
    root = document.documentElement
    assert root is not None
    return root


def _parent(element: minidom.Element) -> minidom.Element:
    parent = element.parentNode
    assert isinstance(parent, minidom.Element)
    return parent


def _attributes(element: minidom.Element) -> list[minidom.Attr]:
    return list(element.attributes.values()) if element.attributes is not None else []


def _values(element: minidom.Element) -> list[str]:
    """The text and attribute values of `element` where parameters may appear."""
    values = [n.data for n in element.childNodes if isinstance(n, minidom.Text)]
    return values + [a.value for a in _attributes(element) if a.namespaceURI != XMLNS_NS]


def _text(element: minidom.Element) -> str:
    return "".join(n.data for n in element.childNodes if isinstance(n, minidom.Text))
