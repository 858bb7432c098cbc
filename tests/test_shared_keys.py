"""The keys every region shares: generated once, written into every region's Secret."""

from __future__ import annotations

from collections import Counter

import pulumi

from regionkit.components.shared_keys import SharedKeys, SharedKeysArgs
from regionkit.plan.recorder import SECRET, record
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
)


def test_keys_are_generated_once_for_two_regions() -> None:
    mocks = CapturingMocks()
    registrations, _ = build(two_region_deployment(), mocks=mocks)
    counts = Counter(r.type for r in registrations)
    assert counts["regionkit:keys:SharedKeys"] == 1
    assert counts["regionkit:idsvr:IdentityServer"] == 2
    assert [counts[t] for t in KEY_TYPES] == [2, 2, 1, 1]
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


def test_signing_key_and_certificate() -> None:
    registrations, _ = build()
    (key,) = of_type(registrations, "tls:index/privateKey:PrivateKey")
    assert key.inputs == {"algorithm": "RSA", "rsaBits": 2048}
    (cert,) = of_type(registrations, "tls:index/selfSignedCert:SelfSignedCert")
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
    (cert,) = of_type(registrations, "tls:index/selfSignedCert:SelfSignedCert")
    assert cert.inputs["subject"]["commonName"] == "login.example.com"
