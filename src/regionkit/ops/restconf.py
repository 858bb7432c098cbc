"""A small RESTCONF client for the admin node: one PATCH of the whole configuration.

Standard library only (http.client + ssl), so the config-sync image needs no HTTP dependency.
Transient failures (connection errors, timeouts, 5xx, 429) are retried with exponential
backoff within a bounded number of attempts and total time; a 4xx is final (a 401 means the
credentials are wrong, and retrying only risks locking the admin account).

Deadlines: each attempt has one (`RetryPolicy.timeout`) that covers connecting, sending and
reading the whole answer, and the run has one (`RetryPolicy.deadline`) that covers every
attempt and the backoff between them. A socket timeout alone bounds each read, not the
answer: a server that trickles a byte at a time would never trip it, so a watchdog cuts the
connection when the attempt's deadline passes.

Success is what RFC 8040 defines for the request, not any 2xx: a PATCH succeeds with 204 No
Content, or 200 OK carrying a RESTCONF (yang-data) body that is not an `errors` document. A
200 HTML page (a proxy's login page) or a 200 carrying `ietf-restconf:errors` is a failure.

Secrets (the credentials read from files and every value the caller names) are never put in
a message: every message passes through `redact`, before anything is shortened.
"""

from __future__ import annotations

import base64
import contextlib
import html
import http.client
import json
import re
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit
from xml.etree import ElementTree

from regionkit.catalog.idsvr import RESTCONF_CONTENT_TYPE, RESTCONF_DATA_PATH
from regionkit.errors import InvalidInput, RegionkitError

DATA_PATH = RESTCONF_DATA_PATH
YANG_XML = RESTCONF_CONTENT_TYPE
RESTCONF_NS = "urn:ietf:params:xml:ns:yang:ietf-restconf"

_MAX_BODY = 64 * 1024
_MAX_DETAIL = 300

#: RFC 8040 success answers: PATCH (4.6.1) 200 with a message-body or 204; PUT (4.5) 201 or 204
SUCCESS_STATUSES = {"PATCH": frozenset({200, 204}), "PUT": frozenset({201, 204})}
#: media types of a RESTCONF message-body (RFC 8040 section 11.3)
YANG_DATA_TYPES = frozenset({"application/yang-data+xml", "application/yang-data+json"})


class RestconfError(RegionkitError):
    """The admin node did not accept the configuration."""

    def __init__(self, message: str, status: int | None = None, attempts: int = 1):
        super().__init__(message)
        self.status = status
        self.attempts = attempts


@dataclass(frozen=True)
class RestconfAuth:
    """Basic auth (user + password file) or a bearer token file, read at request time."""

    user: str | None = None
    password_file: Path | None = None
    token_file: Path | None = None

    def __post_init__(self) -> None:
        if self.token_file is not None and self.password_file is not None:
            raise InvalidInput("give either a password file or a token file, not both")
        if self.token_file is None and self.password_file is None:
            raise InvalidInput("RESTCONF needs credentials: a password file or a token file")
        if self.password_file is not None and not self.user:
            raise InvalidInput("a password file needs the admin user name")

    def describe(self) -> str:
        if self.token_file is not None:
            return f"bearer token from {self.token_file}"
        return f"user {self.user!r} with the password from {self.password_file}"

    def header(self) -> tuple[str, str]:
        """The Authorization header value and the secret it carries (for redaction)."""
        if self.token_file is not None:
            token = _read_secret(self.token_file, "token")
            return f"Bearer {token}", token
        assert self.password_file is not None and self.user is not None
        password = _read_secret(self.password_file, "password")
        pair = base64.b64encode(f"{self.user}:{password}".encode()).decode()
        return f"Basic {pair}", password


