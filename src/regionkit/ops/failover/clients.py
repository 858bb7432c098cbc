"""The cloud API clients of the live commands, imported only when a stack needs them.

Each comes from an optional extra (`regionkit[ops-aws]`, `[ops-gcp]`, `[ops-k8s]`, `[ops-dns]`);
a missing one is a clear message naming the extra, never an ImportError traceback. `Clients` is
what the steps take, so tests pass moto-backed, stubbed or fake clients instead.
"""

from __future__ import annotations

import functools
import importlib
from dataclasses import dataclass, field
from typing import Any

from regionkit.errors import RegionkitError

#: seconds a DNS query or an HTTP probe of `regionkit status` may take
HTTP_TIMEOUT = 5.0


class MissingExtra(RegionkitError):
    """A cloud client library is not installed."""


def require(module: str, extra: str) -> Any:
    """Import `module`, or fail naming the extra that installs it."""
    try:
        return importlib.import_module(module)
    except ImportError:
        raise MissingExtra(
            f"this command needs the Python package that provides '{module}': "
            f"pip install 'regionkit[{extra}]'"
        ) from None


@dataclass
class Clients:
    """Factories of API clients: AWS per service and region, Kubernetes per kubeconfig context."""

    #: (service, region) -> a boto3 client
    aws: Any = None
    #: () -> a Cloud SQL Admin API resource (googleapiclient), and the project id
    sqladmin: Any = None
    #: () -> a Cloud DNS API v1 resource (googleapiclient)
    clouddns: Any = None
    #: () -> a Cloud Monitoring API v3 resource (googleapiclient), for `regionkit status`
    monitoring: Any = None
    #: (hostname) -> its A addresses (dnspython), for `regionkit status`
    resolve: Any = None
    #: (url) -> the HTTP status code of a GET (urllib), for `regionkit status`
    http_status: Any = None
    gcp_project: str | None = None
    #: (context) -> kubernetes CustomObjectsApi / AppsV1Api
    k8s_custom: Any = None
    k8s_apps: Any = None
    _cache: dict[Any, Any] = field(default_factory=dict)

    def aws_client(self, service: str, region: str) -> Any:
        key = ("aws", service, region)
        if key not in self._cache:
            self._cache[key] = (self.aws or _boto3_client)(service, region)
        return self._cache[key]

    def sql(self) -> Any:
        if "sql" not in self._cache:
            self._cache["sql"] = self.sqladmin() if self.sqladmin else _sqladmin()
        return self._cache["sql"]

    def dns(self) -> Any:
        if "dns" not in self._cache:
            self._cache["dns"] = self.clouddns() if self.clouddns else _clouddns()
        return self._cache["dns"]

    def cloud_monitoring(self) -> Any:
        if "monitoring" not in self._cache:
            self._cache["monitoring"] = self.monitoring() if self.monitoring else _monitoring()
        return self._cache["monitoring"]

    def addresses(self, hostname: str) -> list[str]:
        return sorted((self.resolve or _resolve)(hostname))

    def get_status(self, url: str) -> int:
        return int((self.http_status or _http_status)(url))

    def project(self) -> str:
        if self.gcp_project is None:
            self.gcp_project = _gcp_project()
        return self.gcp_project

    def custom_objects(self, context: str) -> Any:
        key = ("custom", context)
        if key not in self._cache:
            self._cache[key] = (self.k8s_custom or _custom_objects)(context)
        return self._cache[key]

    def apps(self, context: str) -> Any:
        key = ("apps", context)
        if key not in self._cache:
            self._cache[key] = (self.k8s_apps or _apps)(context)
        return self._cache[key]


def _boto3_client(service: str, region: str) -> Any:
    boto3 = require("boto3", "ops-aws")
    return boto3.client(service, region_name=region)


def _sqladmin() -> Any:
    discovery = require("googleapiclient.discovery", "ops-gcp")
    return discovery.build("sqladmin", "v1", cache_discovery=False, static_discovery=True)


def _clouddns() -> Any:
    discovery = require("googleapiclient.discovery", "ops-gcp")
    return discovery.build("dns", "v1", cache_discovery=False, static_discovery=True)


def _monitoring() -> Any:
    discovery = require("googleapiclient.discovery", "ops-gcp")
    return discovery.build("monitoring", "v3", cache_discovery=False, static_discovery=True)


def _resolve(hostname: str) -> list[str]:
    resolver = require("dns.resolver", "ops-dns")
    return [str(r.address) for r in resolver.resolve(hostname, "A", lifetime=HTTP_TIMEOUT)]


def _http_status(url: str) -> int:
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=HTTP_TIMEOUT) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


def _gcp_project() -> str:
    auth = require("google.auth", "ops-gcp")
    _, project = auth.default()
    if not project:
        raise RegionkitError(
            "no Google Cloud project: set GOOGLE_CLOUD_PROJECT (or `gcloud config set project`)"
        )
    return str(project)


@functools.cache
def _api_client(context: str) -> Any:
    config = require("kubernetes.config", "ops-k8s")
    try:
        return config.new_client_from_config(context=context)
    except Exception as exc:
        raise RegionkitError(
            f"kubeconfig context '{context}' not usable ({exc}): set the region's "
            "cluster.kubeconfigContext, or name a context after the region id "
            "(e.g. `aws eks update-kubeconfig --alias <region-id>`)"
        ) from None


def _custom_objects(context: str) -> Any:
    client = require("kubernetes.client", "ops-k8s")
    return client.CustomObjectsApi(_api_client(context))


def _apps(context: str) -> Any:
    client = require("kubernetes.client", "ops-k8s")
    return client.AppsV1Api(_api_client(context))
