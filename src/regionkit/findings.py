"""Findings: what validation reports, with the stack-file location they point at."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any


class Level(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True)
class Finding:
    level: Level
    rule: str
    path: str
    message: str
    file: str | None = field(default=None, compare=False)
    line: int | None = field(default=None, compare=False)

    @property
    def is_error(self) -> bool:
        return self.level is Level.ERROR

    def located(self, file: str | None, line: int | None) -> Finding:
        return replace(self, file=file, line=line)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "level": str(self.level),
            "rule": self.rule,
            "path": self.path,
            "message": self.message,
        }
        if self.file is not None:
            out["file"] = self.file
        if self.line is not None:
            out["line"] = self.line
        return out

    def format(self) -> str:
        where = self.file or "<stack>"
        if self.line is not None:
            where = f"{where}:{self.line}"
        key = f"{self.path}: " if self.path else ""
        return f"{where}: {self.level}: {key}{self.message} [{self.rule}]"


def error(rule: str, path: str, message: str) -> Finding:
    return Finding(Level.ERROR, rule, path, message)


def warning(rule: str, path: str, message: str) -> Finding:
    return Finding(Level.WARNING, rule, path, message)


def has_errors(findings: list[Finding]) -> bool:
    return any(f.is_error for f in findings)
