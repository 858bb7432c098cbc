"""`regionkit config-sync` end to end: a real git repository, a real HTTPS RESTCONF stand-in.

The repository is made with the git CLI in a temporary directory; the admin node is an
`http.server` on 127.0.0.1 behind TLS with a certificate made here, which records every
request and answers as each test scripts it. Every network wait is bounded (timeouts of a
fraction of a second, two or three attempts).
"""

from __future__ import annotations

import base64
import ipaddress
import json
import os
import shutil
import ssl
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest

from regionkit.errors import InvalidInput
from regionkit.ops import curity_xml, git_source
from regionkit.ops.config_sync import SyncOptions, content_hash, run_from_cli, sync
from regionkit.ops.hash_store import (
    AppliedState,
    ConfigMapHashStore,
    FileHashStore,
    StateError,
    hash_store,
)
from regionkit.ops.restconf import RestconfAuth, RetryPolicy, error_detail

CONFIG_NS = "http://tail-f.com/ns/config/1.0"
BASE = "https://curity.se/ns/conf/base"
PASSWORD = "Adm1n-s3cret-Pa55"
TOKEN = "t0ken-s3cret-value"

BASE_XML = f"""<config xmlns="{CONFIG_NS}">
  <environments xmlns="{BASE}">
    <environment>
      <base-url>https://login.example.com</base-url>
      <cluster>
        <keystore>v:S.cluster-keystore-of-the-active-region</keystore>
        <host>admin.active-region.svc</host>
      </cluster>
    </environment>
  </environments>
  <profiles xmlns="{BASE}">
    <profile>
      <id>token-service</id>
      <type xmlns:as="https://curity.se/ns/conf/profile/oauth">as:oauth-service</type>
    </profile>
  </profiles>
</config>
"""

CLIENTS_XML = f"""<config xmlns="{CONFIG_NS}" xmlns:auth="https://curity.se/ns/conf/profile/authentication">
  <profiles xmlns="{BASE}">
    <profile>
      <id>authentication-service</id>
      <type>auth:authentication-service</type>
    </profile>
    <profile>
      <id>token-service</id>
      <settings><client-store><config-backed/></client-store></settings>
    </profile>
  </profiles>
</config>
"""


# --- TLS material ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tls:
    ca: Path
    cert: Path
    key: Path


def make_tls(directory: Path, name: str) -> Tls:
    """A CA and a server certificate for 127.0.0.1 signed by it."""
    directory.mkdir(parents=True, exist_ok=True)
    try:
        import cryptography  # noqa: F401
    except ImportError:
        return _tls_with_openssl(directory, name)
    return _tls_with_cryptography(directory, name)


def _tls_with_cryptography(directory: Path, name: str) -> Tls:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = datetime.now(UTC)

    def builder(subject: x509.Name, issuer: x509.Name, key: Any) -> x509.CertificateBuilder:
        return (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(issuer)
            .public_key(key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(minutes=5))
            .not_valid_after(now + timedelta(days=1))
        )

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"{name} test CA")])
    ca = (
        builder(ca_name, ca_name, ca_key.public_key())
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = (
        builder(
            x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]),
            ca_name,
            key.public_key(),
        )
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )
    tls = Tls(directory / "ca.crt", directory / "server.crt", directory / "server.key")
    tls.ca.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    tls.cert.write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    tls.key.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return tls


