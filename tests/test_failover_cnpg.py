"""CloudNativePG promotion and switchover as the exact merge patches sent to the Kubernetes API."""

from __future__ import annotations

import copy
import functools
from pathlib import Path
from typing import Any

from regionkit.model import resolve
from regionkit.ops.failover.clients import Clients
from regionkit.ops.failover.plan import Request, build_steps
from regionkit.ops.failover.steps import Clock, Mode, Outcome, run_steps
from regionkit.spec.loader import load_stack
from tests.example_plans import example_plan
from tests.failover_fakes import FakeCustomObjects

STACK = Path(__file__).resolve().parent.parent / "stacks" / "mixed-ap.yaml"
NS = "acme-mx-tokens-accounts-audit-db"
OLD, NEW = "tokens-accounts-audit-aws-use1", "tokens-accounts-audit-gcp-usc1"
NO_SLEEP = Clock(sleep=lambda _: None, now=lambda: 0.0)
HEALTHY = {"phase": "Cluster in healthy state"}


@functools.cache
def _planned() -> dict[str, dict[str, Any]]:
    """The CNPG Clusters exactly as an offline plan of the stack registers them."""
    found = {}
    for resource in example_plan(STACK)["resources"]:
        if resource["type"] == "kubernetes:postgresql.cnpg.io/v1:Cluster":
            meta = resource["inputs"]["metadata"]
            found[f"{meta['namespace']}/{meta['name']}"] = {
                "metadata": {"name": meta["name"]},
                "spec": resource["inputs"]["spec"],
            }
    return found


def component_clusters() -> dict[str, dict[str, Any]]:
    """As the components create them (the distributed topology), healthy."""
    clusters = copy.deepcopy(_planned())
    assert set(clusters) == {f"{NS}/{OLD}", f"{NS}/{NEW}"}
    for cluster in clusters.values():
        cluster["status"] = dict(HEALTHY)
    return clusters


def standalone_clusters() -> dict[str, dict[str, Any]]:
    """As regionkit created them before the distributed topology: spec.replica.enabled."""
    return {
        f"{NS}/{OLD}": {"metadata": {"name": OLD}, "spec": {}, "status": dict(HEALTHY)},
        f"{NS}/{NEW}": {
            "metadata": {"name": NEW},
            "spec": {"replica": {"enabled": True, "source": OLD}},
            "status": dict(HEALTHY),
        },
    }


def world(
    clusters: dict[str, dict[str, Any]],
) -> tuple[FakeCustomObjects, dict[str, FakeCustomObjects], Clients]:
    def operator(key: str, cluster: dict[str, Any]) -> None:
        # the operator: a demoted primary publishes its token once the checkpoint is archived
        replica = cluster["spec"].get("replica", {})
        if replica.get("primary") not in (None, cluster["metadata"]["name"]):
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


def test_the_planned_clusters_are_a_distributed_topology_with_the_writer_primary() -> None:
    clusters = component_clusters()
    assert clusters[f"{NS}/{OLD}"]["spec"]["replica"] == {"primary": OLD, "source": NEW}
    assert clusters[f"{NS}/{NEW}"]["spec"]["replica"] == {"primary": OLD, "source": OLD}
    for cluster in clusters.values():
        names = [e["name"] for e in cluster["spec"]["externalClusters"]]
        assert names == [OLD, NEW]
        assert "barmanObjectStore" in cluster["spec"]["backup"]


def test_failover_names_the_target_primary_without_a_token_and_reruns_as_no_op() -> None:
    api, contexts, clients = world(component_clusters())
    run = run_steps(steps(clients, Mode.FAILOVER), lambda _: None, NO_SLEEP)
    assert [r.outcome for r in run.results] == [Outcome.DONE]
    assert api.patches == [(NS, NEW, {"spec": {"replica": {"primary": NEW}}})]
    # no kubeconfigContext in the stack: the region id names the context
    assert set(contexts) == {"gcp-usc1"}
    again = run_steps(steps(clients, Mode.FAILOVER), lambda _: None, NO_SLEEP)
    assert [r.outcome for r in again.results] == [Outcome.ALREADY]
    assert len(api.patches) == 1


def test_failover_of_a_standalone_replica_disables_replica_mode() -> None:
    api, _, clients = world(standalone_clusters())
    run = run_steps(steps(clients, Mode.FAILOVER), lambda _: None, NO_SLEEP)
    assert [r.outcome for r in run.results] == [Outcome.DONE]
    assert api.patches == [(NS, NEW, {"spec": {"replica": {"enabled": False}}})]


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
    assert api.patches == [(NS, NEW, {"spec": {"replica": {"primary": NEW}}})]


def test_switchover_of_the_planned_clusters_demotes_then_promotes_with_the_token() -> None:
    api, _, clients = world(component_clusters())
    run = run_steps(steps(clients, Mode.SWITCHOVER), lambda _: None, NO_SLEEP)
    assert [r.outcome for r in run.results] == [Outcome.DONE, Outcome.DONE]
    assert api.patches == [
        (NS, OLD, {"spec": {"replica": {"primary": NEW, "source": NEW}}}),
        (NS, NEW, {"spec": {"replica": {"primary": NEW, "promotionToken": "dG9rZW4="}}}),
    ]
    # what CloudNativePG's webhook requires: never `enabled` beside `primary`
    for cluster in api.clusters.values():
        assert "enabled" not in cluster["spec"]["replica"]
    assert api.clusters[f"{NS}/{NEW}"]["spec"]["replica"]["source"] == OLD
    again = run_steps(steps(clients, Mode.SWITCHOVER), lambda _: None, NO_SLEEP)
    assert [r.outcome for r in again.results] == [Outcome.ALREADY, Outcome.ALREADY]
    assert len(api.patches) == 2


def test_switchover_resumes_at_the_promotion_after_it_failed() -> None:
    api, _, clients = world(component_clusters())
    first_steps = steps(clients, Mode.SWITCHOVER)
    first = run_steps(first_steps[:1], lambda _: None, NO_SLEEP)
    assert [r.outcome for r in first.results] == [Outcome.DONE]
    api.fail_next = RuntimeError("(500) etcd timeout")
    failed = run_steps(steps(clients, Mode.SWITCHOVER), lambda _: None, NO_SLEEP)
    assert [r.outcome for r in failed.results] == [Outcome.ALREADY, Outcome.FAILED]
    resumed = run_steps(steps(clients, Mode.SWITCHOVER), lambda _: None, NO_SLEEP)
    assert [r.outcome for r in resumed.results] == [Outcome.ALREADY, Outcome.DONE]
    assert [name for _, name, _ in api.patches] == [OLD, NEW]


def test_switchover_of_standalone_replicas_fails_without_patching() -> None:
    api, _, clients = world(standalone_clusters())
    run = run_steps(steps(clients, Mode.SWITCHOVER), lambda _: None, NO_SLEEP)
    assert run.results[0].outcome is Outcome.FAILED
    assert "regionkit up" in (run.results[0].error or "")
    assert run.results[1].outcome is Outcome.NOT_RUN
    assert api.patches == []
