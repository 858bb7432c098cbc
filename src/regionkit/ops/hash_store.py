"""Where config-sync remembers what it last applied: a ConfigMap in-cluster, a file elsewhere.

The record is written only after the admin node accepted the configuration, so a failed run
is retried by the next one. The hash is of the configuration with `#{PARAMETER}`s unresolved:
no secret value feeds it.
"""

from __future__ import annotations

import http.client
import json
import os
import ssl
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import quote, urlsplit

from regionkit.errors import InvalidInput, RegionkitError

SERVICE_ACCOUNT = Path("/var/run/secrets/kubernetes.io/serviceaccount")


class StateError(RegionkitError):
    """The last-applied record could not be read or written."""


@dataclass(frozen=True)
class AppliedState:
    hash: str
    commit: str
    #: ISO 8601 UTC time of the successful PATCH
    applied_at: str
    repository: str = ""
    branch: str = ""

    def age_seconds(self, now: datetime) -> float | None:
        try:
            return (now - datetime.fromisoformat(self.applied_at)).total_seconds()
        except (TypeError, ValueError):
            return None

    @classmethod
    def now(cls, **values: str) -> AppliedState:
        stamp = datetime.now(UTC).replace(microsecond=0).isoformat()
        return cls(applied_at=stamp, **values)


_KEYS = {
    "hash": "hash",
    "commit": "commit",
    "applied_at": "appliedAt",
    "repository": "repository",
    "branch": "branch",
}


def _to_data(state: AppliedState) -> dict[str, str]:
    return {_KEYS[k]: v for k, v in asdict(state).items()}


def _from_data(data: dict[str, Any]) -> AppliedState | None:
    if not isinstance(data, dict) or not data.get("hash"):
        return None
    return AppliedState(**{k: str(data.get(camel, "")) for k, camel in _KEYS.items()})


class HashStore(Protocol):
    """The last applied configuration hash, read before and written after a sync."""

    def load(self) -> AppliedState | None: ...

    def save(self, state: AppliedState) -> None: ...

    def describe(self) -> str: ...


class FileHashStore:
    """A JSON file: for tests and runs outside a cluster."""

    def __init__(self, path: Path):
        self.path = path

    def describe(self) -> str:
        return f"file {self.path}"

    def load(self) -> AppliedState | None:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise StateError(f"cannot read the state file {self.path}: {exc.strerror}") from None
        try:
            return _from_data(json.loads(text))
        except ValueError:
            # a damaged record only costs one extra (idempotent) apply
            return None

    def save(self, state: AppliedState) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            partial = self.path.with_name(self.path.name + ".partial")
            partial.write_text(json.dumps(_to_data(state), indent=2) + "\n", encoding="utf-8")
            os.replace(partial, self.path)
        except OSError as exc:
            raise StateError(f"cannot write the state file {self.path}: {exc.strerror}") from None


