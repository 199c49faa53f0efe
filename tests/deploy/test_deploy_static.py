"""Static validation of the deployment files (no container engine, no cluster, no network).

* deploy/k8s: ``kustomize build`` of base, dev and prod, each validated by ``kubeconform
  -strict`` against local JSON schemas only;
* compose.yaml: validated against the official compose-spec JSON schema;
* deploy/prometheus/*.yml: ``promtool check config``;
* cross-checks: every service and the gateway is in compose.yaml, in the rendered k8s
  manifests (Deployment + Service) and a scrape job of both Prometheus configs, with the
  ports of docs/conventions.md; every environment variable the platform containers use
  is documented there.

The tools and schemas are installed by ``scripts/install_deploy_tools.sh`` into
``.tools/`` (or ``$DEPLOY_TOOLS_DIR``); tests that need a missing one are skipped, saying
which and how to install it.
"""

from __future__ import annotations

import functools
import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped,unused-ignore]
import pytest
import yaml  # type: ignore[import-untyped,unused-ignore]

from scripts import generate

REPO = Path(__file__).resolve().parents[2]
TOOLS = Path(os.environ.get("DEPLOY_TOOLS_DIR", str(REPO / ".tools")))
CONVENTIONS = REPO / "docs" / "conventions.md"
COMPOSE_FILE = REPO / "compose.yaml"
DOCKERFILE = REPO / "Dockerfile"
K8S = REPO / "deploy" / "k8s"
PROMETHEUS_LOCAL = REPO / "deploy" / "prometheus" / "prometheus.yml"
PROMETHEUS_COMPOSE = REPO / "deploy" / "prometheus" / "prometheus.compose.yml"
COMPOSE_SCHEMA = TOOLS / "schemas" / "compose-spec.json"
K8S_SCHEMAS = TOOLS / "schemas" / "kubernetes"

SERVICES = list(generate.load().names)  # services/*/service.toml
GATEWAY = "gateway"
COMPONENTS = [*SERVICES, GATEWAY]
OVERLAYS = {
    "base": K8S / "base",
    "dev": K8S / "overlays" / "dev",
    "prod": K8S / "overlays" / "prod",
}
SECRET_NAME = "platform-secrets"
# service -> the environment variables its manifest (`secrets = [...]`) takes from the Secret
MANIFEST_SECRETS = {s.name: s.secrets for s in generate.load().services}
MANIFEST_SECRETS_ALL = frozenset(key for keys in MANIFEST_SECRETS.values() for key in keys)
CONFIG_NAME = "platform-config"
IMAGE = "solidarity-platform"

INSTALL_HINT = "run scripts/install_deploy_tools.sh"
# Any attempt of a tool to reach the network goes to a closed local port and fails fast.
OFFLINE_ENV = {
    **os.environ,
    "HTTP_PROXY": "http://127.0.0.1:9",
    "HTTPS_PROXY": "http://127.0.0.1:9",
    "http_proxy": "http://127.0.0.1:9",
    "https_proxy": "http://127.0.0.1:9",
    "NO_PROXY": "",
    "no_proxy": "",
}

Manifest = dict[str, Any]


# ----------------------------------------------------------------------------------
# helpers
# ----------------------------------------------------------------------------------
def _tool(name: str) -> Path | None:
    local = TOOLS / "bin" / name
    if local.is_file() and os.access(local, os.X_OK):
        return local
    found = shutil.which(name)
    return Path(found) if found else None


def _require_tool(name: str) -> Path:
    path = _tool(name)
    if path is None:
        pytest.skip(f"{name} is not installed ({TOOLS / 'bin'} or PATH): {INSTALL_HINT}")
    return path


def _tool_versions() -> dict[str, str]:
    env_file = TOOLS / "versions.env"
    if not env_file.is_file():
        return {}
    pairs = (line.split("=", 1) for line in env_file.read_text().splitlines() if "=" in line)
    return {key.strip(): value.strip() for key, value in pairs}


def _k8s_schema_version() -> str:
    return _tool_versions().get("K8S_SCHEMA_VERSION", "1.33.0")


