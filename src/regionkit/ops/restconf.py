"""A small RESTCONF client for the admin node: one PATCH of the whole configuration.

Standard library only (http.client + ssl), so the config-sync image needs no HTTP dependency.
Transient failures (connection errors, timeouts, 5xx, 429) are retried with exponential
backoff within a bounded number of attempts and total time; a 4xx is final (a 401 means the
credentials are wrong, and retrying only risks locking the admin account). Secrets read from
files are never put in a message: every message passes through `redact`.
"""

from __future__ import annotations

import base64
import http.client
import json
import re
import ssl
import time
from collections.abc import Callable
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
    #: seconds per request (connect + answer)
    timeout: float = 10.0
    #: first backoff in seconds, doubled after each failed attempt up to `max_backoff`
    backoff: float = 1.0
    max_backoff: float = 30.0
    #: total seconds across attempts; no attempt starts after it
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

    def patch(self, body: bytes) -> PatchResult:
        """PATCH `body` onto the data resource; 204 or 200 is success."""
        authorization, secret = self.auth.header()
        start = self._clock()
        delay = self.retry.backoff
        last = ""
        for attempt in range(1, self.retry.attempts + 1):
            remaining = self.retry.deadline - (self._clock() - start)
            timeout = max(min(self.retry.timeout, remaining), 0.05)
            try:
                status = self._once(body, authorization, timeout)
                return PatchResult(status=status, attempts=attempt)
            except _TransientError as exc:
                last = redact(str(exc), secret)
            except RestconfError as exc:
                raise RestconfError(
                    redact(str(exc), secret), status=exc.status, attempts=attempt
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

    def _once(self, body: bytes, authorization: str, timeout: float) -> int:
        parts = urlsplit(self.url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        connection = http.client.HTTPSConnection(
            parts.hostname or "", parts.port or 443, context=self.context, timeout=timeout
        )
        try:
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
        except TimeoutError:
            raise _TransientError(f"no answer within {timeout:g}s") from None
        except (OSError, http.client.HTTPException) as exc:
            raise _TransientError(f"{type(exc).__name__}: {exc}") from None
        finally:
            connection.close()
        status = response.status
        if status in (200, 204):
            return status
        detail = error_detail(payload, response.getheader("Content-Type", ""))
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


def error_detail(payload: bytes, content_type: str) -> str:
    """The RESTCONF `error-message`s of an error answer, or its first words: ": ..." or ""."""
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
    return f": {text[:300]}" if text else ""


def redact(text: str, *secrets: str) -> str:
    """`text` without the given secrets and without credentials embedded in URLs."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return re.sub(r"(\w+://)[^/@\s]+@", r"\1***@", text)
