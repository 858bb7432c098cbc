"""Exceptions that carry a user-facing message and an exit code; never shown as tracebacks."""

from __future__ import annotations

from enum import IntEnum

from regionkit.findings import Finding


class ExitCode(IntEnum):
    OK = 0
    FAILED = 1
    INVALID_INPUT = 2
    CHANGES_PENDING = 3
    LOCKED = 4
    #: interrupted with Ctrl-C (128 + SIGINT, what a shell reports for an interrupted command)
    CANCELLED = 130


class RegionkitError(Exception):
    """An error the user can act on. `str(error)` is the whole message."""

    exit_code: ExitCode = ExitCode.FAILED


class InvalidInput(RegionkitError):
    exit_code = ExitCode.INVALID_INPUT


class StackInvalid(InvalidInput):
    """The stack file failed to load or failed a check."""

    def __init__(self, findings: list[Finding]):
        self.findings = findings
        super().__init__("\n".join(f.format() for f in findings if f.is_error))


class StackLocked(RegionkitError):
    exit_code = ExitCode.LOCKED


def skipped_check(problem: str, rule: str) -> ValueError:
    """What a component raises for input that the check `rule` refuses.

    Validation (`regionkit.checks.validate`) reports the finding with file, line and key before
    anything is registered; reaching a component with such input means its caller skipped it, a
    programming error rather than a user's.
    """
    return ValueError(
        f"{problem}; the check {rule} refuses this stack: validate the spec before registering it"
    )
