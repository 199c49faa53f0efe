"""Alerting rules and Grafana dashboards: they load, their queries parse, they name metrics that exist.

* deploy/prometheus/rules/*.yml: ``promtool check rules``, loaded by both Prometheus configs,
  and ``promtool test rules`` (tests/deploy/prometheus_rules_test.yml) shows alerts fire;
* deploy/grafana: every dashboard is JSON with a unique uid, every panel and target uses the
  provisioned datasource (uid ``prometheus``), every target's query parses (promtool, as a
  recording rule) and names only metrics the code defines; compose provisions them and the
  Kubernetes base renders them as a ConfigMap for Grafana's dashboards sidecar.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml  # type: ignore[import-untyped,unused-ignore]

from tests.deploy.test_deploy_static import (
    OVERLAYS,
    PROMETHEUS_COMPOSE,
    PROMETHEUS_LOCAL,
    REPO,
    _require_tool,
    compose_doc,
    rendered,
)

RULES = sorted((REPO / "deploy" / "prometheus" / "rules").glob("*.yml"))
GRAFANA = REPO / "deploy" / "grafana"
DASHBOARDS = sorted((GRAFANA / "dashboards").glob("*.json"))
DATASOURCE_UID = "prometheus"
RULE_TESTS = Path(__file__).with_name("prometheus_rules_test.yml")
DEFINED = re.compile(r"""(Counter|Gauge|Histogram|Summary)\(\s*["']([a-zA-Z_:][a-zA-Z0-9_:]*)["']""")
NAME = re.compile(r"\b((?:solidarity|gateway)_[a-zA-Z0-9_:]*)")
BUILTIN = {"up"}


def defined_metrics() -> set[str]:
    """Every metric name the platform's code registers with prometheus-client (histograms' series too)."""
    names: set[str] = set(BUILTIN)
    for folder in ("libs", "services", "gateway"):
        for path in (REPO / folder).rglob("*.py"):
            for kind, name in DEFINED.findall(path.read_text(encoding="utf-8")):
                names.add(name)
                if kind in ("Histogram", "Summary"):
                    names.update({f"{name}_bucket", f"{name}_sum", f"{name}_count"})
    return names


def dashboard(path: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return loaded


def targets() -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path.name, panel["title"], target)
        for path in DASHBOARDS
        for panel in dashboard(path)["panels"]
        for target in panel["targets"]
    ]


def rule_exprs() -> list[str]:
    return [rule["expr"] for path in RULES for group in yaml.safe_load(path.read_text())["groups"]
            for rule in group["rules"]]  # fmt: skip


def promtool(*args: str) -> subprocess.CompletedProcess[str]:
    tool = _require_tool("promtool")
    return subprocess.run([str(tool), *args], capture_output=True, text=True, timeout=60, check=False)


@pytest.mark.parametrize("path", RULES, ids=lambda p: p.name)
def test_promtool_checks_the_rules(path: Path) -> None:
    proc = promtool("check", "rules", str(path))
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_the_alerts_fire_on_their_conditions() -> None:
    proc = promtool("test", "rules", str(RULE_TESTS))
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.parametrize("config", [PROMETHEUS_LOCAL, PROMETHEUS_COMPOSE], ids=lambda p: p.name)
def test_both_prometheus_configs_load_every_rule_file(config: Path) -> None:
    patterns = yaml.safe_load(config.read_text())["rule_files"]
    loaded = {path for pattern in patterns for path in config.parent.glob(pattern)}
    assert loaded == set(RULES) and RULES


def test_compose_mounts_the_rules_where_the_compose_config_finds_them() -> None:
    volumes = compose_doc()["services"]["prometheus"]["volumes"]
    assert "./deploy/prometheus/rules:/etc/prometheus/rules:ro" in volumes


def test_rules_and_dashboards_name_only_metrics_the_code_defines() -> None:
    known = defined_metrics()
    used = {name for expr in rule_exprs() + [t["expr"] for _, _, t in targets()] for name in NAME.findall(expr)}
    assert used, "no metric found in the rules and dashboards"
    assert used - known == set()


def test_a_metric_the_code_does_not_define_is_caught() -> None:
    assert "solidarity_business_households_registered" in defined_metrics()
    assert "solidarity_entrypoint_duration_seconds_bucket" in defined_metrics()
    assert "solidarity_business_no_such_thing" not in defined_metrics()


def test_dashboards_are_json_with_unique_uids_on_the_provisioned_datasource() -> None:
    provisioned = yaml.safe_load((GRAFANA / "provisioning" / "datasources" / "prometheus.yml").read_text())
    assert [d["uid"] for d in provisioned["datasources"]] == [DATASOURCE_UID]
    uids = [dashboard(path)["uid"] for path in DASHBOARDS]
    assert len(DASHBOARDS) >= 2 and len(set(uids)) == len(uids)
    for path in DASHBOARDS:
        for panel in dashboard(path)["panels"]:
            assert panel["datasource"]["uid"] == DATASOURCE_UID, (path.name, panel["title"])
            assert panel["targets"], (path.name, panel["title"])
            assert all(t["datasource"]["uid"] == DATASOURCE_UID for t in panel["targets"]), panel["title"]
    business = next(dashboard(p) for p in DASHBOARDS if dashboard(p)["uid"] == "solidarity-business")
    exprs = " ".join(t["expr"] for panel in business["panels"] for t in panel["targets"])
    for metric in ("households_registered", "aid_decisions", "aid_disbursed_dzd", "gifts", "signals_open",
                   "signals_late", "urgent_regularisations_overdue"):  # fmt: skip
        assert f"solidarity_business_{metric}" in exprs, metric
    assert "solidarity_reporting_lag_seconds" in exprs


def test_every_dashboard_query_parses(tmp_path: Path) -> None:
    """promtool parses each query as the expression of a recording rule."""
    rules = [{"record": f"dashboard:query_{i}", "expr": t["expr"]} for i, (_, _, t) in enumerate(targets())]
    path = tmp_path / "dashboards.yml"
    path.write_text(yaml.safe_dump({"groups": [{"name": "dashboards", "rules": rules}]}))
    proc = promtool("check", "rules", str(path))
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_compose_provisions_grafana_with_the_dashboards() -> None:
    grafana = compose_doc()["services"]["grafana"]
    assert "./deploy/grafana/provisioning:/etc/grafana/provisioning:ro" in grafana["volumes"]
    assert "./deploy/grafana/dashboards:/var/lib/grafana/dashboards:ro" in grafana["volumes"]
    provider = yaml.safe_load((GRAFANA / "provisioning" / "dashboards" / "solidarity.yml").read_text())
    assert provider["providers"][0]["options"]["path"] == "/var/lib/grafana/dashboards"


@pytest.mark.parametrize("overlay", sorted(OVERLAYS))
def test_kubernetes_renders_the_dashboards_as_a_configmap(overlay: str) -> None:
    maps = [doc for doc in rendered(overlay) if doc["kind"] == "ConfigMap"
            and doc["metadata"]["name"] == "solidarity-grafana-dashboards"]  # fmt: skip
    assert len(maps) == 1
    assert maps[0]["metadata"]["labels"]["grafana_dashboard"] == "1"
    assert sorted(maps[0]["data"]) == sorted(path.name for path in DASHBOARDS)
    for path in DASHBOARDS:
        assert json.loads(maps[0]["data"][path.name]) == dashboard(path)
