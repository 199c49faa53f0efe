"""The public receipt check: anyone holding a receipt (or its QR code) asks whether it is genuine. No login.

``GET /receipts/verify?number=DAS-16/2026/000123&code=7K2QD-M9XFA`` (what the printed QR code
opens) answers an HTML page in Arabic and French; ``GET /v1/public/receipts/verify`` the same as
JSON. Either says only: valid or cancelled, the number, the date, the amount, the issuer, and
the donor's name if (and only if) the donor allowed it. An unknown number and a wrong code get
the same answer (404, "no such receipt"), so guessing numbers discloses nothing. Each client
address has a small budget of checks (``limits``' moving window, as the per-user limiter).
"""

from __future__ import annotations

from decimal import Decimal
from html import escape
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse

from common.contracts.receipts import PublicReceiptCheck
from gateway.deps import Rpc
from gateway.errors import error_responses
from gateway.ratelimit import UserRateLimiter

PAGE_PATH = "/receipts/verify"
JSON_PATH = "/v1/public/receipts/verify"
CHECKS_PER_ADDRESS = "20/minute;300/hour"

router = APIRouter(tags=["public receipt check"])

Number = Annotated[str, Query(max_length=40, description="the receipt's number, as printed")]
Code = Annotated[str, Query(max_length=40, description="the verification code printed under the QR code")]

ISSUERS = {
    "fr": ("Ministère de la Solidarité nationale", "Direction de l'action sociale et de la solidarité de la wilaya {}"),
    "ar": ("وزارة التضامن الوطني", "مديرية النشاط الاجتماعي والتضامن لولاية {}"),
}
CURRENCY = {"DZD": ("DA", "دج"), "EUR": ("EUR", "يورو")}
WORDS = {
    "fr": {
        "title": "Vérification d'un reçu de don",
        "valid": "Reçu valide",
        "cancelled": "Reçu ANNULÉ : il ne vaut plus rien",
        "unknown": "Aucun reçu ne correspond à ce numéro et à ce code.",
        "number": "Numéro",
        "date": "Date",
        "amount": "Montant",
        "issuer": "Émis par",
        "donor": "Donateur",
        "ask": "Saisissez le numéro et le code de vérification imprimés sur le reçu.",
        "code": "Code de vérification",
        "check": "Vérifier",
    },
    "ar": {
        "title": "التحقق من وصل تبرع",
        "valid": "وصل صالح",
        "cancelled": "وصل ملغى: لم تعد له أي قيمة",
        "unknown": "لا يوجد وصل يطابق هذا الرقم وهذا الرمز.",
        "number": "الرقم",
        "date": "التاريخ",
        "amount": "المبلغ",
        "issuer": "الجهة المصدرة",
        "donor": "المتبرع",
        "ask": "أدخل الرقم ورمز التحقق المطبوعين على الوصل.",
        "code": "رمز التحقق",
        "check": "تحقق",
    },
}
STYLE = """
body{font-family:"DejaVu Sans",sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;color:#141414}
h1{font-size:1.35rem;text-align:center}section{border:1px solid #ccc;border-radius:6px;padding:1rem;margin:1rem 0}
.valid{border-color:#1a7f37;background:#effaf1}.cancelled{border-color:#c81e1e;background:#fdf0f0}
.verdict{font-size:1.4rem;font-weight:bold}.valid .verdict{color:#1a7f37}.cancelled .verdict{color:#c81e1e}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.3rem 1rem}dt{color:#5a5a5a}dd{margin:0;font-weight:bold}
form{display:grid;gap:.5rem}input{font-size:1rem;padding:.3rem}
"""


def _limiter(request: Request) -> UserRateLimiter:
    """The app's budget of public checks per client address (one limiter per app)."""
    limiter: UserRateLimiter | None = getattr(request.app.state, "receipt_check_limiter", None)
    if limiter is None:
        limiter = UserRateLimiter(CHECKS_PER_ADDRESS)
        request.app.state.receipt_check_limiter = limiter
    return limiter


async def _check(request: Request, rpc: Rpc, number: str, code: str) -> dict[str, Any]:
    await _limiter(request).check(f"receipt-check:{request.client.host if request.client else 'unknown'}")
    found: dict[str, Any] = await rpc.call("solidarity", "verify_receipt", number, code)
    return found


def issuer_name(issuer: str, language: str) -> str:
    ministry, directorate = ISSUERS[language]
    return ministry if issuer == "MSN" else directorate.format(issuer.removeprefix("DAS-"))


