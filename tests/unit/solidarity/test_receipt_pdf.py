"""The receipt PDF: number, amount in figures and words in both languages, verification code, a QR code that opens
the verification page, the annual and void variants; and the amount in words itself."""

from __future__ import annotations

import io
from datetime import date

import pytest
import zxingcpp
from pypdf import PdfReader

from common.errors import ServiceUnavailable
from solidarity.domain.gifts import CashPayment, new_gift
from solidarity.domain.money import Money
from solidarity.domain.receipts import Receipt, ReceiptNumber, annual, issue_for_gift, reissue, verify
from solidarity.printing.amount_words import in_words
from solidarity.printing.receipt_pdf import figures, render, sheet

FONT_DIR = "/usr/share/fonts/truetype/dejavu"
KEY = b"receipt-key-for-tests-0123456789"
BASE_URL = "https://dons.example.dz"


def gift_receipt(amount: str = "123456.50") -> Receipt:
    gift = new_gift(id="g1", donor_id="d1", area="/DZ/16/1601", received_on=date(2026, 3, 1),
                    cash=CashPayment(Money.of(amount, "DZD"), "ccp", "CCP-778812"))  # fmt: skip
    return issue_for_gift(gift, ReceiptNumber("DAS-16", 2026, 123), date(2026, 3, 2))[1]


def read(pdf: bytes) -> tuple[str, list[str]]:
    """The page's text (no-break spaces as spaces) and what its QR codes say."""
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    codes = [found.text for image in page.images for found in zxingcpp.read_barcodes(image.image)]
    return page.extract_text().replace("\u00a0", " "), codes


def test_the_receipt_states_number_amount_words_and_code_and_its_qr_opens_the_verification_page() -> None:
    receipt = gift_receipt()
    printed = sheet(receipt, donor_name="Amina Benali", campaign_names=("Ramadan 1447", "رمضان 1447"),
                    key=KEY, base_url=BASE_URL)  # fmt: skip
    pdf = render(printed, FONT_DIR)
    assert pdf.startswith(b"%PDF-")
    text, codes = read(pdf)
    assert "DAS-16/2026/000123" in text
    assert "123 456,50 DA" in text and "02/03/2026" in text
    assert "cent vingt-trois mille quatre cent cinquante-six dinars" in text
    assert "دينار جزائري وخمسون سنتيم" in text
    assert printed.code in text and verify(receipt, printed.code, KEY)
    assert "Amina Benali" in text and "Ramadan 1447" in text
    assert codes == [f"{BASE_URL}/receipts/verify?number=DAS-16/2026/000123&code={printed.code}"]


def test_an_anonymous_donor_is_printed_as_a_benefactor() -> None:
    text, _ = read(render(sheet(gift_receipt(), donor_name=None, campaign_names=None, key=KEY, base_url=BASE_URL),
                          FONT_DIR))  # fmt: skip
    assert "Un bienfaiteur" in text and "Don non affecté" in text


def test_a_void_receipt_says_so_with_its_reason_and_a_reissue_names_the_one_it_replaces() -> None:
    void, new = reissue(gift_receipt(), ReceiptNumber("DAS-16", 2026, 124), date(2026, 3, 5), "nom mal écrit")
    void_text, _ = read(render(sheet(void, donor_name=None, campaign_names=None, key=KEY, base_url=BASE_URL),
                               FONT_DIR))  # fmt: skip
    assert "ANNULÉ" in void_text and "nom mal écrit" in void_text and "DAS-16/2026/000123" in void_text
    new_text, codes = read(render(sheet(new, donor_name=None, campaign_names=None, key=KEY, base_url=BASE_URL),
                                  FONT_DIR))  # fmt: skip
    assert "ANNULÉ" not in new_text
    assert "DAS-16/2026/000124" in new_text and "Annule et remplace" in new_text and "DAS-16/2026/000123" in new_text
    assert codes[0].endswith("number=DAS-16/2026/000124&code=" + verification_of(new))


def verification_of(receipt: Receipt) -> str:
    return sheet(receipt, donor_name=None, campaign_names=None, key=KEY, base_url=BASE_URL).code