def _read_secret(path: Path, what: str) -> str:
    try:
        value = path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise InvalidInput(f"cannot read the {what} file {path}: {exc.strerror}") from None
    if not value:
        raise InvalidInput(f"the {what} file {path} is empty")
    return value


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 5
    #: seconds per attempt: connect, send and read the whole answer
    timeout: float = 10.0
    #: first backoff in seconds, doubled after each failed attempt up to `max_backoff`
    backoff: float = 1.0
    max_backoff: float = 30.0
    #: seconds per run, across attempts and backoff; no attempt outlives it
    deadline: float = 120.0

    def __post_init__(self) -> None:
        if self.attempts < 1 or self.timeout <= 0 or self.deadline <= 0 or self.backoff < 0:
            raise InvalidInput(
                "retry settings need attempts >= 1, timeout > 0, deadline > 0, backoff >= 0"
            )


@dataclass(frozen=True)
class PatchResult:
    status: int
    attempts: int


def data_url(url: str) -> str:
    """The RESTCONF data resource: `https://host:6749` gets `/admin/api/restconf/data`."""
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname:
        raise InvalidInput(
            f"RESTCONF URL {redact(url)!r} must be https://<admin-host>:6749 "
            "(the admin credentials never travel over plain HTTP)"
        )
    if parts.username or parts.password:
        raise InvalidInput("put RESTCONF credentials in a password or token file, not in the URL")
    if parts.path in ("", "/"):
        return url.rstrip("/") + DATA_PATH
    return url


def tls_context(ca_file: Path | None) -> ssl.SSLContext:
    if ca_file is not None and not ca_file.is_file():
        raise InvalidInput(f"CA file {ca_file} does not exist")
    try:
        return ssl.create_default_context(cafile=str(ca_file) if ca_file else None)
    except ssl.SSLError as exc:
        raise InvalidInput(f"CA file {ca_file} holds no usable certificate: {exc}") from None


class _TransientError(Exception):
    """A failure worth another attempt."""