def _require_k8s_schemas() -> Path:
    version = _k8s_schema_version()
    strict_dir = K8S_SCHEMAS / f"v{version}-standalone-strict"
    if not (strict_dir / "deployment-apps-v1.json").is_file():
        pytest.skip(f"offline Kubernetes JSON schemas v{version} missing in {K8S_SCHEMAS}: {INSTALL_HINT}")
    return K8S_SCHEMAS


def _load_yaml(path: Path) -> Any:
    with path.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


@functools.cache
def conventions_text() -> str:
    return CONVENTIONS.read_text(encoding="utf-8")


@functools.cache
def documented_ports() -> dict[str, int]:
    """component -> port, from the table of docs/conventions.md."""
    ports: dict[str, int] = {}
    for match in re.finditer(r"^\|\s*([A-Za-z][\w /]*?)\s*\|\s*(\d+)\s*\|", conventions_text(), re.MULTILINE):
        ports[match.group(1).strip()] = int(match.group(2))
    return ports


@functools.cache
def documented_env_vars() -> frozenset[str]:
    return frozenset(re.findall(r"`([A-Z][A-Z0-9_]+)`", conventions_text()))


def port_of(component: str) -> int:
    ports = documented_ports()
    assert component in ports, f"{component} has no port in {CONVENTIONS}"
    return ports[component]


