"""The keys every region shares: generated once, written into every region's Secret."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections import Counter
from pathlib import Path
from xml.etree import ElementTree

import pulumi
import pytest

from regionkit.components.idsvr_pods import prepare_script
from regionkit.components.shared_keys import SharedKeys, SharedKeysArgs
from regionkit.plan.recorder import SECRET, Registration, record
from tests.idsvr_fixtures import (
    CapturingMocks,
    build,
    dev_deployment,
    of_type,
    two_region_deployment,
)

KEY_TYPES = (
    "random:index/randomBytes:RandomBytes",
    "random:index/randomPassword:RandomPassword",
    "tls:index/privateKey:PrivateKey",
    "tls:index/selfSignedCert:SelfSignedCert",
    "tls:index/certRequest:CertRequest",
    "tls:index/locallySignedCert:LocallySignedCert",
)


def test_keys_are_generated_once_for_two_regions() -> None:
    mocks = CapturingMocks()
    registrations, _ = build(two_region_deployment(), mocks=mocks)
    counts = Counter(r.type for r in registrations)
    assert counts["regionkit:keys:SharedKeys"] == 1
    assert counts["regionkit:idsvr:IdentityServer"] == 2
    # signing key and certificate; the admin CA's key and certificate, the admin key and the
    # certificate the CA signs for it
    assert [counts[t] for t in KEY_TYPES] == [2, 2, 3, 2, 1, 1]
    (keys,) = of_type(registrations, "regionkit:keys:SharedKeys")
    assert keys.inputs == {}  # a global component: no region
    key_urn = keys.urn
    assert all(r.parent == key_urn for t in KEY_TYPES for r in of_type(registrations, t))

    # both regions' Secrets hold the very same values
    one, two = mocks.inputs["acme-id-one-keys"], mocks.inputs["acme-id-two-keys"]
    assert one["stringData"] == two["stringData"]
    generated = mocks.inputs["acme-id-keys-config-encryption-key"]
    assert generated["length"] == 32
    encryption_key = one["stringData"]["CONFIG_ENCRYPTION_KEY"]
    assert len(encryption_key) == 64 and int(encryption_key, 16) >= 0
    assert one["stringData"]["SSO_COOKIE_KEY"] != encryption_key
    # ... and the plan shows neither
    secrets = [
        r
        for r in registrations
        if r.type == "kubernetes:core/v1:Secret" and r.name.endswith("-keys")
    ]
    assert len(secrets) == 2 and all(r.inputs["stringData"] == SECRET for r in secrets)


def test_pods_of_both_regions_roll_on_the_same_secret_digest() -> None:
    registrations, _ = build(two_region_deployment())
    digests = {
        r.name: r.inputs["spec"]["template"]["metadata"]["annotations"]["regionkit.io/secret-hash"]
        for r in of_type(registrations, "kubernetes:apps/v1:Deployment")
    }
    assert len(digests) == 4
    assert len(set(digests.values())) == 1


def _named(registrations: list[Registration], type_: str, suffix: str) -> Registration:
    (found,) = [r for r in of_type(registrations, type_) if r.name.endswith(suffix)]
    return found


def test_signing_key_and_certificate() -> None:
    registrations, _ = build()
    key = _named(registrations, "tls:index/privateKey:PrivateKey", "-signing-key")
    assert key.inputs == {"algorithm": "RSA", "rsaBits": 2048}
    cert = _named(registrations, "tls:index/selfSignedCert:SelfSignedCert", "-signing-cert")
    assert cert.inputs["subject"]["commonName"] == "login.dev.example.com"
    assert cert.inputs["allowedUses"] == ["digital_signature"]
    assert cert.inputs["privateKeyPem"] == SECRET
    passwords = {r.name: r.inputs for r in of_type(registrations, KEY_TYPES[1])}
    assert passwords["acme-id-keys-admin-password"]["length"] == 32


def test_every_key_output_is_a_secret() -> None:
    deployment = dev_deployment()
    names = (
        "config_encryption_key",
        "sso_cookie_key",
        "signing_key_pem",
        "signing_cert_pem",
        "signing_keystore_password",
        "admin_password",
    )

    def program() -> None:
        keys = SharedKeys("k", SharedKeysArgs(deployment))
        # a resource that takes every key as an input: the recorder redacts secret inputs
        pulumi.CustomResource("test:index:KeyProbe", "probe", {n: getattr(keys, n) for n in names})

    registrations = record(program, project="p", stack="s")
    (probe,) = [r for r in registrations if r.type == "test:index:KeyProbe"]
    assert probe.inputs == dict.fromkeys(names, SECRET)


def test_issuer_host_names_the_signing_certificate() -> None:
    registrations, _ = build(two_region_deployment())
    cert = _named(registrations, "tls:index/selfSignedCert:SelfSignedCert", "-signing-cert")
    assert cert.inputs["subject"]["commonName"] == "login.example.com"


# --- the admin node's certificate ----------------------------------------------------------


def test_an_admin_ca_signs_the_admin_certificate_for_the_service_names() -> None:
    mocks = CapturingMocks()
    registrations, _ = build(two_region_deployment(), mocks=mocks)
    ca = _named(registrations, "tls:index/selfSignedCert:SelfSignedCert", "-admin-ca")
    assert ca.inputs["isCaCertificate"] is True and ca.inputs["maxPathLength"] == 0
    assert "cert_signing" in ca.inputs["allowedUses"]
    assert ca.inputs["privateKeyPem"] == SECRET
    request = _named(registrations, "tls:index/certRequest:CertRequest", "-admin-tls-request")
    namespace = "acme-id"
    assert request.inputs["dnsNames"] == [
        "idsvr-admin",
        f"idsvr-admin.{namespace}",
        f"idsvr-admin.{namespace}.svc",
        f"idsvr-admin.{namespace}.svc.cluster.local",
    ]
    cert = _named(registrations, "tls:index/locallySignedCert:LocallySignedCert", "-admin-tls-cert")
    assert (
        "server_auth" in cert.inputs["allowedUses"]
        and "cert_signing" not in cert.inputs["allowedUses"]
    )
    assert cert.inputs["earlyRenewalHours"] < cert.inputs["validityPeriodHours"]
    assert cert.inputs["caPrivateKeyPem"] == SECRET  # the plan never shows the CA's key
    # every region's Secret carries the certificate, its key and the CA
    data = mocks.inputs["acme-id-one-keys"]["stringData"]
    assert {"ADMIN_TLS_KEY_PEM", "ADMIN_TLS_CERT_PEM", "ADMIN_TLS_CA_PEM"} <= set(data)
    assert data == mocks.inputs["acme-id-two-keys"]["stringData"]


def test_a_supplied_admin_certificate_replaces_the_generated_one() -> None:
    deployment = two_region_deployment()
    admin = deployment.identity_server.admin.model_validate(
        {"allowedCidrs": ["10.0.0.0/8"], "tls": {"secretName": "admin-tls"}}
    )
    server = deployment.identity_server.model_copy(update={"admin": admin})
    mocks = CapturingMocks()
    registrations, _ = build(deployment.model_copy(update={"identity_server": server}), mocks=mocks)
    assert not of_type(registrations, "tls:index/locallySignedCert:LocallySignedCert")
    assert "ADMIN_TLS_CA_PEM" not in mocks.inputs["acme-id-one-keys"]["stringData"]
    deployments = of_type(registrations, "kubernetes:apps/v1:Deployment")
    assert len(deployments) == 4
    for node in deployments:
        volumes = {v["name"]: v for v in node.inputs["spec"]["template"]["spec"]["volumes"]}
        assert volumes["admin-tls"]["secret"]["secretName"] == "admin-tls"
        assert volumes["admin-tls"]["secret"]["items"] == [
            {"key": "tls.key", "path": "tls.key"},
            {"key": "tls.crt", "path": "tls.crt"},
        ]


def test_the_init_script_turns_the_admin_certificate_into_the_server_s_keystore(
    tmp_path: Path,
) -> None:
    """The node's init script, run for real with openssl and a stand-in for `convertks`."""
    if shutil.which("openssl") is None:
        pytest.skip("the openssl CLI is not available")
    root = tmp_path / "root"
    for directory in ("opt/idsvr/etc/init", "opt/idsvr/var", "opt/idsvr/bin", "tmp"):
        (root / directory).mkdir(parents=True)
    for directory in ("init", "var", "cluster", "keys", "admin-tls", "config"):
        (root / "run/regionkit" / directory).mkdir(parents=True)
    (root / "run/regionkit/cluster/cluster.xml").write_text("<config/>")
    stage = root / "run/regionkit"
    for pem_dir, key, cert in (
        (stage / "keys", "signing-key.pem", "signing-cert.pem"),
        (stage / "admin-tls", "tls.key", "tls.crt"),
    ):
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
             "-subj", "/CN=test", "-keyout", str(pem_dir / key), "-out", str(pem_dir / cert)],
            check=True, capture_output=True, timeout=60,
        )  # fmt: skip
    convertks = root / "opt/idsvr/bin/convertks"
    # the stand-in answers with a digest of the PKCS#12 it was given: proof that it got one
    convertks.write_text(
        '#!/bin/sh\nwhile [ "$1" != --in-file ]; do shift; done\n'
        'printf "v:S.%s" "$(base64 -d < "$2" | sha256sum | cut -c1-16)"\n'
    )
    convertks.chmod(0o755)
    script = prepare_script([])
    # the image's and the pod's absolute paths, moved under `root` in one pass
    script = re.sub(r"(?<![\w/.-])(/run/regionkit|/opt/idsvr|/tmp)(?=/)", f"{root}\\1", script)
    done = subprocess.run(
        ["sh", "-c", script],
        env={"PATH": os.environ["PATH"], "SIGNING_KEYSTORE_PASSWORD": "p12-transit"},
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    written = (stage / "init" / "regionkit-admin-tls.xml").read_text()
    document = ElementTree.fromstring(written)
    base = "{https://curity.se/ns/conf/base}"
    keystore = document.find(f"{base}facilities/{base}crypto/{base}ssl/{base}server-keystore")
    assert keystore is not None
    assert keystore.findtext(f"{base}id") == "regionkit-admin-tls"
    assert (keystore.findtext(f"{base}keystore") or "").startswith("v:S.")
    served = document.findtext(
        f"{base}environments/{base}environment/{base}admin-service/{base}http/"
        f"{base}ssl-server-keystore"
    )
    assert served == "regionkit-admin-tls"
    signing = (stage / "init" / "regionkit-signing-key.xml").read_text()
    assert keystore.findtext(f"{base}keystore") not in signing  # two keys, two keystores
    assert not list((root / "tmp").iterdir())  # no PKCS#12 left behind
