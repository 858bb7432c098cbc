"""CloudNativePG promotion and switchover as the exact merge patches sent to the Kubernetes API."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from regionkit.model import resolve
from regionkit.ops.failover.clients import Clients
from regionkit.ops.failover.plan import Request, build_steps
from regionkit.ops.failover.steps import Clock, Mode, Outcome, run_steps
from regionkit.spec.loader import load_stack
from tests.failover_fakes import FakeCustomObjects

STACK = Path(__file__).resolve().parent.parent / "stacks" / "mixed-ap.yaml"
NS = "acme-mx-tokens-accounts-audit-db"
OLD, NEW = "tokens-accounts-audit-aws-use1", "tokens-accounts-audit-gcp-usc1"
NO_SLEEP = Clock(sleep=lambda _: None, now=lambda: 0.0)
HEALTHY = {"phase": "Cluster in healthy state"}


def component_clusters() -> dict[str, dict[str, Any]]:
    """As the components create them: spec.replica.enabled on the replica."""
    return {
        f"{NS}/{OLD}": {"spec": {}, "status": dict(HEALTHY)},
        f"{NS}/{NEW}": {
            "spec": {"replica": {"enabled": True, "source": OLD}},
            "status": dict(HEALTHY),
        },
    }


def distributed_clusters() -> dict[str, dict[str, Any]]:
    return {
        f"{NS}/{name}": {
            "spec": {"replica": {"primary": OLD, "source": other, "self": name}},
            "status": dict(HEALTHY),
        }
        for name, other in ((OLD, NEW), (NEW, OLD))
    }


def world(
    clusters: dict[str, dict[str, Any]],
) -> tuple[FakeCustomObjects, dict[str, FakeCustomObjects], Clients]:
    def operator(key: str, cluster: dict[str, Any]) -> None:
        # the operator: a demoted primary publishes its token once the checkpoint is archived
        replica = cluster["spec"].get("replica", {})
        if replica.get("primary") not in (None, replica.get("self")):
            cluster["status"]["demotionToken"] = "dG9rZW4="

    api = FakeCustomObjects(clusters, on_patch=operator)
    contexts: dict[str, FakeCustomObjects] = {}

    def custom(context: str) -> Any:
        contexts[context] = api
        return api

    return api, contexts, Clients(k8s_custom=custom)


def steps(clients: Clients, mode: Mode) -> list[Any]:
    request = Request(mode, "gcp-usc1", {})
    return [
        s
        for s in build_steps(resolve(load_stack(STACK).spec).deployments, request, clients)
        if s.id.startswith("cnpg/")
    ]


def test_failover_disables_replica_mode_once_and_reruns_as_no_op() -> None:
    api, contexts, clients = world(component_clusters())
    run = run_steps(steps(clients, Mode.FAILOVER), lambda _: None, NO_SLEEP)
    assert [r.outcome for r in run.results] == [Outcome.DONE]
    assert api.patches == [(NS, NEW, {"spec": {"replica": {"enabled": False}}})]
    # no kubeconfigContext in the stack: the region id names the context
    assert set(contexts) == {"gcp-usc1"}
    again = run_steps(steps(clients, Mode.FAILOVER), lambda _: None, NO_SLEEP)
    assert [r.outcome for r in again.results] == [Outcome.ALREADY]
    assert len(api.patches) == 1


def test_failover_resumes_after_the_api_refused_the_patch() -> None:
    api, _, clients = world(component_clusters())
    api.fail_next = RuntimeError("(409) Conflict")
    first = run_steps(steps(clients, Mode.FAILOVER), lambda _: None, NO_SLEEP)
    assert first.results[0].outcome is Outcome.FAILED and "Conflict" in (
        first.results[0].error or ""
    )
    assert api.patches == []
    second = run_steps(steps(clients, Mode.FAILOVER), lambda _: None, NO_SLEEP)
    assert second.results[0].outcome is Outcome.DONE
    assert api.patches == [(NS, NEW, {"spec": {"replica": {"enabled": False}}})]


def test_switchover_demotes_then_promotes_with_the_demotion_token() -> None:
    api, _, clients = world(distributed_clusters())
    run = run_steps(steps(clients, Mode.SWITCHOVER), lambda _: None, NO_SLEEP)
    assert [r.outcome for r in run.results] == [Outcome.DONE, Outcome.DONE]
    assert api.patches == [
        (NS, OLD, {"spec": {"replica": {"primary": NEW}}}),
        (NS, NEW, {"spec": {"replica": {"primary": NEW, "promotionToken": "dG9rZW4="}}}),
    ]
    again = run_steps(steps(clients, Mode.SWITCHOVER), lambda _: None, NO_SLEEP)
    assert [r.outcome for r in again.results] == [Outcome.ALREADY, Outcome.ALREADY]
    assert len(api.patches) == 2


def test_switchover_of_a_cluster_outside_the_distributed_topology_fails_without_patching() -> None:
    api, _, clients = world(component_clusters())
    run = run_steps(steps(clients, Mode.SWITCHOVER), lambda _: None, NO_SLEEP)
    assert run.results[0].outcome is Outcome.FAILED
    assert "distributed topology" in (run.results[0].error or "")
    assert run.results[1].outcome is Outcome.NOT_RUN
    assert api.patches == []
