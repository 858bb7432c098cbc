"""Small queries over recorded registrations, shared by the component tests."""

from __future__ import annotations

from regionkit.plan.recorder import Registration


def of_type(regs: list[Registration], type_: str) -> list[Registration]:
    return [r for r in regs if r.type == type_]


def one(regs: list[Registration], type_: str, name: str) -> Registration:
    (found,) = [r for r in regs if r.type == type_ and r.name == name]
    return found


def region_of(regs: list[Registration], reg: Registration) -> str | None:
    """The region a plan attributes `reg` to: its nearest ancestor component with a region."""
    by_urn = {r.urn: r for r in regs}
    parent = by_urn.get(reg.parent or "")
    while parent is not None:
        if not parent.custom and "region" in parent.inputs:
            return str(parent.inputs["region"])
        parent = by_urn.get(parent.parent or "")
    return None