def test_an_annual_receipt_names_its_year() -> None:
    gifts = [new_gift(id=f"g{n}", donor_id="d1", area="/DZ/16", received_on=date(2026, n, 1),
                      cash=CashPayment(Money.of("1000", "DZD"), "counter")) for n in (1, 2, 3)]  # fmt: skip
    consolidated = annual("d1", 2026, gifts, [], ReceiptNumber("DAS-16", 2027, 7), date(2027, 1, 10), "/DZ/16")
    text, _ = read(render(sheet(consolidated, donor_name="SARL Atlas", campaign_names=None, key=KEY,
                                base_url=BASE_URL), FONT_DIR))  # fmt: skip
    assert "REÇU ANNUEL DES DONS DE L'ANNÉE 2026" in text and "DAS-16/2027/000007" in text
    assert "3 000,00 DA" in text and "trois mille dinars algériens" in text
    assert "Dons consolidés 3" in text and "Campagne" not in text


def test_the_ministry_issues_a_national_receipt_under_its_own_name_once() -> None:
    gift = new_gift(id="g", donor_id="d1", area="/DZ", received_on=date(2026, 5, 1),
                    cash=CashPayment(Money.of("1000", "DZD"), "counter"))  # fmt: skip
    national = issue_for_gift(gift, ReceiptNumber("MSN", 2026, 1), date(2026, 5, 2))[1]
    text, _ = read(render(sheet(national, donor_name=None, campaign_names=None, key=KEY, base_url=BASE_URL), FONT_DIR))
    assert "MSN/2026/000001" in text
    assert text.count("Ministère de la Solidarité") == 1 and "Direction de l'action sociale" not in text


def test_without_the_font_the_receipt_is_refused_as_unavailable() -> None:
    printed = sheet(gift_receipt(), donor_name=None, campaign_names=None, key=KEY, base_url=BASE_URL)
    with pytest.raises(ServiceUnavailable):
        render(printed, "/nonexistent")


@pytest.mark.parametrize(
    ("amount", "currency", "french", "arabic"),
    [
        ("15000", "DZD", "quinze mille dinars algériens", "خمسة عشر ألف دينار جزائري"),
        ("1", "DZD", "un dinar algérien", "واحد دينار جزائري"),
        ("0.50", "DZD", "cinquante centimes", "خمسون سنتيم"),
        ("2000000", "DZD", "deux millions de dinars algériens", "مليونا دينار جزائري"),
        ("1000000", "EUR", "un million d'euros", "مليون يورو"),
        ("101", "MAD", "cent un dirhams marocains", "مائة وواحد درهم مغربي"),
    ],
)
def test_amounts_in_words(amount: str, currency: str, french: str, arabic: str) -> None:
    money = Money.of(amount, currency)
    assert in_words(money, "fr") == french
    assert in_words(money, "ar") == arabic
    assert "ريال" not in in_words(money, "ar")  # num2words' own currency form says riyal


def test_amounts_in_figures_keep_one_number_right_to_left() -> None:
    assert figures(Money.of("123456.5", "DZD"), "fr") == "123\u00a0456,50 DA"
    assert figures(Money.of("123456.5", "DZD"), "ar") == "123\u00a0456,50 دج"
    assert figures(Money.of("1.5", "TND"), "fr") == "1,500 DT"


def test_fonts_measured_once_serve_every_receipt_alike() -> None:
    """The font cache: a receipt printed after another one is the same as when printed first (no glyph carried over)."""
    first = sheet(gift_receipt("1500"), donor_name="Amina Benali", campaign_names=None, key=KEY, base_url=BASE_URL)
    other = sheet(gift_receipt("987654.25"), donor_name="عبد القادر بن يوسف", campaign_names=("Hiver", "شتاء"),
                  key=KEY, base_url=BASE_URL)  # fmt: skip
    alone = render(first, FONT_DIR)
    render(other, FONT_DIR)
    again = render(first, FONT_DIR)
    assert read(again) == read(alone)
    assert abs(len(again) - len(alone)) < 64  # the same glyphs embedded (only the creation date may differ)
