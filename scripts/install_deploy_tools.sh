#!/usr/bin/env bash
# Install the offline deployment-validation tool chain into <repo>/.tools (git-ignored):
#
#   .tools/bin/kustomize                 sigs.k8s.io/kustomize/kustomize/v5   (go install)
#   .tools/bin/kubeconform               github.com/yannh/kubeconform         (go install)
#   .tools/schemas/kubernetes/vX.Y.Z-standalone[-strict]/<kind>-<group>-<version>.json
#                                        generated from the JSON schemas shipped in the
#                                        PyPI wheel `kubernetes-validate` (pip download)
#   .tools/schemas/compose-spec.json     the official compose-spec schema, as embedded by
#                                        docker compose's loader (Go module
#                                        github.com/compose-spec/compose-go/v2, go mod download)
#   .tools/versions.env                  what was installed (read by tests/deploy)
#
# Nothing is fetched at validation time: kubeconform is pointed at the local schema tree
# with -schema-location, and compose.yaml is validated with Python `jsonschema`.
# promtool comes from Debian's `prometheus` package (installed with apt-get when missing
# and we are root).
#
# Idempotent: every step is skipped when its pinned result is already in place.
# Usage: scripts/install_deploy_tools.sh            (DEPLOY_TOOLS_DIR overrides .tools)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="${DEPLOY_TOOLS_DIR:-$ROOT/.tools}"
PYTHON="${PYTHON:-python3}"

# --- pinned versions ---------------------------------------------------------------
# kustomize v5.8.3 needs go >= 1.27; v5.8.2 is the newest that builds with go 1.26.
KUSTOMIZE_VERSION="v5.8.2"
KUBECONFORM_VERSION="v0.8.0"
COMPOSE_GO_VERSION="v2.16.2"
KUBERNETES_VALIDATE_VERSION="1.37.0"
KUBERNETES_VALIDATE_SHA256="85136d018a27b50ec7fc049d902bfa5193f5976807e6c0f408e3ab6fe078cad9"
# Kubernetes API version the manifests are validated against.
K8S_SCHEMA_VERSION="${K8S_SCHEMA_VERSION:-1.33.0}"

BIN="$TOOLS/bin"
SCHEMAS="$TOOLS/schemas"
CACHE="$TOOLS/cache"
mkdir -p "$BIN" "$SCHEMAS/kubernetes" "$CACHE"
# Self-ignoring, like a venv: nothing under .tools/ is ever committed.
[[ -f "$TOOLS/.gitignore" ]] || printf '# created by scripts/install_deploy_tools.sh\n*\n' >"$TOOLS/.gitignore"

log() { printf '[install_deploy_tools] %s\n' "$*" >&2; }

need() {
    command -v "$1" >/dev/null 2>&1 || { log "missing required command: $1"; exit 1; }
}
need go
need "$PYTHON"

export GOTOOLCHAIN=local
export GOFLAGS="${GOFLAGS:-} -buildvcs=false"

# --- kustomize ---------------------------------------------------------------------
if [[ -x "$BIN/kustomize" ]] && [[ "$("$BIN/kustomize" version 2>/dev/null)" == "$KUSTOMIZE_VERSION" ]]; then
    log "kustomize $KUSTOMIZE_VERSION already installed"
else
    log "installing kustomize $KUSTOMIZE_VERSION"
    GOBIN="$BIN" go install "sigs.k8s.io/kustomize/kustomize/v5@$KUSTOMIZE_VERSION"
fi

# --- kubeconform -------------------------------------------------------------------
# Its version string is set by the release ldflags only; set it here so `-v` is useful.
if [[ -x "$BIN/kubeconform" ]] && [[ "$("$BIN/kubeconform" -v 2>/dev/null)" == "$KUBECONFORM_VERSION" ]]; then
    log "kubeconform $KUBECONFORM_VERSION already installed"
else
    log "installing kubeconform $KUBECONFORM_VERSION"
    GOBIN="$BIN" go install -ldflags "-X main.version=$KUBECONFORM_VERSION" \
        "github.com/yannh/kubeconform/cmd/kubeconform@$KUBECONFORM_VERSION"
fi

# --- Kubernetes JSON schemas (offline) -----------------------------------------------
K8S_OUT="$SCHEMAS/kubernetes"
K8S_STAMP="$K8S_OUT/.stamp"
K8S_STAMP_WANT="kubernetes-validate==$KUBERNETES_VALIDATE_VERSION k8s=v$K8S_SCHEMA_VERSION"
if [[ -f "$K8S_STAMP" ]] && [[ "$(cat "$K8S_STAMP")" == "$K8S_STAMP_WANT" ]]; then
    log "kubernetes schemas v$K8S_SCHEMA_VERSION already generated"