def amount_text(amount: str, currency: str, language: str) -> str:
    """``15 000,50 DA`` / ``15 000,50 دج`` (thousands apart by a no-break space, a decimal comma)."""
    major, _, minor = f"{Decimal(amount):.2f}".partition(".")
    symbol = CURRENCY.get(currency, (currency, currency))[0 if language == "fr" else 1]
    return f"{int(major):,}".replace(",", "\u00a0") + f",{minor} {symbol}"


def _section(found: dict[str, Any], language: str) -> str:
    words = WORDS[language]
    direction = "rtl" if language == "ar" else "ltr"
    if not found.get("found"):
        verdict = f'<p class="verdict">{words["unknown"]}</p>'
        return f'<section lang="{language}" dir="{direction}" class="unknown">{verdict}</section>'
    day = found["issued_on"]
    rows = [
        (words["number"], f'<bdi dir="ltr">{escape(found["number"])}</bdi>'),
        (words["date"], f'<bdi dir="ltr">{escape(day[8:10] + "/" + day[5:7] + "/" + day[:4])}</bdi>'),
        (words["amount"], f'<bdi dir="ltr">{escape(amount_text(found["amount"], found["currency"], language))}</bdi>'),
        (words["issuer"], escape(issuer_name(found["issuer"], language))),
    ]
    if found.get("donor"):
        rows.append((words["donor"], f"<bdi>{escape(found['donor'])}</bdi>"))
    facts = "".join(f"<dt>{label}</dt><dd>{value}</dd>" for label, value in rows)
    state = found["state"]
    return (f'<section lang="{language}" dir="{direction}" class="{state}" data-state="{state}">'
            f'<p class="verdict">{words[state]}</p><dl>{facts}</dl></section>')  # fmt: skip


def _form(language: str) -> str:
    words = WORDS[language]
    direction = "rtl" if language == "ar" else "ltr"
    return (f'<section lang="{language}" dir="{direction}"><p>{words["ask"]}</p>'
            f'<form method="get" action="{PAGE_PATH}"><label>{words["number"]} <input name="number" dir="ltr" '
            f'placeholder="DAS-16/2026/000123"></label><label>{words["code"]} <input name="code" dir="ltr" '
            f'placeholder="7K2QD-M9XFA"></label><button type="submit">{words["check"]}</button>'
            "</form></section>")  # fmt: skip


def page(body: str) -> str:
    title = f"{WORDS['ar']['title']} — {WORDS['fr']['title']}"
    return (f'<!doctype html><html lang="fr"><head><meta charset="utf-8"><meta name="viewport" '
            f'content="width=device-width,initial-scale=1"><meta name="robots" content="noindex">'
            f"<title>{title}</title><style>{STYLE}</style></head><body>"
            f'<h1><span lang="ar" dir="rtl">{WORDS["ar"]["title"]}</span><br>{WORDS["fr"]["title"]}</h1>'
            f"{body}</body></html>")  # fmt: skip


HEADERS = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
}


NOT_FOUND_PAGE: dict[int | str, dict[str, Any]] = {
    404: {"description": "no such receipt (an unknown number and a wrong code alike)", "content": {"text/html": {}}}
}
NOT_FOUND_JSON: dict[int | str, dict[str, Any]] = {
    404: {"description": "no such receipt (an unknown number and a wrong code alike)", "model": PublicReceiptCheck}
}


# The page's errors other than 404 are the gateway's JSON error body, not HTML.
PAGE_ERRORS: dict[int | str, dict[str, Any]] = {
    status: {**entry, "content": {"application/json": {}}} for status, entry in error_responses(422, 429, 503).items()
}


@router.get(PAGE_PATH, response_class=HTMLResponse, responses={**NOT_FOUND_PAGE, **PAGE_ERRORS})
async def check_page(request: Request, rpc: Rpc, number: Number = "", code: Code = "") -> HTMLResponse:
    """The public check page (Arabic and French); without a number and a code, the form to type them."""
    if not number or not code:
        return HTMLResponse(page(_form("ar") + _form("fr")), headers=HEADERS)
    found = await _check(request, rpc, number, code)
    body = _section(found, "ar") + _section(found, "fr")
    return HTMLResponse(page(body), status_code=200 if found.get("found") else 404, headers=HEADERS)


@router.get(
    JSON_PATH, response_model=PublicReceiptCheck, responses={**NOT_FOUND_JSON, **error_responses(422, 429, 503)}
)
async def check_json(request: Request, rpc: Rpc, number: Number, code: Code) -> Any:
    """The public check as JSON; ``found`` false (404) for an unknown number and a wrong code alike."""
    found = await _check(request, rpc, number, code)
    return JSONResponse(found, status_code=200 if found.get("found") else 404, headers=HEADERS)