@functools.cache
def _render(overlay: str) -> str:
    kustomize = _tool("kustomize")
    assert kustomize is not None
    proc = subprocess.run(
        [str(kustomize), "build", str(OVERLAYS[overlay])],
        capture_output=True,
        text=True,
        env=OFFLINE_ENV,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, f"kustomize build {overlay} failed:\n{proc.stderr}"
    return proc.stdout


def rendered(overlay: str) -> list[Manifest]:
    _require_tool("kustomize")
    docs = [doc for doc in yaml.safe_load_all(_render(overlay)) if doc]
    assert docs, f"kustomize build {overlay} rendered nothing"
    return docs


def by_kind(docs: list[Manifest], kind: str) -> dict[str, Manifest]:
    return {doc["metadata"]["name"]: doc for doc in docs if doc["kind"] == kind}


def resolve_generated_name(docs: list[Manifest], kind: str, base_name: str) -> str | None:
    """The name of `base_name` as kustomize emitted it (generators append -<hash>)."""
    for name in by_kind(docs, kind):
        if name == base_name or re.fullmatch(re.escape(base_name) + r"-[a-z0-9]{10}", name):
            return name
    return None


def main_container(deployment: Manifest) -> Manifest:
    containers: list[Manifest] = deployment["spec"]["template"]["spec"]["containers"]
    assert len(containers) == 1, f"{deployment['metadata']['name']}: expected one container"
    return containers[0]


def env_of(container: Manifest) -> dict[str, Manifest]:
    return {entry["name"]: entry for entry in container.get("env", [])}


def run_kubeconform(manifests: str) -> subprocess.CompletedProcess[str]:
    kubeconform = _require_tool("kubeconform")
    schemas = _require_k8s_schemas()
    return subprocess.run(
        [
            str(kubeconform),
            "-strict",
            "-verbose",
            "-output",
            "json",
            "-kubernetes-version",
            _k8s_schema_version(),
            # Only the local tree (layout <v>-standalone[-strict]/<kind>-<group>-<ver>.json);
            # giving a location replaces kubeconform's default (GitHub) one.
            "-schema-location",
            str(schemas),
            "-",
        ],
        input=manifests,
        capture_output=True,
        text=True,
        env=OFFLINE_ENV,
        timeout=120,
        check=False,
    )


# compose interpolation (${VAR}, ${VAR:-default}, ${VAR-default}, $VAR, $$), done with
# an empty environment so that the result does not depend on the machine.
_INTERPOLATION = re.compile(
    r"\$(?:(?P<escaped>\$)|\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?+])(?P<arg>[^}]*))?\}"
    r"|(?P<bare>[A-Za-z_][A-Za-z0-9_]*))"
)


def _interpolate_str(value: str) -> str:
    def substitute(match: re.Match[str]) -> str:
        if match.group("escaped"):
            return "$"
        op, arg = match.group("op"), match.group("arg")
        if op in (":-", "-"):
            return arg or ""
        if op in (":?", "?"):
            raise AssertionError(f"compose.yaml requires variable {match.group('braced')}: {arg}")
        return ""  # unset variable, or ${VAR:+alt} with VAR unset

    return _INTERPOLATION.sub(substitute, value)


def interpolate(node: Any) -> Any:
    if isinstance(node, str):
        return _interpolate_str(node)
    if isinstance(node, list):
        return [interpolate(item) for item in node]
    if isinstance(node, dict):
        return {key: interpolate(value) for key, value in node.items()}
    return node


@functools.cache
def compose_doc() -> dict[str, Any]:
    doc = interpolate(_load_yaml(COMPOSE_FILE))
    assert isinstance(doc, dict)
    return doc


def compose_env(service: Manifest) -> dict[str, str]:
    env = service.get("environment", {})
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {str(key): "" if value is None else str(value) for key, value in env.items()}


_GO_DURATION = re.compile(r"^[-+]?(?:0|(?:(?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+)$")


def compose_validator() -> jsonschema.protocols.Validator:
    if not COMPOSE_SCHEMA.is_file():
        pytest.skip(f"compose-spec schema missing ({COMPOSE_SCHEMA}): {INSTALL_HINT}")
    schema = json.loads(COMPOSE_SCHEMA.read_text(encoding="utf-8"))
    validator_cls = jsonschema.validators.validator_for(schema)
    validator_cls.check_schema(schema)
    checker = jsonschema.FormatChecker()
    checker.checks("duration")(lambda value: not isinstance(value, str) or bool(_GO_DURATION.match(value)))
    return validator_cls(schema, format_checker=checker)


def compose_errors(doc: Any) -> list[str]:
    validator = compose_validator()
    return [
        f"{'/'.join(str(part) for part in error.absolute_path) or '<root>'}: {error.message}"
        for error in sorted(
            validator.iter_errors(doc),
            key=lambda err: list(map(str, err.absolute_path)),
        )
    ]


@functools.cache
def scrape_targets(path: Path) -> dict[str, list[str]]:
    config = _load_yaml(path)
    jobs: dict[str, list[str]] = {}
    for job in config["scrape_configs"]:
        targets = [t for static in job.get("static_configs", []) for t in static.get("targets", [])]
        assert job["job_name"] not in jobs, f"{path.name}: duplicate job {job['job_name']}"
        jobs[job["job_name"]] = targets
    return jobs


# ----------------------------------------------------------------------------------
# conventions sanity
# ----------------------------------------------------------------------------------
def test_conventions_document_every_component_port() -> None:
    ports = documented_ports()
    missing = [c for c in COMPONENTS if c not in ports]
    assert not missing, f"no port in {CONVENTIONS} for {missing}"
    assert len({ports[c] for c in COMPONENTS}) == len(COMPONENTS), "ports must be distinct"


# ----------------------------------------------------------------------------------
# Kubernetes: build + schema validation
# ----------------------------------------------------------------------------------
@pytest.mark.parametrize("overlay", list(OVERLAYS))
def test_kustomize_build_validates_with_kubeconform(overlay: str) -> None:
    _require_tool("kustomize")
    proc = run_kubeconform(_render(overlay))
    assert proc.returncode == 0, f"kubeconform rejected {overlay}:\n{proc.stdout}\n{proc.stderr}"
    report = json.loads(proc.stdout)
    statuses = {(r["kind"], r["name"]): r["status"] for r in report["resources"]}
    assert statuses, f"kubeconform saw no resource in {overlay}"
    not_valid = {key: status for key, status in statuses.items() if status != "statusValid"}
    assert not not_valid, f"{overlay}: not validated: {not_valid}"
    assert len(statuses) == len(rendered(overlay))


def test_kubeconform_offline_schemas_reject_unknown_fields() -> None:
    """Guards against a validation that silently passes (no schema, non-strict)."""
    broken = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: broken}