class ConfigMapHashStore:
    """A ConfigMap, through the Kubernetes API with the pod's service account token.

    The Role of the config-sync job allows get/update on this one ConfigMap and create of
    ConfigMaps (Kubernetes cannot limit `create` to a name).
    """

    def __init__(
        self,
        name: str,
        namespace: str | None = None,
        *,
        api_url: str | None = None,
        token_file: Path = SERVICE_ACCOUNT / "token",
        ca_file: Path = SERVICE_ACCOUNT / "ca.crt",
        namespace_file: Path = SERVICE_ACCOUNT / "namespace",
        timeout: float = 10.0,
    ):
        self.name = name
        self.namespace = namespace or _read(namespace_file, "service account namespace")
        self.api_url = api_url or _in_cluster_api()
        self.token_file = token_file
        self.ca_file = ca_file
        self.timeout = timeout
        self._resource_version: str | None = None
        self._loaded = False

    def describe(self) -> str:
        return f"ConfigMap {self.namespace}/{self.name}"

    @property
    def _path(self) -> str:
        return f"/api/v1/namespaces/{quote(self.namespace)}/configmaps"

    def load(self) -> AppliedState | None:
        status, body = self._request("GET", f"{self._path}/{quote(self.name)}")
        self._loaded = True
        if status == 404:
            self._resource_version = None
            return None
        if status != 200:
            raise StateError(f"cannot read {self.describe()}: {_status_text(status, body)}")
        self._resource_version = body.get("metadata", {}).get("resourceVersion")
        return _from_data(body.get("data") or {})

    def save(self, state: AppliedState) -> None:
        if not self._loaded:
            self.load()
        metadata: dict[str, Any] = {
            "name": self.name,
            "namespace": self.namespace,
            "labels": {"app.kubernetes.io/managed-by": "regionkit-config-sync"},
        }
        document = {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": metadata,
            "data": _to_data(state),
        }
        if self._resource_version is None:
            status, body = self._request("POST", self._path, document)
            expected: tuple[int, ...] = (200, 201)
        else:
            # the resourceVersion makes a concurrent writer fail with 409 instead of being lost
            metadata["resourceVersion"] = self._resource_version
            status, body = self._request("PUT", f"{self._path}/{quote(self.name)}", document)
            expected = (200,)
        if status not in expected:
            raise StateError(f"cannot write {self.describe()}: {_status_text(status, body)}")
        self._resource_version = body.get("metadata", {}).get("resourceVersion")

    def _request(
        self, method: str, path: str, document: dict[str, Any] | None = None
    ) -> tuple[int, dict[str, Any]]:
        parts = urlsplit(self.api_url)
        token = _read(self.token_file, "service account token")
        try:
            context = ssl.create_default_context(cafile=str(self.ca_file))
        except (OSError, ssl.SSLError) as exc:
            raise StateError(f"cannot use the API server CA {self.ca_file}: {exc}") from None
        connection = http.client.HTTPSConnection(
            parts.hostname or "", parts.port or 443, context=context, timeout=self.timeout
        )
        headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        payload = None
        if document is not None:
            payload = json.dumps(document).encode()
            headers["Content-Type"] = "application/json"
        try:
            connection.request(method, path, body=payload, headers=headers)
            response = connection.getresponse()
            raw = response.read(1024 * 1024)
        except (OSError, http.client.HTTPException) as exc:
            raise StateError(
                f"cannot reach the Kubernetes API at {self.api_url} for {self.describe()}: {exc}"
            ) from None
        finally:
            connection.close()
        try:
            body = json.loads(raw) if raw else {}
        except ValueError:
            body = {"message": raw[:200].decode("utf-8", "replace")}
        return response.status, body if isinstance(body, dict) else {}


def _status_text(status: int, body: dict[str, Any]) -> str:
    message = body.get("message") or body.get("reason") or ""
    hint = " (the job's Role must allow get/update/create on it)" if status == 403 else ""
    return f"{status} {message}".strip() + hint


def _read(path: Path, what: str) -> str:
    try:
        return path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise StateError(f"cannot read the {what} at {path}: {exc.strerror}") from None


def _in_cluster_api() -> str:
    host = os.environ.get("KUBERNETES_SERVICE_HOST")
    port = os.environ.get("KUBERNETES_SERVICE_PORT", "443")
    if not host:
        raise InvalidInput(
            "a ConfigMap state store needs to run in a cluster (KUBERNETES_SERVICE_HOST is unset); "
            "use --state file:PATH elsewhere"
        )
    return f"https://[{host}]:{port}" if ":" in host else f"https://{host}:{port}"


def default_state_file() -> Path:
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "regionkit" / "config-sync.json"


def hash_store(spec: str | None) -> HashStore:
    """`configmap:NAME`, `configmap:NAMESPACE/NAME`, `file:PATH`, a bare path, or None (a file)."""
    if not spec:
        return FileHashStore(default_state_file())
    kind, _, rest = spec.partition(":")
    if kind == "configmap":
        namespace, _, name = rest.rpartition("/")
        if not name:
            raise InvalidInput(f"state {spec!r}: give configmap:NAME or configmap:NAMESPACE/NAME")
        return ConfigMapHashStore(name, namespace or None)
    if kind == "file" and rest:
        return FileHashStore(Path(rest))
    return FileHashStore(Path(spec))