def _tls_with_openssl(directory: Path, name: str) -> Tls:
    if shutil.which("openssl") is None:
        pytest.skip("neither the cryptography package nor the openssl CLI is available")

    def openssl(*args: str) -> None:
        subprocess.run(
            ["openssl", *args], check=True, capture_output=True, timeout=30, cwd=directory
        )

    ec = ("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes")
    openssl(
        "req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.crt", "-days", "1",
        "-subj", f"/CN={name} test CA", "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign",
    )  # fmt: skip
    openssl("req", *ec, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost")
    (directory / "ext.cnf").write_text(
        "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=critical,CA:FALSE\n"
        "extendedKeyUsage=serverAuth\n"
    )
    openssl(
        "x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
        "-CAcreateserial", "-out", "server.crt", "-days", "1", "-extfile", "ext.cnf",
    )  # fmt: skip
    return Tls(directory / "ca.crt", directory / "server.crt", directory / "server.key")


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> Tls:
    return make_tls(tmp_path_factory.mktemp("tls"), "admin")


@pytest.fixture(scope="module")
def other_tls(tmp_path_factory: pytest.TempPathFactory) -> Tls:
    return make_tls(tmp_path_factory.mktemp("other-tls"), "other")


# --- the RESTCONF stand-in ---------------------------------------------------------------------


@dataclass(frozen=True)
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Script:
    """What the server answers: statuses in order (then 204), or no answer at all."""

    statuses: list[int] = field(default_factory=list)
    hang: bool = False
    #: the body of every answer but a 204, with its Content-Type
    error_body: bytes = b""
    content_type: str = "application/yang-data+xml"


class AdminServer:
    def __init__(self, tls: Tls, script: Script | None = None):
        self.script = script or Script()
        self.requests: list[Recorded] = []
        self.release = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_PATCH(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                server.requests.append(
                    Recorded(self.command, self.path, dict(self.headers.items()), body)
                )
                if server.script.hang:
                    server.release.wait(10)
                    return
                status = server.script.statuses.pop(0) if server.script.statuses else 204
                self.send_response(status)
                payload = b"" if status == 204 else server.script.error_body
                if payload:
                    self.send_header("Content-Type", server.script.content_type)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(tls.cert, tls.key)
        self.httpd.socket = context.wrap_socket(self.httpd.socket, server_side=True)
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.httpd.server_address[1]}"

    def close(self) -> None:
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(5)


@pytest.fixture
def admin(tls: Tls) -> Iterator[AdminServer]:
    server = AdminServer(tls)
    yield server
    server.close()


# --- the configuration repository --------------------------------------------------------------


class ConfigRepo:
    def __init__(self, directory: Path):
        self.directory = directory
        directory.mkdir()
        self.git("init", "--quiet", "--initial-branch", "main")

    def git(self, *args: str) -> str:
        done = subprocess.run(
            ["git", "-c", "user.name=Test", "-c", "user.email=test@example.com",
             "-c", "commit.gpgsign=false", *args],
            cwd=self.directory, capture_output=True, text=True, check=True, timeout=30,
        )  # fmt: skip
        return done.stdout

    def commit(self, files: dict[str, str], message: str = "change") -> str:
        for name, text in files.items():
            path = self.directory / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        self.git("add", "--all")
        self.git("commit", "--quiet", "-m", message)
        return self.git("rev-parse", "HEAD").strip()

    @property
    def url(self) -> str:
        return self.directory.as_uri()


@pytest.fixture
def repo(tmp_path: Path) -> ConfigRepo:
    repository = ConfigRepo(tmp_path / "idsvr-config")
    repository.commit(
        {
            "config/10-base.xml": BASE_XML,
            "config/20-clients.xml": CLIENTS_XML,
            "config/README.md": "not configuration",
            "other/ignored.xml": "<not-read/>",
        },
        "initial configuration",
    )
    return repository


@pytest.fixture
def password_file(tmp_path: Path) -> Path:
    path = tmp_path / "secrets" / "password"
    path.parent.mkdir()
    path.write_text(PASSWORD + "\n")
    return path


def options(
    repo: ConfigRepo,
    admin: AdminServer,
    tls: Tls,
    password_file: Path,
    state: Path,
    **changes: Any,
) -> SyncOptions:
    values: dict[str, Any] = {
        "repository": repo.url,
        "branch": "main",
        "path": "config",
        "restconf_url": admin.url,
        "auth": RestconfAuth(user="admin", password_file=password_file),
        "ca_file": tls.ca,
        "state": FileHashStore(state),
        "retry": RetryPolicy(attempts=3, timeout=2.0, backoff=0.01, deadline=10.0),
        "git_timeout": 30.0,
        "work_dir": state.parent,
        "parameters": {},
    }
    values.update(changes)
    return SyncOptions(**values)


def cli(
    repository: str,
    url: str,
    ca: Path,
    password_file: Path,
    state: Path,
    *,
    timeout: float = 2.0,
    attempts: int = 2,
    dry_run: bool = False,
    environ: dict[str, str] | None = None,
    **extra: Any,
) -> int:
    return run_from_cli(
        repository, "main", "config", url, "admin", password_file, None, ca, f"file:{state}",
        timeout, dry_run, attempts=attempts, work_dir=state.parent, environ=environ or {},
        **extra,
    )  # fmt: skip


def elements(body: bytes) -> list[str]:
    return [e.tag for e in ElementTree.fromstring(body).iter()]


# --- applying ---------------------------------------------------------------------------------


def test_applies_one_merged_document_without_the_cluster_element(
    repo: ConfigRepo, admin: AdminServer, tls: Tls, password_file: Path, tmp_path: Path
) -> None:
    state = tmp_path / "state.json"
    result = sync(options(repo, admin, tls, password_file, state))

    assert result.action == "applied" and result.status == 204
    assert result.files == ("10-base.xml", "20-clients.xml")
    assert [s.split(": ")[-1] for s in result.stripped] == ["environments/environment/cluster"]
    [request] = admin.requests
    assert request.method == "PATCH"
    assert request.path == "/admin/api/restconf/data"
    assert request.headers["Content-Type"] == "application/yang-data+xml"
    assert (
        request.headers["Authorization"]
        == "Basic " + base64.b64encode(f"admin:{PASSWORD}".encode()).decode()
    )
    tags = elements(request.body)
    assert tags[0] == f"{{{CONFIG_NS}}}config"
    assert f"{{{BASE}}}cluster" not in tags
    assert b"cluster-keystore-of-the-active-region" not in request.body
    assert b"admin.active-region.svc" not in request.body
    # one profiles container; token-service merged from both files, authentication added
    root = ElementTree.fromstring(request.body)
    profiles = root.findall(f"{{{BASE}}}profiles")
    assert len(profiles) == 1
    ids = [p.findtext(f"{{{BASE}}}id") for p in profiles[0]]
    assert ids == ["token-service", "authentication-service"]
    assert profiles[0][0].find(f"{{{BASE}}}settings") is not None
    # identityref prefixes stay declared where their values are
    assert b'xmlns:auth="https://curity.se/ns/conf/profile/authentication"' in request.body
    assert b'xmlns:as="https://curity.se/ns/conf/profile/oauth"' in request.body
    assert b"<not-read" not in request.body
    recorded = json.loads(state.read_text())
    assert (
        recorded["hash"]
        == result.hash
        == content_hash(
            curity_xml.load_directory(
                Path(repo.directory / "config"), display="x", environment={}
            ).to_bytes()
        )
    )
    assert recorded["commit"] == repo.git("rev-parse", "HEAD").strip()


def test_unchanged_configuration_sends_nothing_and_a_new_commit_is_applied(
    repo: ConfigRepo, admin: AdminServer, tls: Tls, password_file: Path, tmp_path: Path
) -> None:
    state = tmp_path / "state.json"
    first = sync(options(repo, admin, tls, password_file, state))
    second = sync(options(repo, admin, tls, password_file, state))
    assert (first.action, second.action) == ("applied", "unchanged")
    assert len(admin.requests) == 1

    # a commit that changes nothing in the configuration directory changes nothing
    repo.commit({"other/notes.txt": "unrelated"})
    assert sync(options(repo, admin, tls, password_file, state)).action == "unchanged"
    assert len(admin.requests) == 1

    commit = repo.commit(
        {"config/10-base.xml": BASE_XML.replace("login.example.com", "id.example.com")}
    )
    third = sync(options(repo, admin, tls, password_file, state))
    assert third.action == "applied" and third.hash != first.hash
    assert len(admin.requests) == 2
    assert b"https://id.example.com" in admin.requests[1].body
    assert json.loads(state.read_text())["commit"] == commit


def test_an_old_apply_is_repeated_to_repair_a_restarted_admin_node(
    repo: ConfigRepo, admin: AdminServer, tls: Tls, password_file: Path, tmp_path: Path
) -> None:
    state = tmp_path / "state.json"
    first = sync(options(repo, admin, tls, password_file, state))
    stale = datetime.now(UTC) - timedelta(hours=2)
    FileHashStore(state).save(
        AppliedState(hash=first.hash, commit=first.commit, applied_at=stale.isoformat())
    )
    again = sync(options(repo, admin, tls, password_file, state, reapply_after=3600.0))
    assert again.action == "applied"
    assert len(admin.requests) == 2
    assert sync(options(repo, admin, tls, password_file, state)).action == "unchanged"
    assert sync(options(repo, admin, tls, password_file, state, force=True)).action == "applied"
    assert len(admin.requests) == 3


def test_bearer_token_authentication(
    repo: ConfigRepo, admin: AdminServer, tls: Tls, password_file: Path, tmp_path: Path
) -> None:
    token_file = tmp_path / "token"
    token_file.write_text(TOKEN)
    sync(
        options(
            repo, admin, tls, password_file, tmp_path / "s.json",
            auth=RestconfAuth(token_file=token_file),
        )
    )  # fmt: skip
    assert admin.requests[0].headers["Authorization"] == f"Bearer {TOKEN}"


def test_parameters_are_resolved_from_the_environment_but_not_hashed(
    repo: ConfigRepo, admin: AdminServer, tls: Tls, password_file: Path, tmp_path: Path
) -> None:
    repo.commit(
        {"config/10-base.xml": BASE_XML.replace("https://login.example.com", "#{BASE_URL}")}
    )
    state = tmp_path / "state.json"
    one = sync(
        options(repo, admin, tls, password_file, state, parameters={"BASE_URL": "https://a.test"})
    )
    assert b"<base-url>https://a.test</base-url>" in admin.requests[0].body
    two = sync(
        options(
            repo, admin, tls, password_file, state, parameters={"BASE_URL": "https://b.test"},
            force=True,
        )
    )  # fmt: skip
    assert b"<base-url>https://b.test</base-url>" in admin.requests[1].body
    assert one.hash == two.hash  # no parameter value (a secret, perhaps) feeds the stored hash
    assert "#{BASE_URL}" in one.document


def test_dry_run_prints_the_document_and_changes_nothing(
    repo: ConfigRepo,
    admin: AdminServer,
    tls: Tls,
    password_file: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    state = tmp_path / "state.json"
    code = cli(repo.url, admin.url, tls.ca, password_file, state, dry_run=True)
    out = capsys.readouterr()
    assert code == 0
    assert admin.requests == [] and not state.exists()
    assert ElementTree.fromstring(out.out.encode()).tag == f"{{{CONFIG_NS}}}config"
    assert "<cluster" not in out.out
    assert "dry run: would PATCH" in out.err


# --- failures ---------------------------------------------------------------------------------


def test_401_is_not_retried_and_the_message_names_no_secret(
    repo: ConfigRepo,
    tls: Tls,
    password_file: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    server = AdminServer(
        tls,
        Script(
            statuses=[401, 401, 401],
            error_body=f"<errors><error><error-message>bad {PASSWORD}</error-message>"
            "</error></errors>".encode(),
        ),
    )
    try:
        state = tmp_path / "state.json"
        code = cli(repo.url, server.url, tls.ca, password_file, state, attempts=3)
    finally:
        server.close()
    err = capsys.readouterr().err
    assert code == 1
    assert len(server.requests) == 1
    last = err.strip().splitlines()[-1]
    assert last.startswith("config-sync: error: ")
    assert "401" in last and "credentials" in last and "not retried" in last
    assert PASSWORD not in err
    assert "Traceback" not in err
    assert not state.exists()


def test_a_server_error_is_retried_until_it_succeeds(
    repo: ConfigRepo, tls: Tls, password_file: Path, tmp_path: Path
) -> None:
    server = AdminServer(tls, Script(statuses=[500, 503]))
    logged: list[str] = []
    try:
        result = sync(
            options(repo, server, tls, password_file, tmp_path / "state.json"), log=logged.append
        )
    finally:
        server.close()
    assert result.action == "applied" and result.attempts == 3 and result.status == 204
    assert len(server.requests) == 3
    assert server.requests[0].body == server.requests[2].body
    assert sum("retrying" in line for line in logged) == 2


def test_persistent_server_errors_fail_after_the_last_attempt(
    repo: ConfigRepo,
    tls: Tls,
    password_file: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    server = AdminServer(tls, Script(statuses=[500] * 5))
    try:
        code = cli(repo.url, server.url, tls.ca, password_file, tmp_path / "state.json", attempts=2)
    finally:
        server.close()
    last = capsys.readouterr().err.strip().splitlines()[-1]
    assert code == 1 and len(server.requests) == 2
    assert "failed after 2 attempt(s)" in last and "500" in last
    assert not (tmp_path / "state.json").exists()


def test_a_server_that_never_answers_times_out_within_bounded_attempts(
    repo: ConfigRepo,
    tls: Tls,
    password_file: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    server = AdminServer(tls, Script(hang=True))
    try:
        code = cli(
            repo.url, server.url, tls.ca, password_file, tmp_path / "state.json",
            timeout=0.3, attempts=2,
        )  # fmt: skip
    finally:
        server.close()
    last = capsys.readouterr().err.strip().splitlines()[-1]
    assert code == 1
    assert len(server.requests) == 2
    assert "timed out: no complete answer within 0.3s" in last and "2 attempt(s)" in last
    assert not (tmp_path / "state.json").exists()


def test_malformed_xml_sends_nothing_and_names_the_file_and_line(
    repo: ConfigRepo,
    admin: AdminServer,
    tls: Tls,
    password_file: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    repo.commit({"config/30-broken.xml": f'<config xmlns="{CONFIG_NS}">\n  <a>\n</config>\n'})
    code = cli(repo.url, admin.url, tls.ca, password_file, tmp_path / "state.json")
    last = capsys.readouterr().err.strip().splitlines()[-1]
    assert code == 2
    assert admin.requests == []  # the two valid files were not sent either
    assert "30-broken.xml:3:" in last and "malformed XML" in last and "mismatched tag" in last


def test_an_unresolved_parameter_sends_nothing(
    repo: ConfigRepo,
    admin: AdminServer,
    tls: Tls,
    password_file: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    repo.commit({"config/30-db.xml": BASE_XML.replace("https://login.example.com", "#{DB_URL}")})
    code = cli(repo.url, admin.url, tls.ca, password_file, tmp_path / "state.json")
    last = capsys.readouterr().err.strip().splitlines()[-1]
    assert code == 2 and admin.requests == []
    assert "#{DB_URL} in 30-db.xml:4" in last


def test_a_certificate_from_another_ca_fails_tls_verification(
    repo: ConfigRepo,
    admin: AdminServer,
    other_tls: Tls,
    password_file: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = cli(
        repo.url, admin.url, other_tls.ca, password_file, tmp_path / "state.json", attempts=3
    )
    last = capsys.readouterr().err.strip().splitlines()[-1]
    assert code == 1
    assert admin.requests == []
    assert "TLS verification of 127.0.0.1" in last and "could not be verified" in last
    assert "unable to get local issuer certificate" in last
    assert str(other_tls.ca) in last


def test_a_config_path_out_of_the_repository_is_refused(
    repo: ConfigRepo, admin: AdminServer, tls: Tls, password_file: Path, tmp_path: Path
) -> None:
    outside = _write(tmp_path / "outside", {"a.xml": BASE_XML})
    (repo.directory / "linked").symlink_to(outside)
    repo.commit({})
    with pytest.raises(InvalidInput, match="leads out of the repository"):
        sync(options(repo, admin, tls, password_file, tmp_path / "s.json", path="linked"))
    with pytest.raises(InvalidInput, match="must be relative"):
        options(repo, admin, tls, password_file, tmp_path / "s.json", path="../x")
    assert admin.requests == []


def test_a_missing_repository_fails_with_git_s_reason(
    admin: AdminServer,
    tls: Tls,
    password_file: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    missing = (tmp_path / "nowhere").as_uri()
    code = cli(missing, admin.url, tls.ca, password_file, tmp_path / "state.json")
    last = capsys.readouterr().err.strip().splitlines()[-1]
    assert code == 1 and admin.requests == []
    assert "git clone of" in last and "failed" in last


def test_git_messages_hide_credentials(
    admin: AdminServer,
    tls: Tls,
    password_file: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    credentials = tmp_path / "git"
    credentials.mkdir()
    (credentials / "token").write_text("ghp_git-s3cret")
    code = run_from_cli(
        "https://user:url-s3cret@127.0.0.1:9/acme/config.git", "main", "config", admin.url,
        "admin", password_file, None, tls.ca, f"file:{tmp_path / 's.json'}", 1.0, False,
        git_credentials_dir=credentials, work_dir=tmp_path, environ={},
    )  # fmt: skip
    err = capsys.readouterr().err
    assert code == 1
    assert "url-s3cret" not in err and "ghp_git-s3cret" not in err
    assert "https://***@127.0.0.1:9/acme/config.git" in err


def test_the_credential_helper_answers_git_with_the_mounted_credentials(tmp_path: Path) -> None:
    mounted = tmp_path / "git"
    mounted.mkdir()
    (mounted / "username").write_text("deploy-bot\n")
    (mounted / "password").write_text("ghp_s3cret\n")
    options, env = git_source.credential_helper(git_source.GitCredentials.from_dir(mounted))
    done = subprocess.run(
        ["git", *options, "credential", "fill"],
        input="protocol=https\nhost=git.example.com\n\n",
        env={"PATH": os.environ["PATH"], "HOME": str(tmp_path), "GIT_TERMINAL_PROMPT": "0", **env},
        capture_output=True, text=True, timeout=10, check=True,
    )  # fmt: skip
    assert "username=deploy-bot" in done.stdout.splitlines()
    assert "password=ghp_s3cret" in done.stdout.splitlines()
    (mounted / "password").unlink()
    with pytest.raises(InvalidInput, match="'password' or 'token'"):
        git_source.GitCredentials.from_dir(mounted)


def test_git_runs_without_the_job_s_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "git"
    fake.write_text(f'#!/bin/sh\nenv > "{tmp_path}/env"\necho "$@" > "{tmp_path}/args"\nexit 1\n')
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:{os.environ['PATH']}")
    monkeypatch.setenv("DS_DEFAULT_DB_PASSWORD", "db-s3cret")
    with pytest.raises(git_source.GitError, match="exit code 1"):
        git_source.clone("https://git.example.com/c.git", "main", tmp_path / "w" / "repo")
    env = (tmp_path / "env").read_text()
    assert "db-s3cret" not in env and "GIT_TERMINAL_PROMPT=0" in env
    assert f"HOME={tmp_path / 'w'}" in env.splitlines()
    args = (tmp_path / "args").read_text().split()
    destination = str(tmp_path / "w" / "repo")
    assert args[-5:] == ["--branch", "main", "--", "https://git.example.com/c.git", destination]
    assert args[args.index("--depth") : args.index("--depth") + 2] == ["--depth", "1"]


def test_missing_settings_are_input_errors(
    tmp_path: Path, password_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = run_from_cli(
        None, None, None, None, None, None, None, None, None, None, False, environ={}
    )
    assert code == 2
    assert "--repository or REGIONKIT_CONFIG_REPO" in capsys.readouterr().err
    code = run_from_cli(
        "file:///x", None, None, "http://admin:6749", None, password_file, None, None,
        f"file:{tmp_path / 's.json'}", None, False, environ={},
    )  # fmt: skip
    assert code == 2
    assert "must be https://" in capsys.readouterr().err


def test_settings_come_from_the_environment(
    repo: ConfigRepo,
    admin: AdminServer,
    tls: Tls,
    password_file: Path,
    tmp_path: Path,
) -> None:
    environ = {
        "REGIONKIT_CONFIG_REPO": repo.url,
        "REGIONKIT_CONFIG_BRANCH": "main",
        "REGIONKIT_CONFIG_PATH": "config",
        "REGIONKIT_RESTCONF_URL": admin.url,
        "REGIONKIT_RESTCONF_PASSWORD_FILE": str(password_file),
        "REGIONKIT_RESTCONF_CA_FILE": str(tls.ca),
        "REGIONKIT_CONFIG_SYNC_STATE": f"file:{tmp_path / 'state.json'}",
        "REGIONKIT_CONFIG_SYNC_WORK_DIR": str(tmp_path),
        "REGIONKIT_CONFIG_SYNC_TIMEOUT": "2",
    }
    args = (None,) * 10
    assert run_from_cli(*args, False, environ=environ) == 0
    [request] = admin.requests
    assert request.headers["Authorization"].startswith("Basic ")
    assert json.loads((tmp_path / "state.json").read_text())["hash"].startswith("sha256:")


# --- the configuration XML --------------------------------------------------------------------


def _write(directory: Path, files: dict[str, str]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (directory / name).write_text(text)
    return directory


def test_a_doctype_and_a_foreign_root_are_rejected(tmp_path: Path) -> None:
    doctype = '<?xml version="1.0"?>\n<!DOCTYPE config [<!ENTITY x "y">]>\n<config/>'
    with pytest.raises(InvalidInput, match=r"a\.xml:2: a DOCTYPE is not allowed"):
        curity_xml.load_directory(_write(tmp_path / "d", {"a.xml": doctype}), display="d")
    with pytest.raises(InvalidInput, match=r"b\.xml:1: the root element is <profiles>"):
        curity_xml.load_directory(
            _write(tmp_path / "r", {"b.xml": f'<profiles xmlns="{BASE}"/>'}), display="r"
        )
    with pytest.raises(InvalidInput, match=r"no \*\.xml files"):
        curity_xml.load_directory(_write(tmp_path / "e", {"x.txt": ""}), display="e")


def test_a_file_holding_only_the_cluster_leaves_nothing_behind(tmp_path: Path) -> None:
    cluster = (
        f'<config xmlns="{CONFIG_NS}"><environments xmlns="{BASE}"><environment>'
        "<cluster><host>a</host></cluster></environment></environments></config>"
    )
    directory = _write(tmp_path / "c", {"cluster.xml": cluster, "z.xml": CLIENTS_XML})
    merged = curity_xml.load_directory(directory, display="c")
    assert f"{{{BASE}}}environments" not in elements(merged.to_bytes())
    with pytest.raises(InvalidInput, match="nothing to apply"):
        curity_xml.load_directory(_write(tmp_path / "o", {"cluster.xml": cluster}), display="o")


def test_xml_in_subdirectories_is_applied_as_the_nodes_load_it(tmp_path: Path) -> None:
    """A sync applies what the nodes start with: `*.xml` at any depth, hidden directories aside."""
    directory = _write(tmp_path / "n", {"a.xml": BASE_XML})
    _write(directory / "clients", {"z.xml": CLIENTS_XML})
    _write(directory / ".git", {"stray.xml": "<not-config/>"})
    merged = curity_xml.load_directory(directory, display="n")
    tags = elements(merged.to_bytes())
    assert f"{{{BASE}}}base-url" in tags  # from a.xml
    top_only = curity_xml.load_directory(_write(tmp_path / "t", {"a.xml": BASE_XML}), display="t")
    assert len(merged.to_bytes()) > len(top_only.to_bytes())  # clients/z.xml was merged too


def test_extra_strip_paths_and_namespaces(tmp_path: Path) -> None:
    rule = curity_xml.StripRule.parse("{https://curity.se/ns/conf/base}profiles/profile")
    assert rule.steps == ((BASE, "profiles"), (BASE, "profile"))
    merged = curity_xml.load_directory(
        _write(tmp_path / "s", {"a.xml": BASE_XML}),
        display="s",
        strip=(*curity_xml.DEFAULT_STRIP, rule),
    )
    tags = elements(merged.to_bytes())
    assert f"{{{BASE}}}profile" not in tags and f"{{{BASE}}}base-url" in tags
    with pytest.raises(InvalidInput, match="is not a name"):
        curity_xml.StripRule.parse("environments/*")


def test_a_default_namespace_is_not_inherited_by_accident(tmp_path: Path) -> None:
    prefixed = (
        f'<c:config xmlns:c="{CONFIG_NS}" xmlns:b="{BASE}"><b:profiles><b:profile>'
        "<b:id>p</b:id></b:profile></b:profiles></c:config>"
    )
    merged = curity_xml.load_directory(_write(tmp_path / "p", {"a.xml": prefixed}), display="p")
    root = ElementTree.fromstring(merged.to_bytes())
    assert root.find(f"{{{BASE}}}profiles/{{{BASE}}}profile/{{{BASE}}}id") is not None


def test_restconf_error_bodies_become_short_messages() -> None:
    xml = (
        b'<errors xmlns="urn:ietf:params:xml:ns:yang:ietf-restconf"><error>'
        b"<error-type>application</error-type><error-path>/base:profiles</error-path>"
        b"<error-message>unknown element: foo</error-message></error></errors>"
    )
    assert error_detail(xml, "application/yang-data+xml") == (
        ": /base:profiles unknown element: foo"
    )
    json_body = json.dumps(
        {"ietf-restconf:errors": {"error": [{"error-message": "too many profiles"}]}}
    ).encode()
    assert error_detail(json_body, "application/yang-data+json") == ": too many profiles"
    assert error_detail(b"", "") == ""


# --- the state stores -------------------------------------------------------------------------


def test_state_store_specs(tmp_path: Path) -> None:
    assert isinstance(hash_store(f"file:{tmp_path / 'a.json'}"), FileHashStore)
    assert isinstance(hash_store(str(tmp_path / "b.json")), FileHashStore)
    with pytest.raises(InvalidInput, match="KUBERNETES_SERVICE_HOST"):
        ConfigMapHashStore("x", "ns", token_file=tmp_path / "t")
    store = FileHashStore(tmp_path / "damaged.json")
    store.path.write_text("{not json")
    assert store.load() is None


class FakeKubernetes:
    """The ConfigMap part of the Kubernetes API, with resourceVersion checks."""

    def __init__(self, tls: Tls):
        self.objects: dict[str, dict[str, Any]] = {}
        self.requests: list[tuple[str, str, str]] = []
        api = self

        class Handler(BaseHTTPRequestHandler):
            def _reply(self, status: int, body: dict[str, Any]) -> None:
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def _handle(self) -> None:
                api.requests.append(
                    (self.command, self.path, self.headers.get("Authorization", ""))
                )
                length = int(self.headers.get("Content-Length", "0"))
                body = json.loads(self.rfile.read(length)) if length else {}
                name = self.path.rsplit("/", 1)[-1]
                if self.command == "GET":
                    found = api.objects.get(name)
                    return self._reply(200 if found else 404, found or {"reason": "NotFound"})
                if self.command == "POST":
                    name = body["metadata"]["name"]
                    if name in api.objects:
                        return self._reply(409, {"reason": "AlreadyExists"})
                    body["metadata"]["resourceVersion"] = "1"
                    api.objects[name] = body
                    return self._reply(201, body)
                current = api.objects[name]
                if (
                    body["metadata"].get("resourceVersion")
                    != current["metadata"]["resourceVersion"]
                ):
                    return self._reply(409, {"message": "the object has been modified"})
                body["metadata"]["resourceVersion"] = str(
                    int(current["metadata"]["resourceVersion"]) + 1
                )
                api.objects[name] = body
                return self._reply(200, body)

            do_GET = do_POST = do_PUT = _handle  # noqa: N815

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(tls.cert, tls.key)
        self.httpd.socket = context.wrap_socket(self.httpd.socket, server_side=True)
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.httpd.server_address[1]}"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def test_config_map_store_creates_then_updates_with_the_service_account_token(
    tls: Tls, tmp_path: Path
) -> None:
    api = FakeKubernetes(tls)
    token = tmp_path / "token"
    token.write_text("sa-token\n")

    def store() -> ConfigMapHashStore:
        return ConfigMapHashStore(
            "acme-id-config-sync-state", "idsvr", api_url=api.url, token_file=token,
            ca_file=tls.ca, timeout=2.0,
        )  # fmt: skip

    try:
        first = store()
        assert first.load() is None
        first.save(AppliedState.now(hash="sha256:one", commit="c1"))
        second = store()
        assert second.load() == AppliedState(
            hash="sha256:one",
            commit="c1",
            applied_at=second.load().applied_at,  # type: ignore[union-attr]
        )
        second.save(AppliedState.now(hash="sha256:two", commit="c2"))
        stale = first  # still holds resourceVersion 1: a concurrent writer must not win silently
        with pytest.raises(StateError, match="409"):
            stale.save(AppliedState.now(hash="sha256:three", commit="c3"))
    finally:
        api.close()
    stored = api.objects["acme-id-config-sync-state"]
    assert stored["data"]["hash"] == "sha256:two" and stored["data"]["commit"] == "c2"
    assert stored["metadata"]["namespace"] == "idsvr"
    methods = [(m, p) for m, p, _ in api.requests]
    base = "/api/v1/namespaces/idsvr/configmaps"
    assert methods[:3] == [
        ("GET", f"{base}/acme-id-config-sync-state"),
        ("POST", base),
        ("GET", f"{base}/acme-id-config-sync-state"),
    ]
    assert ("PUT", f"{base}/acme-id-config-sync-state") in methods
    assert {auth for _, _, auth in api.requests} == {"Bearer sa-token"}