spec:
  selector: {matchLabels: {app: broken}}
  template:
    metadata: {labels: {app: broken}}
    spec:
      containers:
        - name: app
          image: x
          livenessprobe: {httpGet: {path: /livez, port: 1}}
"""
    proc = run_kubeconform(broken)
    assert proc.returncode != 0
    assert "livenessprobe" in proc.stdout, proc.stdout


# ----------------------------------------------------------------------------------
# Kubernetes: content
# ----------------------------------------------------------------------------------
@pytest.mark.parametrize("overlay", list(OVERLAYS))
def test_k8s_every_component_has_deployment_and_service(overlay: str) -> None:
    docs = rendered(overlay)
    deployments, services = by_kind(docs, "Deployment"), by_kind(docs, "Service")
    assert sorted(deployments) == sorted(COMPONENTS)
    assert sorted(services) == sorted(COMPONENTS)
    assert "solidarity" in by_kind(docs, "Namespace")
    for doc in docs:
        if doc["kind"] != "Namespace":
            assert doc["metadata"].get("namespace") == "solidarity", doc["metadata"]["name"]

    for name in COMPONENTS:
        port = port_of(name)
        deployment, service = deployments[name], services[name]
        pod = deployment["spec"]["template"]
        labels = pod["metadata"]["labels"]
        assert deployment["spec"]["selector"]["matchLabels"] == {"app.kubernetes.io/name": name}
        assert labels["app.kubernetes.io/name"] == name
        assert service["spec"]["selector"] == {"app.kubernetes.io/name": name}

        container = main_container(deployment)
        assert container["image"].split(":")[0].rsplit("/", 1)[-1] == IMAGE
        port_name = "http" if name == GATEWAY else "ops"
        assert [(p["name"], p["containerPort"]) for p in container["ports"]] == [(port_name, port)]
        svc_ports = service["spec"]["ports"]
        assert [(p["port"], p["targetPort"]) for p in svc_ports] == [(port, port_name)], name

        annotations = pod["metadata"]["annotations"]
        assert annotations["prometheus.io/scrape"] == "true"
        assert annotations["prometheus.io/port"] == str(port)
        assert annotations["prometheus.io/path"] == "/metrics"

        assert container["livenessProbe"]["httpGet"] == {
            "path": "/livez",
            "port": port_name,
        }
        assert container["readinessProbe"]["httpGet"] == {
            "path": "/readyz",
            "port": port_name,
        }
        assert container["startupProbe"]["httpGet"]["port"] == port_name
        for kind in ("requests", "limits"):
            assert {"cpu", "memory"} <= set(container["resources"][kind]), f"{name}: {kind}"

        pod_sc = pod["spec"]["securityContext"]
        assert pod_sc["runAsNonRoot"] is True and pod_sc["runAsUser"] != 0
        sc = container["securityContext"]
        assert sc["readOnlyRootFilesystem"] is True
        assert sc["allowPrivilegeEscalation"] is False
        assert sc["capabilities"]["drop"] == ["ALL"]
        tmp_mounts = [m for m in container["volumeMounts"] if m["mountPath"] == "/tmp"]
        assert len(tmp_mounts) == 1, f"{name}: /tmp must be a writable volume"
        volumes = {v["name"]: v for v in pod["spec"]["volumes"]}
        assert "emptyDir" in volumes[tmp_mounts[0]["name"]]

        env = env_of(container)
        if name == GATEWAY:
            assert container["command"][:2] == ["uvicorn", "gateway.main:create_app"]
            assert "--factory" in container["command"]
            assert container["command"][container["command"].index("--port") + 1] == str(port)
            assert env["GATEWAY_PORT"]["value"] == str(port)
        else:
            assert container["command"] + container.get("args", []) == [
                "python",
                "-m",
                "common.run_service",
                name,
            ]
            assert env["OPS_PORT"]["value"] == str(port)


@pytest.mark.parametrize("overlay", list(OVERLAYS))
def test_k8s_secrets_and_config_references(overlay: str) -> None:
    docs = rendered(overlay)
    config_name = resolve_generated_name(docs, "ConfigMap", CONFIG_NAME)
    assert config_name is not None, f"{overlay}: no ConfigMap {CONFIG_NAME}"
    config_keys = set(by_kind(docs, "ConfigMap")[config_name]["data"])
    secrets = by_kind(docs, "Secret")
    secret_name = resolve_generated_name(docs, "Secret", SECRET_NAME)
    if overlay == "dev":
        assert secret_name is not None, "dev overlay must generate the dev Secret"
        secret_keys = set(secrets[secret_name]["data"])
    else:
        assert not secrets, f"{overlay} must not ship Secret objects: {list(secrets)}"
        prod_comment = (K8S / "overlays" / "prod" / "kustomization.yaml").read_text(encoding="utf-8")
        secret_keys = {"AMQP_URI", "MONGO_URI", *MANIFEST_SECRETS_ALL}
        for key in secret_keys:
            assert f"{key}=" in prod_comment, f"prod's instructions must name the Secret key {key}"
        secret_name = SECRET_NAME

    for name, deployment in by_kind(docs, "Deployment").items():
        container = main_container(deployment)
        assert "envFrom" not in container, f"{name}: list env vars explicitly"
        env = env_of(container)
        wanted_secret = {"AMQP_URI"} if name == GATEWAY else {"AMQP_URI", "MONGO_URI", *MANIFEST_SECRETS[name]}
        for var in wanted_secret:
            ref = env[var].get("valueFrom", {}).get("secretKeyRef")
            assert ref == {"name": secret_name, "key": var}, f"{overlay}/{name}: {var} must come from the Secret"
        for var, entry in env.items():
            source = entry.get("valueFrom", {})
            if "configMapKeyRef" in source:
                assert source["configMapKeyRef"]["name"] == config_name
                assert source["configMapKeyRef"]["key"] in config_keys, f"{name}: {var}"
            if "secretKeyRef" in source:
                assert source["secretKeyRef"]["name"] == secret_name
                assert source["secretKeyRef"]["key"] in secret_keys, f"{name}: {var}"
            if var.endswith("_URI"):
                assert "secretKeyRef" in source, f"{overlay}/{name}: {var} must not be a literal"


def test_k8s_dev_overlay() -> None:
    docs = rendered("dev")
    for name, deployment in by_kind(docs, "Deployment").items():
        assert deployment["spec"]["replicas"] == 1, name
        assert main_container(deployment)["image"].endswith(":dev"), name


def test_k8s_prod_overlay() -> None:
    docs = rendered("prod")
    deployments = by_kind(docs, "Deployment")
    images = {main_container(d)["image"] for d in deployments.values()}
    assert len(images) == 1, images
    tag = next(iter(images)).rpartition(":")[2] if ":" in next(iter(images)) else ""
    assert "@sha256:" in next(iter(images)) or (tag and tag not in {"latest", "dev"}), images

    for name in SERVICES:
        assert deployments[name]["spec"]["replicas"] >= 2, name
    hpas = by_kind(docs, "HorizontalPodAutoscaler")
    gateway_hpas = [h for h in hpas.values() if h["spec"]["scaleTargetRef"]["name"] == GATEWAY]
    assert len(gateway_hpas) == 1, "prod needs one HPA for the gateway"
    assert gateway_hpas[0]["spec"]["scaleTargetRef"]["kind"] == "Deployment"
    assert gateway_hpas[0]["spec"]["minReplicas"] >= 2
    assert "replicas" not in deployments[GATEWAY]["spec"], "the HPA owns the gateway replica count"

    pdb_selectors = {
        pdb["spec"]["selector"]["matchLabels"].get("app.kubernetes.io/name")
        for pdb in by_kind(docs, "PodDisruptionBudget").values()
    }
    assert set(COMPONENTS) <= pdb_selectors


def test_k8s_base_ships_no_secret_values() -> None:
    docs = rendered("base")
    assert not by_kind(docs, "Secret")
    for path in K8S.rglob("*.yaml"):
        if "overlays/dev" in path.as_posix():
            continue
        text = path.read_text(encoding="utf-8")
        assert "secretGenerator" not in text, path
        assert not re.search(r"amqps?://[^\s/]*:[^\s/]*@", text), f"credentials in {path}"


@pytest.mark.parametrize("overlay", list(OVERLAYS))
def test_k8s_env_vars_are_documented(overlay: str) -> None:
    documented = documented_env_vars()
    docs = rendered(overlay)
    used = {var for d in by_kind(docs, "Deployment").values() for var in env_of(main_container(d))}
    assert used, overlay
    assert not used - documented, f"undocumented in {CONVENTIONS.name}: {sorted(used - documented)}"
    config_name = resolve_generated_name(docs, "ConfigMap", CONFIG_NAME)
    assert config_name is not None
    config_keys = set(by_kind(docs, "ConfigMap")[config_name]["data"])
    assert not config_keys - documented, sorted(config_keys - documented)


# ----------------------------------------------------------------------------------
# compose
# ----------------------------------------------------------------------------------
def test_compose_matches_compose_spec_schema() -> None:
    errors = compose_errors(compose_doc())
    assert not errors, "compose.yaml:\n" + "\n".join(errors)


def test_compose_schema_rejects_unknown_keys() -> None:
    broken = json.loads(json.dumps(compose_doc()))
    broken["services"]["registry"]["helthcheck"] = {"test": ["CMD", "true"]}
    broken["services"]["gateway"]["depends_on"] = 42
    errors = compose_errors(broken)
    assert any("helthcheck" in e for e in errors), errors
    assert any(e.startswith("services/gateway/depends_on") for e in errors), errors


def test_compose_durations_parse_as_go_durations() -> None:
    """The schema types durations as plain strings; compose parses them with Go's rules."""
    for name, service in compose_doc()["services"].items():
        for key in ("interval", "timeout", "start_period", "start_interval"):
            value = service.get("healthcheck", {}).get(key)
            if value is not None:
                assert _GO_DURATION.match(str(value)), f"{name}: healthcheck.{key}={value!r}"


