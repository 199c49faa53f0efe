"""The public receipt check page, opened in real headless Chromium (Debian ``chromium``) through the gateway.

The page the QR code opens is loaded without any login; the test reads what Chromium rendered
(``--dump-dom``) and keeps a screenshot of each case under ``.run/test-reports/``. Chromium runs
in a session of its own, its output to a file, and the whole session is killed when it is done
(Chromium leaves helper processes behind otherwise).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path
from urllib.parse import urlencode

import httpx
import pytest

from tests.integration.platform.conftest import auth, idem
from tests.integration.platform.test_receipts_api import anonymous_own_donor, issue, walk_in_gift
from tests.integration.platform.test_solidarity_api import ok, open_campaign

BASE_URL = os.environ.get("GATEWAY_URL", "http://127.0.0.1:8000")
REPORTS = Path(__file__).resolve().parents[3] / ".run" / "test-reports"
CHROMIUM_SECONDS = 60


def chromium(*args: str) -> str:
    """Run headless Chromium once; what it wrote on stdout (the DOM for ``--dump-dom``)."""
    binary = shutil.which("chromium")
    assert binary, "Debian's chromium is missing: scripts/platform.sh install installs it"
    with tempfile.TemporaryDirectory() as profile, tempfile.TemporaryFile() as out, open(os.devnull) as nothing:
        flags = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-breakpad",
                 "--disable-crash-reporter", "--hide-scrollbars", f"--user-data-dir={profile}"]  # fmt: skip
        proc = subprocess.Popen([binary, *flags, *args], stdin=nothing, stdout=out, stderr=subprocess.DEVNULL,
                                start_new_session=True)  # fmt: skip
        try:
            proc.wait(timeout=CHROMIUM_SECONDS)
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)  # the session this call created: Chromium and its helpers
            proc.wait()
        out.seek(0)
        return out.read().decode("utf-8", "replace")


def page_url(number: str, code: str) -> str:
    return f"{BASE_URL}/receipts/verify?{urlencode({'number': number, 'code': code}, safe='/')}"


def rendered(url: str, name: str) -> str:
    """The page's DOM as Chromium rendered it; its screenshot kept as ``<name>.png`` in the test reports."""
    REPORTS.mkdir(parents=True, exist_ok=True)
    shot = REPORTS / f"receipt-verification-{name}.png"
    shot.unlink(missing_ok=True)
    chromium(f"--screenshot={shot}", "--window-size=900,1000", url)
    assert shot.is_file() and shot.stat().st_size > 10_000, f"no screenshot of {url}"
    return chromium("--dump-dom", url)


async def test_the_public_page_in_a_real_browser(gateway: httpx.AsyncClient) -> None:
    campaign = await open_campaign(gateway, "director.16", "/DZ/16")
    donor, gift = await walk_in_gift(gateway, "worker.1601", "/DZ/16/1601", campaign, shown=True, amount="15000.50")
    named = await issue(gateway, "worker.1601", gift)
    await anonymous_own_donor(gateway, "donor.demo", "/DZ/16")
    cash = {"amount": "700", "channel": "card", "reference": "TX-PAGE"}
    body = {"campaign_id": campaign["id"], "cash": cash}
    own_gift = ok(await gateway.post("/v1/gifts", json=body, headers=auth("donor.demo", **idem())), 201)
    anonymous = await issue(gateway, "agent.16", own_gift)

    assert named["verification_url"] == page_url(named["number"], named["verification_code"])  # what the QR opens
    valid = rendered(named["verification_url"], "valid")
    for shown in ("Reçu valide", "وصل صالح", named["number"], "15&nbsp;000,50 DA", "15&nbsp;000,50 دج",
                  "wilaya 16", donor["name"]):  # fmt: skip
        assert shown in valid, shown
    assert 'data-state="valid"' in valid

    hidden = rendered(page_url(anonymous["number"], anonymous["verification_code"]), "anonymous")
    assert "Reçu valide" in hidden and anonymous["number"] in hidden
    assert "Donateur" not in hidden and "المتبرع" not in hidden

    wrong = rendered(page_url(named["number"], anonymous["verification_code"]), "wrong-code")
    assert "Aucun reçu ne correspond" in wrong and "لا يوجد وصل" in wrong
    assert named["number"] not in wrong and donor["name"] not in wrong

    ok(await gateway.post(f"/v1/receipts/{named['number']}/cancel", json={"reason": "don remboursé"},
                          headers=auth("agent.16", **idem())))  # fmt: skip
    void = rendered(named["verification_url"], "cancelled")
    assert "ANNULÉ" in void and "وصل ملغى" in void and 'data-state="cancelled"' in void
    assert "remboursé" not in void  # the reason is staff's: never on the public page


def test_chromium_is_installed_the_project_way() -> None:
    script = (Path(__file__).resolve().parents[3] / "scripts" / "platform.sh").read_text(encoding="utf-8")
    assert "missing+=(chromium)" in script
    if shutil.which("chromium") is None:
        pytest.fail("run scripts/platform.sh install: it installs Debian's chromium")
