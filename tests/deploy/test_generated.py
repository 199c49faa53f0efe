"""Every registration of a service is generated from its manifest (``make generate``).

* the generated files in the repository are what the manifests give (stale -> fail);
* a throwaway service made by copying one folder and writing its manifest appears, after
  ``make generate``, in compose, Kubernetes (base, both overlays, PDBs), both Prometheus configs,
  the broker topology, platform.sh, the Dockerfile, pyproject.toml and the conventions table;
* manifests that contradict each other or the code are refused with a clear message.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tomllib
import types
from pathlib import Path

import pytest
import yaml  # type: ignore[import-untyped,unused-ignore]

from common.contracts.events import SUBSCRIPTIONS
from scripts import generate

REPO = generate.REPO
NEW = "bulletin"
NEW_PORT = 8107
# What `make generate` reads or writes, copied into a temporary tree.
TREE = [
    "compose.yaml",
    "Dockerfile",
    "pyproject.toml",
    "deploy",
    "docs/conventions.md",
    "scripts/platform.sh",
    "gateway",
]
IGNORED = shutil.ignore_patterns("__pycache__", "*.egg-info", "*.pyc")


def test_generated_files_are_fresh() -> None:
    assert generate.stale(REPO) == [], "run `make generate`"


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    for name in [*TREE, "services", str(generate.TOPOLOGY)]:
        source, target = REPO / name, tmp_path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target, ignore=IGNORED)
        else:
            shutil.copy2(source, target)
    assert generate.stale(tmp_path) == []
    return tmp_path


def add_service(tree: Path, name: str = NEW, port: int = NEW_PORT, copy_of: str = "veille") -> None:
    """What a developer does by hand: copy one folder, rename its package, write its manifest."""
    folder = tree / "services" / name
    shutil.copytree(tree / "services" / copy_of, folder)
    (folder / copy_of).rename(folder / name)
    manifest = (folder / "service.toml").read_text()
    manifest = re.sub(r'^name = ".*"$', f'name = "{name}"', manifest, flags=re.MULTILINE)
    manifest = re.sub(r"^port = \d+", f"port = {port}", manifest, flags=re.MULTILINE)
    (folder / "service.toml").write_text(manifest)


def generated_topology(tree: Path) -> types.ModuleType:
    module = types.ModuleType("topology_under_test")
    exec((tree / generate.TOPOLOGY).read_text(), module.__dict__)
    return module


def _block_text(path: Path, name: str) -> str:
    match = re.search(rf"^# {generate.BEGIN}{name}\n(.*?)^# {generate.END}{name}\n", path.read_text(), re.M | re.S)
    assert match, f"{path}: no block {name}"
    return match.group(1)


def test_a_new_service_is_one_copied_folder(tree: Path) -> None:
    add_service(tree)
    assert set(generate.stale(tree)) == set(generate.write(tree))
    assert generate.stale(tree) == []

    compose = yaml.safe_load((tree / "compose.yaml").read_text())["services"]
    assert compose[NEW]["command"] == ["python", "-m", "common.run_service", NEW]
    assert compose[NEW]["environment"]["OPS_PORT"] == str(NEW_PORT)
    assert compose[NEW]["depends_on"]["mongo"] == {"condition": "service_healthy"}  # the shared block
    assert compose["gateway"]["depends_on"][NEW] == {"condition": "service_healthy"}

    k8s = tree / "deploy" / "k8s"
    assert f"services/{NEW}" in yaml.safe_load((k8s / "base" / "kustomization.yaml").read_text())["resources"]
    params = yaml.safe_load((k8s / "base" / "services" / NEW / "kustomization.yaml").read_text())
    assert params["configMapGenerator"][0]["literals"] == [f"name={NEW}", f"opsPort={NEW_PORT}"]
    for overlay, count in (("dev", 1), ("prod", 2)):
        replicas = yaml.safe_load((k8s / "overlays" / overlay / "kustomization.yaml").read_text())["replicas"]
        assert {"name": NEW, "count": count} in replicas, overlay
    pdbs = [doc["metadata"]["name"] for doc in yaml.safe_load_all((k8s / "overlays" / "prod" / "pdb.yaml").read_text())]
    assert NEW in pdbs

    for config, host in (("prometheus.yml", "127.0.0.1"), ("prometheus.compose.yml", NEW)):
        jobs = yaml.safe_load((tree / "deploy" / "prometheus" / config).read_text())["scrape_configs"]
        assert {"job_name": NEW, "static_configs": [{"targets": [f"{host}:{NEW_PORT}"]}]} in jobs, config

    topology = generated_topology(tree)
    assert topology.SERVICES[-1] == NEW
    definitions = json.loads((tree / "deploy" / "rabbitmq" / "definitions.json").read_text())
    assert definitions == topology.definitions()
    assert f"{NEW}.events" in {e["name"] for e in definitions["exchanges"]}

    # platform.sh's generated block, as bash reads it
    block = _block_text(tree / "scripts" / "platform.sh", "services")
    shell = f"{block}\necho ${{SERVICES[@]}}; echo ${{OPS_PORTS[{NEW}]}}"
    listed = subprocess.run(["bash", "-c", shell], capture_output=True, text=True, check=True).stdout.splitlines()
    assert listed == [" ".join(generate.load(tree).names), str(NEW_PORT)]
    assert listed[0].endswith(f" {NEW}")

    dockerfile = (tree / "Dockerfile").read_text()
    assert f"        ./services/{NEW} \\\n# END generated: services\n        ./gateway\n" in dockerfile
    assert re.search(rf"^EXPOSE 8000 8101-{NEW_PORT}$", dockerfile, re.MULTILINE)

    pyproject = tomllib.loads((tree / "pyproject.toml").read_text())
    assert NEW in pyproject["tool"]["ruff"]["lint"]["isort"]["known-first-party"]
    assert f"services/{NEW}/{NEW}" in pyproject["tool"]["mypy"]["files"]
    assert f"services/{NEW}" in pyproject["tool"]["mypy"]["mypy_path"]

    conventions = (tree / "docs" / "conventions.md").read_text()
    assert re.search(rf"^\| {NEW} \| {NEW_PORT} \| 1 / 2 \|", conventions, re.MULTILINE)


def test_a_new_service_renders_in_kubernetes(tree: Path) -> None:
    kustomize = shutil.which("kustomize") or str(REPO / ".tools" / "bin" / "kustomize")
    if not Path(kustomize).is_file():
        pytest.skip("kustomize is not installed: run scripts/install_deploy_tools.sh")
    add_service(tree)
    generate.write(tree)
    for overlay, count in (("dev", 1), ("prod", 2)):
        proc = subprocess.run(
            [kustomize, "build", str(tree / "deploy" / "k8s" / "overlays" / overlay)],
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        docs = {(d["kind"], d["metadata"]["name"]): d for d in yaml.safe_load_all(proc.stdout) if d}
        deployment = docs[("Deployment", NEW)]
        assert deployment["spec"]["replicas"] == count
        (container,) = deployment["spec"]["template"]["spec"]["containers"]
        assert container["args"] == [NEW]
        assert {"name": "OPS_PORT", "value": str(NEW_PORT)} in container["env"]
        assert docs[("Service", NEW)]["spec"]["ports"][0]["port"] == NEW_PORT


def test_a_removed_service_leaves_no_registration(tree: Path) -> None:
    add_service(tree)
    generate.write(tree)
    shutil.rmtree(tree / "services" / NEW)
    changed = generate.write(tree)
    assert Path(f"deploy/k8s/base/services/{NEW}/kustomization.yaml") in changed
    assert not (tree / "deploy" / "k8s" / "base" / "services" / NEW).exists()
    for path in changed:
        if (tree / path).is_file():
            assert NEW not in (tree / path).read_text(), path
    assert generate.stale(tree) == []


def test_a_hand_edit_inside_a_block_is_stale(tree: Path) -> None:
    prometheus = tree / "deploy" / "prometheus" / "prometheus.yml"
    prometheus.write_text(prometheus.read_text().replace("127.0.0.1:8106", "127.0.0.1:8199"))
    assert generate.stale(tree) == [Path("deploy/prometheus/prometheus.yml")]
    assert generate.main(["--check", "--root", str(tree)]) == 1


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda text: text.replace("port = 8107", "port = 8101"), "bulletin and registry both use 8101"),
        (lambda text: text.replace("calls = []", 'calls = ["nowhere"]'), "calls unknown services"),
        (lambda text: text.replace('name = "bulletin"', 'name = "other"'), "name must be the folder's name"),
        (lambda text: text.replace("prod = 2", "prod = 0"), "replicas are counts"),
        (lambda text: "ports = 1\n" + text, "unknown keys ['ports']"),
        (lambda text: 'secrets = ["lower-case"]\n' + text, "secrets is a list of environment variable names"),
    ],
)
def test_contradicting_manifests_are_refused(tree: Path, edit: object, message: str) -> None:
    add_service(tree)
    manifest = tree / "services" / NEW / "service.toml"
    manifest.write_text(edit(manifest.read_text()))  # type: ignore[operator]
    with pytest.raises(generate.ManifestError, match=re.escape(message)):
        generate.outputs(tree)
    assert generate.main(["--check", "--root", str(tree)]) == 2


def test_a_missing_block_is_refused(tree: Path) -> None:
    dockerfile = tree / "Dockerfile"
    dockerfile.write_text(dockerfile.read_text().replace("# END generated: ports\n", ""))
    with pytest.raises(generate.ManifestError, match=r"Dockerfile: expected one block .* ports"):
        generate.outputs(tree)


def _rpc_targets(package: Path) -> set[str]:
    """Services a package calls by RPC: ``RpcProxy("x")`` and ``cluster.x.<method>`` (ClusterRpcProxy)."""
    found: set[str] = set()
    for source in package.rglob("*.py"):
        text = source.read_text(encoding="utf-8")
        found |= set(re.findall(r"RpcProxy\(\s*[\"'](\w+)[\"']", text))
        found |= set(re.findall(r"\bcluster\.(\w+)\.\w+\(", text))
    return found


def test_manifest_calls_are_the_services_the_code_calls() -> None:
    platform = generate.load()
    for service in platform.services:
        package = REPO / "services" / service.name / service.name
        assert _rpc_targets(package) == set(service.calls), service.manifest


def test_every_subscription_joins_registered_components() -> None:
    platform = generate.load()
    for source, _event_type, consumer, _method in SUBSCRIPTIONS:
        assert consumer in platform.names
        assert source in (*platform.names, platform.gateway.name)
