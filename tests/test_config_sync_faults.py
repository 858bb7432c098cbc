"""config-sync against a misbehaving admin node: deadlines, RESTCONF success, redaction, and
where the parameter values travel (files in, never git's environment, never a message).

The servers are local (127.0.0.1, TLS with a CA made by `make_tls`); every wait is bounded.
Nothing here asserts on wall-clock time: a deadline shows as the timeout message and as the
server having been cut off before it finished its answer.
"""

from __future__ import annotations

import json
import os
import socket
import ssl
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from regionkit.errors import InvalidInput
from regionkit.ops.config_sync import read_parameters, sync
from regionkit.ops.restconf import (
    RestconfAuth,
    RestconfClient,
    RestconfError,
    RetryPolicy,
    error_detail,
    redact,
    success_problem,
)
from tests.test_config_sync import (
    BASE_XML,
    CONFIG_NS,
    PASSWORD,
    AdminServer,
    ConfigRepo,
    Script,
    Tls,
    cli,
    options,
    password_file,
    repo,
    tls,
)

__all__ = ["password_file", "repo", "tls"]  # fixtures, used by name

RESTCONF = "urn:ietf:params:xml:ns:yang:ietf-restconf"
#: a value with characters that XML and JSON escape, as a server quoting it would write it
DB_SECRET = 'db&pa<ss-"s3cret"-value'
LICENSE_SECRET = "lic-" + "K3y" * 40


# --- a server that trickles its answer ---------------------------------------------------------


class TrickleServer:
    """Reads one request per connection, then sends a 204 one byte every `gap` seconds."""

    ANSWER = b"HTTP/1.1 204 No Content\r\nServer: trickle\r\nX-Padding: 0123456789\r\n\r\n"

    def __init__(self, tls: Tls, gap: float = 0.2):
        self.gap = gap
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.context.load_cert_chain(tls.cert, tls.key)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.05)
        self.stop = threading.Event()
        #: bytes of the answer sent on each finished connection
        self.sent: list[int] = []
        self.done = threading.Condition()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.listener.getsockname()[1]}"

    def _serve(self) -> None:
        while not self.stop.is_set():
            try:
                raw, _ = self.listener.accept()
            except TimeoutError:
                continue
            threading.Thread(target=self._answer, args=(raw,), daemon=True).start()

    def _answer(self, raw: socket.socket) -> None:
        sent = 0
        try:
            raw.settimeout(5)
            with self.context.wrap_socket(raw, server_side=True) as connection:
                _read_request(connection)
                for byte in self.ANSWER:
                    if self.stop.wait(self.gap):
                        break
                    connection.sendall(bytes([byte]))
                    sent += 1
        except OSError:
            pass  # the client cut the connection: what this test wants to see
        finally:
            with self.done:
                self.sent.append(sent)
                self.done.notify_all()

    def wait_for(self, connections: int) -> list[int]:
        with self.done:
            self.done.wait_for(lambda: len(self.sent) >= connections, timeout=15)
        return list(self.sent)

    def close(self) -> None:
        self.stop.set()
        self.thread.join(5)
        self.listener.close()


def _read_request(connection: ssl.SSLSocket) -> None:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = connection.recv(4096)
        if not chunk:
            return
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(
        (
            int(line.split(b":")[1])
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-length:")
        ),
        0,
    )
    while len(body) < length:
        chunk = connection.recv(4096)
        if not chunk:
            return
        body += chunk


@pytest.fixture
def trickle(tls: Tls) -> Iterator[TrickleServer]:
    server = TrickleServer(tls)
    yield server
    server.close()