else
    WHEEL="$CACHE/kubernetes_validate-$KUBERNETES_VALIDATE_VERSION-py3-none-any.whl"
    if [[ ! -f "$WHEEL" ]]; then
        log "downloading kubernetes-validate==$KUBERNETES_VALIDATE_VERSION from PyPI"
        "$PYTHON" -m pip download --quiet --no-deps --only-binary=:all: \
            -d "$CACHE" "kubernetes-validate==$KUBERNETES_VALIDATE_VERSION"
    fi
    echo "$KUBERNETES_VALIDATE_SHA256  $WHEEL" | sha256sum --check --quiet - \
        || { log "sha256 mismatch for $WHEEL"; rm -f "$WHEEL"; exit 1; }
    log "generating standalone kubernetes v$K8S_SCHEMA_VERSION schemas"
    # kubernetes-validate ships "local" schemas whose $refs point at a shared
    # /api/_definitions.json resolved against an https://kubernetes.io/ $id, which
    # kubeconform would try to fetch.  Inline the referenced definitions into each
    # top-level kind so every file is standalone (the layout kubeconform expects:
    # <version>-standalone[-strict]/<kind><kindSuffix>.json).
    "$PYTHON" - "$WHEEL" "v$K8S_SCHEMA_VERSION" "$K8S_OUT" <<'PY'
import json
import re
import shutil
import sys
import zipfile
from pathlib import Path

wheel, version, out = sys.argv[1], sys.argv[2], Path(sys.argv[3])
prefix = "kubernetes_validate/kubernetes-json-schema/"
ref_re = re.compile(r"^(?:/api/_definitions\.json)?#/\$defs/(.+)$")

with zipfile.ZipFile(wheel) as zf:
    names = set(zf.namelist())
    for src_flavour, dst_flavour in (("local", "standalone"), ("local-strict", "standalone-strict")):
        src = f"{prefix}{version}-{src_flavour}/"
        if f"{src}_definitions.json" not in names:
            sys.exit(f"{version}-{src_flavour} is not shipped in {wheel}")
        defs = json.loads(zf.read(f"{src}_definitions.json"))["$defs"]
        dst = out / f"{version}-{dst_flavour}"
        if dst.exists():
            shutil.rmtree(dst)
        dst.mkdir(parents=True)

        def rewrite(node, found):
            if isinstance(node, dict):
                res = {}
                for key, value in node.items():
                    if key == "$ref" and isinstance(value, str):
                        m = ref_re.match(value)
                        if not m:
                            sys.exit(f"unexpected $ref {value!r}")
                        found.add(m.group(1))
                        res[key] = f"#/$defs/{m.group(1)}"
                    else:
                        res[key] = rewrite(value, found)
                return res
            if isinstance(node, list):
                return [rewrite(v, found) for v in node]
            return node

        count = 0
        for name in sorted(names):
            if not name.startswith(src) or name.endswith(("/_definitions.json", "/all.json")):
                continue
            doc = json.loads(zf.read(name))
            props = doc.get("properties", {})
            if "x-kubernetes-group-version-kind" not in doc or "kind" not in props or "apiVersion" not in props:
                continue  # not a top-level API kind: kubeconform never looks these up
            refs = set()
            doc = rewrite(doc, refs)
            closure = {}
            todo = list(refs)
            while todo:
                ref = todo.pop()
                if ref in closure:
                    continue
                inner = set()
                closure[ref] = rewrite(defs[ref], inner)
                todo.extend(inner - closure.keys())
            doc.pop("$id", None)
            doc["$defs"] = dict(sorted(closure.items()))
            (dst / name[len(src):]).write_text(json.dumps(doc, separators=(",", ":")))
            count += 1
        print(f"  {dst.name}: {count} kinds", file=sys.stderr)
PY
    echo "$K8S_STAMP_WANT" >"$K8S_STAMP"
fi

# --- compose-spec JSON schema --------------------------------------------------------
COMPOSE_SCHEMA="$SCHEMAS/compose-spec.json"
COMPOSE_STAMP="$SCHEMAS/.compose-stamp"
if [[ -f "$COMPOSE_SCHEMA" && -f "$COMPOSE_STAMP" ]] && [[ "$(cat "$COMPOSE_STAMP")" == "compose-go $COMPOSE_GO_VERSION" ]]; then
    log "compose-spec schema (compose-go $COMPOSE_GO_VERSION) already in place"
else
    log "fetching compose-spec schema from compose-go $COMPOSE_GO_VERSION"
    MODDIR="$(cd "$CACHE" && go mod download -json "github.com/compose-spec/compose-go/v2@$COMPOSE_GO_VERSION" \
        | "$PYTHON" -c 'import json,sys; print(json.load(sys.stdin)["Dir"])')"
    install -m 0644 "$MODDIR/schema/compose-spec.json" "$COMPOSE_SCHEMA"
    echo "compose-go $COMPOSE_GO_VERSION" >"$COMPOSE_STAMP"
fi

# --- promtool ------------------------------------------------------------------------
if ! command -v promtool >/dev/null 2>&1; then
    if [[ "$(id -u)" == "0" ]] && command -v apt-get >/dev/null 2>&1; then
        log "installing promtool (Debian package prometheus)"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >/dev/null
    else
        log "promtool not found and cannot apt-get install it: prometheus config tests will skip"
    fi
fi

cat >"$TOOLS/versions.env" <<EOF
KUSTOMIZE_VERSION=$KUSTOMIZE_VERSION
KUBECONFORM_VERSION=$KUBECONFORM_VERSION
COMPOSE_GO_VERSION=$COMPOSE_GO_VERSION
KUBERNETES_VALIDATE_VERSION=$KUBERNETES_VALIDATE_VERSION
K8S_SCHEMA_VERSION=$K8S_SCHEMA_VERSION
EOF
log "done: $(tr '\n' ' ' <"$TOOLS/versions.env")"