def test_compose_services_and_gateway() -> None:
    services: dict[str, Manifest] = compose_doc()["services"]
    documented = documented_env_vars()
    infra = {"rabbitmq", "mongo", "keycloak", "prometheus"}
    assert set(COMPONENTS) | infra <= set(services)

    for name in COMPONENTS:
        service = services[name]
        assert service["build"]["context"] == ".", name
        assert service["image"].split(":")[0] == IMAGE, name
        assert "/readyz" in " ".join(service["healthcheck"]["test"]), name
        env = compose_env(service)
        assert not set(env) - documented, f"{name}: undocumented {sorted(set(env) - documented)}"
        assert env["AMQP_URI"] == "amqp://guest:guest@rabbitmq:5672/"
        depends = service["depends_on"]
        if name == GATEWAY:
            assert service["command"][:2] == ["uvicorn", "gateway.main:create_app"]
            assert "--factory" in service["command"]
            assert service["command"][service["command"].index("--port") + 1] == str(port_of(name))
            assert env["GATEWAY_PORT"] == str(port_of(name))
            assert env["KEYCLOAK_URL"] == "http://keycloak:8080"
            published = [str(p).rsplit(":", 1) for p in service["ports"]]
            assert [p[-1] for p in published] == [str(port_of(name))]
            for dependency in [*SERVICES, "keycloak"]:
                assert depends[dependency]["condition"] == "service_healthy", dependency
        else:
            assert service["command"] == ["python", "-m", "common.run_service", name]
            assert env["OPS_PORT"] == str(port_of(name))
            assert env["MONGO_URI"] == "mongodb://mongo:27017/?replicaSet=rs0"
            for dependency in ("rabbitmq", "mongo"):
                assert depends[dependency]["condition"] == "service_healthy", (
                    name,
                    dependency,
                )


