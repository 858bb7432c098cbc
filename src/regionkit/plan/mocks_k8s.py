"""Mock outputs of the Kubernetes objects and keys the identity server components read.

The Gateway's address (what the GSLB records point at) comes from its status; the mock answers
with a documentation address (RFC 5737) or, for Gateways annotated as published by hostname, a
name under example.net (RFC 2606). Keys and certificates are labelled placeholders, never key
material.
"""

from __future__ import annotations

from typing import Any

from regionkit.plan import mock_outputs
from regionkit.plan.mock_outputs import digest, test_net_ip

GATEWAY = "kubernetes:gateway.networking.k8s.io/v1:Gateway"
ADDRESS_KIND_ANNOTATION = "regionkit.io/address-kind"


@mock_outputs.register(GATEWAY)
def _gateway(name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    annotations = (inputs.get("metadata") or {}).get("annotations") or {}
    if annotations.get(ADDRESS_KIND_ANNOTATION) == "hostname":
        address = {"type": "Hostname", "value": f"gw-{digest(name)}.lb.example.net"}
    else:
        address = {"type": "IPAddress", "value": test_net_ip(name)}
    return {"status": {"addresses": [address]}}


def _pem(label: str, name: str) -> str:
    return f"-----BEGIN {label}-----\nMOCK{digest(name, 60)}\n-----END {label}-----\n"


@mock_outputs.register("tls:index/privateKey:PrivateKey")
def _private_key(name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    return {
        "privateKeyPem": _pem("PRIVATE KEY", name),
        "privateKeyPemPkcs8": _pem("PRIVATE KEY", name),
        "publicKeyPem": _pem("PUBLIC KEY", name),
        "publicKeyFingerprintSha256": "SHA256:" + digest(name, 43),
    }


@mock_outputs.register("tls:index/selfSignedCert:SelfSignedCert")
def _self_signed_cert(name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    return {"certPem": _pem("CERTIFICATE", name), "readyForRenewal": False}


@mock_outputs.register("tls:index/certRequest:CertRequest")
def _cert_request(name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    return {"certRequestPem": _pem("CERTIFICATE REQUEST", name)}


@mock_outputs.register("tls:index/locallySignedCert:LocallySignedCert")
def _locally_signed_cert(name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    return {"certPem": _pem("CERTIFICATE", name), "readyForRenewal": False}
