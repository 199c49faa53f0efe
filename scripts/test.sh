#!/usr/bin/env bash
# The test command (`make test`): lint, then every suite against the real platform.
# Starts the platform first (scripts/platform.sh up is idempotent). Suites run in
# separate pytest processes: nameko's eventlet and the gateway's asyncio do not mix.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
VENV="$ROOT/.venv"
REPORTS="$ROOT/.run/test-reports"

scripts/platform.sh up
scripts/install_deploy_tools.sh >/dev/null

echo "==> lint (ruff, mypy)"
"$VENV/bin/ruff" check .
"$VENV/bin/ruff" format --check .
"$VENV/bin/mypy"

rm -rf "$REPORTS" && mkdir -p "$REPORTS"
status=0
echo "==> services: unit + integration (eventlet process)"
"$VENV/bin/python" tests/eventlet_pytest.py tests/unit/services tests/integration/services \
  --junitxml="$REPORTS/services.xml" || status=1
echo "==> common, gateway, pure registry modules: unit + platform end-to-end (asyncio process)"
"$VENV/bin/python" -m pytest tests/unit --ignore=tests/unit/services tests/integration/platform \
  --junitxml="$REPORTS/gateway.xml" || status=1
echo "==> faults: broker restart, database outage, dead letters (private broker, database, services, gateway)"
"$VENV/bin/python" -m pytest tests/integration/faults --junitxml="$REPORTS/faults.xml" || status=1
echo "==> benchmarks, smoke mode (they must keep running; figures are not judged here)"
if ! make --no-print-directory bench-smoke >"$REPORTS/bench-smoke.log" 2>&1; then
  tail -40 "$REPORTS/bench-smoke.log"
  echo "bench-smoke failed; full output in $REPORTS/bench-smoke.log"
  status=1
fi
echo "==> deployment manifests (static)"
"$VENV/bin/python" -m pytest tests/deploy --junitxml="$REPORTS/deploy.xml" || status=1

"$VENV/bin/python" - "$REPORTS" <<'PY'
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
for report in Path(sys.argv[1]).glob("*.xml"):
    for suite in ET.parse(report).getroot().iter("testsuite"):
        for key in totals:
            totals[key] += int(suite.get(key, 0))
failed = totals["failures"] + totals["errors"]
passed = totals["tests"] - failed - totals["skipped"]
print(f"all suites: {passed} passed, {failed} failed, {totals['skipped']} skipped")
PY
# Every daemon must be detached from this run's output, or CI waits on the pipe forever.
"$VENV/bin/python" scripts/output_holders.py || status=1
exit $status