def test_compose_infrastructure() -> None:
    doc = compose_doc()
    services: dict[str, Manifest] = doc["services"]
    named_volumes = set(doc["volumes"])

    def mounts(name: str) -> dict[str, str]:
        result: dict[str, str] = {}
        for volume in services[name].get("volumes", []):
            source, target = str(volume).split(":")[:2]
            result[target] = source
        return result

    for name in ("rabbitmq", "mongo", "keycloak", "prometheus"):
        assert "healthcheck" in services[name] or name == "prometheus", name
        assert any(src in named_volumes for src in mounts(name).values()), f"{name}: no named volume"

    rabbit = mounts("rabbitmq")
    assert rabbit["/etc/rabbitmq/definitions.json"] == "./deploy/rabbitmq/definitions.json"
    assert rabbit["/etc/rabbitmq/rabbitmq.conf"] == "./deploy/rabbitmq/rabbitmq.conf"
    assert services["rabbitmq"]["healthcheck"]["test"] == [
        "CMD",
        "rabbitmq-diagnostics",
        "-q",
        "ping",
    ]
    assert mounts("keycloak")["/opt/keycloak/data/import"] == "./deploy/keycloak"
    assert mounts("prometheus")["/etc/prometheus/prometheus.yml"] == "./deploy/prometheus/prometheus.compose.yml"
    assert services["mongo"]["command"] == ["--replSet", "rs0", "--bind_ip_all"]
    assert "rs.initiate" in " ".join(services["mongo"]["healthcheck"]["test"])

    for service in services.values():
        for volume in service.get("volumes", []):
            source = str(volume).split(":")[0]
            if source.startswith("./"):
                assert (REPO / source).exists(), f"compose.yaml mounts missing {source}"