def test_a_trickled_answer_fails_the_attempt_at_its_deadline(
    repo: ConfigRepo,
    trickle: TrickleServer,
    tls: Tls,
    password_file: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    state = tmp_path / "state.json"
    code = cli(repo.url, trickle.url, tls.ca, password_file, state, timeout=1.0, attempts=1)
    last = capsys.readouterr().err.strip().splitlines()[-1]
    [sent] = trickle.wait_for(1)
    assert code == 1
    assert "timed out: no complete answer within 1s" in last and "1 attempt(s)" in last
    # every byte came well within the per-read timeout, yet the attempt was cut off
    assert 0 < sent < len(TrickleServer.ANSWER)
    assert not state.exists()


def test_the_run_deadline_bounds_the_attempts(
    trickle: TrickleServer, tls: Tls, password_file: Path
) -> None:
    client = RestconfClient(
        trickle.url,
        RestconfAuth(user="admin", password_file=password_file),
        ca_file=tls.ca,
        retry=RetryPolicy(attempts=10, timeout=1.0, backoff=0.01, deadline=1.5),
    )
    with pytest.raises(RestconfError, match="timed out") as failed:
        client.patch(b"<config/>")
    # the first attempt takes its whole second; the second gets what is left of the run
    assert 1 <= failed.value.attempts <= 3
    sent = trickle.wait_for(failed.value.attempts)
    assert len(sent) == failed.value.attempts
    assert all(n < len(TrickleServer.ANSWER) for n in sent)


# --- success is what RESTCONF defines ---------------------------------------------------------


def _sync_against(
    script: Script, repo: ConfigRepo, tls: Tls, password_file: Path, state: Path
) -> tuple[int, AdminServer]:
    server = AdminServer(tls, script)
    try:
        code = cli(repo.url, server.url, tls.ca, password_file, state, attempts=3)
    finally:
        server.close()
    return code, server


def test_a_200_login_page_is_a_failure_and_records_nothing(
    repo: ConfigRepo,
    tls: Tls,
    password_file: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    page = b"<!DOCTYPE html><html><body><form action='/login'>Sign in</form></body></html>"
    state = tmp_path / "state.json"
    code, server = _sync_against(
        Script(statuses=[200], error_body=page, content_type="text/html; charset=utf-8"),
        repo, tls, password_file, state,
    )  # fmt: skip
    last = capsys.readouterr().err.strip().splitlines()[-1]
    assert code == 1
    assert "answered 200" in last and "not RESTCONF's success answer" in last
    assert "not text/html" in last
    assert len(server.requests) == 1  # a login page does not go away by asking again
    assert not state.exists()


def test_a_200_carrying_restconf_errors_is_a_failure_and_records_nothing(
    repo: ConfigRepo,
    tls: Tls,
    password_file: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    errors = (
        f'<errors xmlns="{RESTCONF}"><error><error-type>application</error-type>'
        "<error-tag>invalid-value</error-tag><error-message>validation failed: no license"
        "</error-message></error></errors>"
    ).encode()
    state = tmp_path / "state.json"
    code, server = _sync_against(
        Script(statuses=[200], error_body=errors), repo, tls, password_file, state
    )
    last = capsys.readouterr().err.strip().splitlines()[-1]
    assert code == 1
    assert "ietf-restconf:errors" in last and "validation failed: no license" in last
    assert len(server.requests) == 1
    assert not state.exists()


def test_a_200_with_a_yang_data_body_is_a_success(
    repo: ConfigRepo, tls: Tls, password_file: Path, tmp_path: Path
) -> None:
    state = tmp_path / "state.json"
    server = AdminServer(
        tls, Script(statuses=[200], error_body=f'<config xmlns="{CONFIG_NS}"/>'.encode())
    )
    try:
        result = sync(options(repo, server, tls, password_file, state))
    finally:
        server.close()
    assert (result.action, result.status) == ("applied", 200)
    assert json.loads(state.read_text())["hash"] == result.hash


def test_success_is_the_status_and_body_rfc_8040_defines_for_the_method() -> None:
    xml, js = "application/yang-data+xml", "application/yang-data+json"
    errors_json = json.dumps({"ietf-restconf:errors": {"error": []}}).encode()
    assert success_problem("PATCH", 204, "", b"") is None
    assert success_problem("PATCH", 200, js, b'{"ietf-restconf:data": {}}') is None
    assert success_problem("PUT", 201, "", b"") is None
    assert success_problem("PUT", 204, "", b"") is None
    assert "200 or 204" in (success_problem("PATCH", 201, "", b"") or "")
    assert "200 or 204" in (success_problem("PATCH", 202, xml, b"<a/>") or "")
    assert "201 or 204" in (success_problem("PUT", 200, xml, b"<a/>") or "")
    assert "errors" in (success_problem("PATCH", 200, js, errors_json) or "")
    assert "message-body" in (success_problem("PATCH", 200, xml, b"") or "")
    assert "no Content-Type" in (success_problem("PATCH", 200, "", b"<a/>") or "")
    assert "not well-formed XML" in (success_problem("PATCH", 200, xml, b"<a>") or "")
    assert "not well-formed JSON" in (success_problem("PATCH", 200, js, b"[1]") or "")
    nested = f'<data><errors xmlns="{RESTCONF}"/></data>'.encode()
    assert "errors" in (success_problem("PATCH", 200, xml, nested) or "")


# --- secrets: files in, never in git's environment, never in a message ------------------------


def _parameters(directory: Path, values: dict[str, str]) -> Path:
    """A Secret volume as Kubernetes writes it: timestamped dir, `..data`, symlinked items."""
    stamped = directory / "..2026_11_30_10_00_00.000000001"
    stamped.mkdir(parents=True)
    for name, value in values.items():
        (stamped / name).write_text(value, encoding="utf-8")
    (directory / "..data").symlink_to(stamped.name)
    for name in values:
        (directory / name).symlink_to(f"..data/{name}")
    return directory


def test_parameters_are_read_from_a_secret_volume_exactly(tmp_path: Path) -> None:
    values = {"DB_PASSWORD": DB_SECRET, "SIGNING_KEY_PEM": "-----BEGIN KEY-----\nabc\n"}
    directory = _parameters(tmp_path / "parameters", values)
    assert read_parameters(directory) == values
    (directory / "not a name").write_text("x")
    with pytest.raises(InvalidInput, match="'not a name' is no name"):
        read_parameters(directory)
    with pytest.raises(InvalidInput, match="does not exist"):
        read_parameters(tmp_path / "missing")


def test_parameters_resolve_from_files_and_the_git_step_never_sees_them(
    repo: ConfigRepo,
    tls: Tls,
    password_file: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    secrets = {"DB_PASSWORD": DB_SECRET, "LICENSE_KEY": LICENSE_SECRET}
    directory = _parameters(tmp_path / "parameters", secrets)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "git"
    dump = tmp_path / "git-env"
    fake.write_text(f'#!/bin/sh\nenv > "{dump}"\necho "$@" >> "{dump}"\nexit 1\n')
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:{os.environ['PATH']}")
    # even a value that did reach the job's environment stays out of git's
    monkeypatch.setenv("LICENSE_KEY", LICENSE_SECRET)
    code = cli(
        "https://git.example.com/acme/config.git", "https://127.0.0.1:9", tls.ca, password_file,
        tmp_path / "state.json", parameters_dir=directory,
    )  # fmt: skip
    seen = dump.read_text()
    assert code == 1  # the fake git failed the clone
    assert "clone" in seen and "GIT_TERMINAL_PROMPT=0" in seen
    for value in (*secrets.values(), PASSWORD):
        assert value not in seen


def test_every_resolved_secret_is_redacted_from_every_message(
    repo: ConfigRepo,
    tls: Tls,
    password_file: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    repo.commit(
        {
            "config/10-base.xml": BASE_XML.replace(
                "https://login.example.com", "#{DB_PASSWORD}"
            ).replace("<id>token-service</id>", "<id>#{LICENSE_KEY}</id>")
        }
    )
    directory = _parameters(
        tmp_path / "parameters", {"DB_PASSWORD": DB_SECRET, "LICENSE_KEY": LICENSE_SECRET}
    )
    # a 500 (retried, logged) then a 400, both quoting what they were sent: escaped in XML,
    # and the long value placed where the detail is cut short
    quoted = (
        f'<errors xmlns="{RESTCONF}"><error><error-message>bad base-url '
        f"{DB_SECRET.replace('&', '&amp;').replace('<', '&lt;')}: {'x' * 250}"
        f"{LICENSE_SECRET}</error-message></error></errors>"
    ).encode()
    server = AdminServer(tls, Script(statuses=[500, 400], error_body=quoted))
    try:
        code = cli(
            repo.url, server.url, tls.ca, password_file, tmp_path / "state.json",
            attempts=3, parameters_dir=directory,
        )  # fmt: skip
    finally:
        server.close()
    err = capsys.readouterr().err
    assert code == 1 and len(server.requests) == 2
    assert DB_SECRET.encode() in server.requests[0].body.replace(b"&amp;", b"&").replace(
        b"&lt;", b"<"
    ).replace(b"&quot;", b'"')  # the values were sent
    assert "retrying" in err and "rejected with 400" in err
    assert "bad base-url ***" in err
    for value in (DB_SECRET, LICENSE_SECRET):
        assert value not in err
        assert value[:12] not in err  # not even the part before a cut


def test_redaction_finds_escaped_forms_and_bodies_that_are_not_xml() -> None:
    escaped = DB_SECRET.replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;")
    assert redact(f"got {escaped}", DB_SECRET) == "got ***"
    assert redact(f"got {json.dumps(DB_SECRET)}", DB_SECRET) == 'got "***"'
    body = f"invalid: {'y' * 280}{LICENSE_SECRET}".encode()
    detail = error_detail(body, "text/plain", (LICENSE_SECRET,))
    assert LICENSE_SECRET[:8] not in detail and detail.endswith("***")
    assert error_detail("a\u202eb\x1b[2Jc".encode(), "text/plain") == ": a\\u202eb\\x1b[2Jc"


def test_without_the_admin_ca_verification_fails(
    repo: ConfigRepo,
    tls: Tls,
    password_file: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    server = AdminServer(tls)
    try:
        without = cli(repo.url, server.url, None, password_file, tmp_path / "a.json")  # type: ignore[arg-type]
        last = capsys.readouterr().err.strip().splitlines()[-1]
        with_ca = cli(repo.url, server.url, tls.ca, password_file, tmp_path / "b.json")
    finally:
        server.close()
    assert without == 1
    assert "TLS verification of 127.0.0.1" in last and "system CAs" in last
    assert with_ca == 0 and len(server.requests) == 1


def test_the_cli_takes_a_parameters_directory_and_a_run_deadline(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from regionkit.cli import app

    password = tmp_path / "password"
    password.write_text(PASSWORD)
    result = CliRunner().invoke(
        app,
        [
            "config-sync", "--repository", "file:///nowhere", "--restconf-url",
            "https://127.0.0.1:9", "--password-file", str(password), "--parameters-dir",
            str(tmp_path / "missing"), "--deadline", "5",
        ],
    )  # fmt: skip
    assert result.exit_code == 2
    assert "parameters directory" in result.output and "does not exist" in result.output
    bad = CliRunner().invoke(
        app,
        [
            "config-sync", "--repository", "file:///nowhere", "--restconf-url",
            "https://127.0.0.1:9", "--password-file", str(password), "--deadline", "0",
        ],
    )  # fmt: skip
    assert bad.exit_code == 2 and "deadline > 0" in bad.output
