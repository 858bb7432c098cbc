"""Outputs a cloud would compute, for the offline plan's mocks.

Each component module registers the outputs of the resource types it uses that other resources
read (a cluster's endpoint, a generated password, a Gateway's address). Values are deterministic
placeholders derived from the resource name: never real, never secret material.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

OutputsFn = Callable[[str, dict[str, Any]], dict[str, Any]]
CallFn = Callable[[dict[str, Any]], dict[str, Any]]

_OUTPUTS: dict[str, OutputsFn] = {}
_CALLS: dict[str, CallFn] = {}


def register(type_token: str) -> Callable[[OutputsFn], OutputsFn]:
    def wrap(fn: OutputsFn) -> OutputsFn:
        _OUTPUTS[type_token] = fn
        return fn

    return wrap


def register_call(token: str) -> Callable[[CallFn], CallFn]:
    def wrap(fn: CallFn) -> CallFn:
        _CALLS[token] = fn
        return fn

    return wrap


def outputs_for(type_token: str, name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    fn = _OUTPUTS.get(type_token)
    return fn(name, inputs) if fn is not None else {}


def call_result(token: str, args: dict[str, Any]) -> dict[str, Any]:
    fn = _CALLS.get(token)
    return fn(args) if fn is not None else {}


def digest(name: str, length: int = 12) -> str:
    return hashlib.sha256(name.encode()).hexdigest()[:length]


def test_net_ip(name: str) -> str:
    """A documentation address (RFC 5737 TEST-NET-3) stable for `name`."""
    return f"203.0.113.{int(digest(name, 4), 16) % 254 + 1}"


@register("random:index/randomPassword:RandomPassword")
def _random_password(name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    length = int(inputs.get("length", 32))
    return {"result": ("p" + digest(name, 64))[:length], "bcryptHash": "$2a$10$" + digest(name, 53)}


@register("random:index/randomBytes:RandomBytes")
def _random_bytes(name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    length = int(inputs.get("length", 32))
    hexed = (digest(name, 64) * 4)[: length * 2]
    import base64

    return {"hex": hexed, "base64": base64.b64encode(bytes.fromhex(hexed)).decode()}


@register("random:index/randomId:RandomId")
def _random_id(name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    length = int(inputs.get("byteLength", 8))
    hexed = digest(name, length * 2)
    return {"hex": hexed, "dec": str(int(hexed, 16)), "b64Url": hexed, "b64Std": hexed}