class RestconfClient:
    def __init__(
        self,
        url: str,
        auth: RestconfAuth,
        *,
        ca_file: Path | None = None,
        retry: RetryPolicy | None = None,
        log: Callable[[str], None] = lambda _: None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.url = data_url(url)
        self.auth = auth
        self.context = tls_context(ca_file)
        self.ca_file = ca_file
        self.retry = retry or RetryPolicy()
        self._log = log
        self._sleep = sleep
        self._clock = clock

    def patch(self, body: bytes, *, secrets: Iterable[str] = ()) -> PatchResult:
        """PATCH `body` onto the data resource; success as RFC 8040 defines it for PATCH.

        `secrets` (the parameter values resolved into `body`) never appear in a message.
        """
        authorization, secret = self.auth.header()
        hidden = (secret, *secrets)
        start = self._clock()
        delay = self.retry.backoff
        last = ""
        for attempt in range(1, self.retry.attempts + 1):
            remaining = self.retry.deadline - (self._clock() - start)
            timeout = max(min(self.retry.timeout, remaining), 0.05)
            try:
                status = self._once(body, authorization, timeout, hidden)
                return PatchResult(status=status, attempts=attempt)
            except _TransientError as exc:
                last = redact(str(exc), *hidden)
            except RestconfError as exc:
                raise RestconfError(
                    redact(str(exc), *hidden), status=exc.status, attempts=attempt
                ) from None
            elapsed = self._clock() - start
            if attempt == self.retry.attempts or elapsed + delay >= self.retry.deadline:
                break
            self._log(f"attempt {attempt} failed ({last}); retrying in {delay:g}s")
            self._sleep(delay)
            delay = min(delay * 2, self.retry.max_backoff)
        raise RestconfError(
            f"PATCH {self.url} failed after {attempt} attempt(s) in "
            f"{self._clock() - start:.1f}s: {last}",
            attempts=attempt,
        )

    def _once(
        self, body: bytes, authorization: str, timeout: float, hidden: tuple[str, ...]
    ) -> int:
        """One attempt, all of it (connect, send, the whole answer) within `timeout` seconds."""
        parts = urlsplit(self.url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        connection = http.client.HTTPSConnection(
            parts.hostname or "", parts.port or 443, context=self.context, timeout=timeout
        )
        watchdog = _Watchdog(connection, timeout)
        try:
            with watchdog:
                connection.request(
                    "PATCH",
                    path,
                    body=body,
                    headers={
                        "Content-Type": YANG_XML,
                        "Accept": YANG_XML,
                        "Authorization": authorization,
                    },
                )
                response = connection.getresponse()
                payload = response.read(_MAX_BODY)
        except ssl.SSLCertVerificationError as exc:
            hint = f"--ca-file {self.ca_file}" if self.ca_file else "no --ca-file: system CAs"
            raise RestconfError(
                f"TLS verification of {parts.netloc} failed: the certificate could not be "
                f"verified ({exc.verify_message or exc.reason}; {hint}); is that the CA that "
                "signed the admin node's certificate?"
            ) from None
        except (OSError, http.client.HTTPException) as exc:
            if watchdog.fired.is_set() or isinstance(exc, TimeoutError):
                raise _TransientError(_timed_out(timeout)) from None
            raise _TransientError(f"{type(exc).__name__}: {exc}") from None
        finally:
            connection.close()
        if watchdog.fired.is_set():  # what arrived before the cut is not a whole answer
            raise _TransientError(_timed_out(timeout))
        return self._judge(response, payload, hidden)

    def _judge(
        self, response: http.client.HTTPResponse, payload: bytes, hidden: tuple[str, ...]
    ) -> int:
        """The status of a success answer, or the error that says why it is not one."""
        status = response.status
        content_type = response.getheader("Content-Type", "")
        detail = error_detail(payload, content_type, hidden)
        if 200 <= status < 300:
            problem = success_problem("PATCH", status, content_type, payload)
            if problem is None:
                return status
            raise RestconfError(
                f"PATCH {self.url} answered {status} {response.reason}, which is not "
                f"RESTCONF's success answer: {problem}{detail}; nothing is recorded as applied",
                status=status,
            )
        if status >= 500 or status == 429:
            raise _TransientError(f"{status} {response.reason}{detail}")
        if status == 401:
            raise RestconfError(
                f"PATCH {self.url} was refused with 401 Unauthorized: the admin credentials "
                f"({self.auth.describe()}) are wrong; not retried",
                status=status,
            )
        if status == 403:
            raise RestconfError(
                f"PATCH {self.url} was refused with 403 Forbidden: {self.auth.describe()} may "
                f"not change the configuration (NACM){detail}",
                status=status,
            )
        if 300 <= status < 400:
            where = response.getheader("Location", "?")
            raise RestconfError(
                f"PATCH {self.url} was redirected ({status}) to {where}: give the admin node's "
                "RESTCONF URL itself",
                status=status,
            )
        raise RestconfError(
            f"PATCH {self.url} was rejected with {status} {response.reason}{detail}; "
            "nothing was applied",
            status=status,
        )


def _timed_out(timeout: float) -> str:
    return f"timed out: no complete answer within {timeout:g}s"


class _Watchdog:
    """Cuts a connection when its attempt's deadline passes, whatever the server trickles.

    Shutting the socket down wakes a read blocked in another thread; the raw socket's
    `shutdown` is used so that a TLS socket is not unwrapped under its reader.
    """

    def __init__(self, connection: http.client.HTTPConnection, seconds: float):
        self.fired = threading.Event()
        self._connection = connection
        self._timer = threading.Timer(seconds, self._cut)
        self._timer.daemon = True

    def __enter__(self) -> _Watchdog:
        self._timer.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._timer.cancel()

    def _cut(self) -> None:
        self.fired.set()
        sock = self._connection.sock
        if sock is not None:
            with contextlib.suppress(OSError):  # already closed: nothing left to cut
                socket.socket.shutdown(sock, socket.SHUT_RDWR)


def success_problem(method: str, status: int, content_type: str, payload: bytes) -> str | None:
    """Why a 2xx answer to `method` is not the success RFC 8040 defines for it, or None.

    PATCH: 204 No Content, or 200 OK with a message-body (a yang-data document); PUT: 201 or
    204. A body that is a RESTCONF `errors` document is a failure whatever the status.
    """
    allowed = SUCCESS_STATUSES[method]
    if status not in allowed:
        expected = " or ".join(str(s) for s in sorted(allowed))
        return f"RESTCONF answers a successful {method} with {expected}"
    if status != 200:
        return None  # 201 and 204: the status says it all, and 204 has no body
    media = content_type.split(";", 1)[0].strip().lower()
    if media not in YANG_DATA_TYPES:
        shown = media or "no Content-Type"
        return f"a 200 carries a yang-data message-body, not {shown} (a proxy or login page?)"
    if not payload.strip():
        return "a 200 carries a message-body (204 is the answer without one)"
    return _body_problem(payload, media)


def _body_problem(payload: bytes, media: str) -> str | None:
    """Why a 200's yang-data body is not a success answer: malformed, or RESTCONF errors."""
    errors_found = "the body is an ietf-restconf:errors document"
    malformed = f"the body is not well-formed {media.rsplit('+', 1)[-1].upper()}"
    if media.endswith("json"):
        try:
            document = json.loads(payload)
        except ValueError:
            return malformed
        if not isinstance(document, dict):
            return malformed
        return errors_found if "ietf-restconf:errors" in document else None
    try:
        root = ElementTree.fromstring(payload)
    except ElementTree.ParseError:
        return malformed
    errors = f"{{{RESTCONF_NS}}}errors"
    return errors_found if root.tag == errors or root.find(f".//{errors}") is not None else None


def error_detail(payload: bytes, content_type: str, secrets: Iterable[str] = ()) -> str:
    """The RESTCONF `error-message`s of an error answer, or its first words: ": ..." or "".

    `secrets` are redacted before the text is shortened, so that no part of one survives, and
    control characters are escaped, so that a server cannot rewrite the terminal's line.
    """
    messages: list[str] = []
    if "json" in content_type:
        try:
            errors = json.loads(payload).get("ietf-restconf:errors", {}).get("error", [])
            messages = [
                " ".join(str(e.get(k, "")) for k in ("error-path", "error-message")).strip()
                for e in errors
            ]
        except (ValueError, AttributeError):
            messages = []
    elif payload.strip().startswith(b"<"):
        try:
            root = ElementTree.fromstring(payload)
            messages = [
                " ".join(
                    (e.findtext(f"{{{RESTCONF_NS}}}{k}") or "").strip()
                    for k in ("error-path", "error-message")
                ).strip()
                for e in root.iter(f"{{{RESTCONF_NS}}}error")
            ]
        except ElementTree.ParseError:
            messages = []
    text = "; ".join(m for m in messages if m) or " ".join(
        payload.decode("utf-8", "replace").split()
    )
    text = printable(redact(text, *secrets))
    return f": {text[:_MAX_DETAIL]}" if text else ""


def redact(text: str, *secrets: str) -> str:
    """`text` without the given secrets and without credentials embedded in URLs.

    A secret is also found as an XML/HTML or JSON string escapes it, as a server quoting the
    request in its answer would write it; longer secrets go first, so that one containing
    another leaves no part behind.
    """
    forms = {form for secret in secrets if secret for form in _written_forms(secret)}
    for form in sorted(forms, key=len, reverse=True):
        text = text.replace(form, "***")
    return re.sub(r"(\w+://)[^/@\s]+@", r"\1***@", text)


def _written_forms(secret: str) -> set[str]:
    return {secret, html.escape(secret, quote=True), json.dumps(secret)[1:-1]} - {""}


def printable(text: str) -> str:
    """`text` with control and bidirectional-formatting characters shown as escapes."""
    return "".join(
        ch if ch.isprintable() or ch == " " else ch.encode("unicode_escape").decode("ascii")
        for ch in text
    )