# ----------------------------------------------------------------------------------
# Prometheus
# ----------------------------------------------------------------------------------
@pytest.mark.parametrize("config", [PROMETHEUS_LOCAL, PROMETHEUS_COMPOSE], ids=lambda p: p.name)
def test_promtool_check_config(config: Path) -> None:
    promtool = _require_tool("promtool")
    proc = subprocess.run(
        [str(promtool), "check", "config", str(config)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.parametrize(
    ("config", "host_of"),
    [
        (PROMETHEUS_LOCAL, lambda name: "127.0.0.1"),
        (PROMETHEUS_COMPOSE, lambda name: name),
    ],
    ids=["local", "compose"],
)
def test_prometheus_scrapes_every_component(config: Path, host_of: Any) -> None:
    jobs = scrape_targets(config)
    for name in COMPONENTS:
        assert jobs.get(name) == [f"{host_of(name)}:{port_of(name)}"], f"{config.name}: job {name}"
    assert "prometheus" in jobs
    assert _load_yaml(config)["global"]["scrape_interval"] == "5s"


def test_prometheus_compose_targets_are_compose_services() -> None:
    services = set(compose_doc()["services"])
    for job, targets in scrape_targets(PROMETHEUS_COMPOSE).items():
        for target in targets:
            host = target.rsplit(":", 1)[0]
            assert host in services or (job == "prometheus" and host == "localhost"), target


# ----------------------------------------------------------------------------------
# Dockerfile
# ----------------------------------------------------------------------------------
def test_dockerfile_installs_every_component_as_non_root() -> None:
    text = DOCKERFILE.read_text(encoding="utf-8")
    assert re.search(r"^FROM python:3\.11-slim\b", text, re.MULTILINE)
    # Comment lines inside an instruction are dropped by Docker (the generated block's markers).
    text = re.sub(r"^#.*\n", "", text, flags=re.MULTILINE)
    install = re.search(r"^RUN pip install -c constraints\.txt((?:.*\\\n)*.*)$", text, re.MULTILINE)
    assert install, "pip install -c constraints.txt ... not found"
    targets = install.group(1).replace("\\\n", " ").split()
    assert targets == [
        *(f"./libs/common/{lib}" for lib in ("core", "contracts", "nameko", "aio")),
        *(f"./services/{s}" for s in SERVICES),
        "./gateway",
    ]
    user = re.findall(r"^USER\s+(\S+)", text, re.MULTILINE)
    assert user and user[-1].split(":")[0] not in {"root", "0"}
    # k8s pins the same uid (runAsNonRoot can only be verified for a numeric uid).
    if _tool("kustomize"):
        gateway = by_kind(rendered("base"), "Deployment")[GATEWAY]
        assert str(gateway["spec"]["template"]["spec"]["securityContext"]["runAsUser"]) == user[-1].split(":")[0]
