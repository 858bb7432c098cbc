"""Ctrl-C while the engine runs: let the Pulumi CLI cancel at a safe point, never `pulumi cancel`.

The Pulumi CLI handles SIGINT itself: the first one makes the engine stop starting new steps and
finish (or fail) the ones in flight, then it writes the state and releases the lock; a second one
terminates it at once. Ctrl-C in a terminal reaches every process of the foreground group, the CLI
included, so regionkit must only keep running meanwhile (Python would otherwise raise
KeyboardInterrupt, close the CLI's pipes and exit under it). When the signal came another way
(`kill -INT`, a CI runner), the CLI did not get it, so it is passed on to the CLI children.

`stack.cancel()` (`pulumi cancel`) is never run here: on a file or bucket backend it deletes
every lock file of the stack, and on Pulumi Cloud it cancels whatever update is running there,
possibly another user's. `regionkit cancel` does that, explicitly.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Callable
from pathlib import Path
from types import FrameType, TracebackType

from rich.console import Console

#: presses after which regionkit itself stops waiting (the CLI got two and stopped at once)
GIVE_UP = 3


def terminal_delivers_sigint() -> bool:
    """Whether Ctrl-C reaches the CLI directly: we run in the foreground process group of our
    controlling terminal (whatever stdin is redirected to)."""
    try:
        fd = os.open("/dev/tty", os.O_RDONLY | os.O_NOCTTY)
    except (OSError, AttributeError):  # no controlling terminal (CI), or not POSIX
        return False
    try:
        return os.tcgetpgrp(fd) == os.getpgrp()
    except OSError:
        return False
    finally:
        os.close(fd)


def pulumi_children(parent: int | None = None, proc: Path = Path("/proc")) -> list[int]:
    """Process ids of the `pulumi` processes this process started (Linux /proc; else none)."""
    parent = os.getpid() if parent is None else parent
    found = []
    try:
        entries = list(proc.iterdir())
    except OSError:
        return []
    for entry in entries:
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # "<pid> (<comm>) <state> <ppid> ...": comm may hold spaces, so split at the last ")"
        comm = stat[stat.find("(") + 1 : stat.rfind(")")]
        fields = stat[stat.rfind(")") + 2 :].split()
        if comm == "pulumi" and len(fields) > 1 and fields[1] == str(parent):
            found.append(int(entry.name))
    return found


class Interrupts:
    """While active (main thread only), SIGINT is counted and reported instead of raised."""

    def __init__(
        self,
        console: Console,
        operation: str,
        *,
        forward: Callable[[], bool] | None = None,
        children: Callable[[], list[int]] = pulumi_children,
    ):
        self.console = console
        self.operation = operation
        self.count = 0
        self._forward = forward if forward is not None else lambda: not terminal_delivers_sigint()
        self._children = children
        self._previous: signal.Handlers | Callable[..., object] | int | None = None
        self._installed = False

    def __enter__(self) -> Interrupts:
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGINT, self.handle)
            self._installed = True
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._installed:
            signal.signal(signal.SIGINT, self._previous)  # type: ignore[arg-type]
            self._installed = False

    @property
    def interrupted(self) -> bool:
        return self.count > 0

    def handle(self, signum: int, frame: FrameType | None) -> None:
        self.count += 1
        if self.count >= GIVE_UP:
            raise KeyboardInterrupt
        if self._forward():
            for pid in self._children():
                with contextlib.suppress(OSError):  # it has just exited
                    os.kill(pid, signal.SIGINT)
        if self.count == 1:
            self.console.print(
                f"Ctrl-C: cancelling the {self.operation}; the engine stops at a safe point and "
                "releases the lock. Press Ctrl-C again to stop it at once (that can leave the "
                "stack locked and resources half-changed).",
                style="yellow",
                markup=False,
            )
        else:
            self.console.print(
                "Ctrl-C again: the engine stops at once. Press Ctrl-C once more to leave "
                "without waiting for it.",
                style="bold yellow",
                markup=False,
            )
