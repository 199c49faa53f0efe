import pytest

from common import phones
from common.phones import InvalidPhone, check_phone, normalise_phone


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("0550 12 34 56", "+213550123456"),
        ("0550123456", "+213550123456"),
        ("+213 550123456", "+213550123456"),
        ("+213 (0) 550 12 34 56", "+213550123456"),
        ("00213 550 12 34 56", "+213550123456"),
        ("213550123456", "+213550123456"),
        ("0550.12.34.56", "+213550123456"),
        ("0550-12-34-56", "+213550123456"),
        ("0550/12/34/56", "+213550123456"),
        ("٠٥٥٠١٢٣٤٥٦", "+213550123456"),
        ("0661 23 45 67", "+213661234567"),
        ("0770 12 34 56", "+213770123456"),
        ("021 23 45 67", "+21321234567"),
        ("(021) 23-45-67", "+21321234567"),
        ("+213 41 33 22 11", "+21341332211"),
        ("  0550 12 34 56  ", "+213550123456"),
    ],
)
def test_algerian_numbers_are_normalised_to_e164(raw: str, e164: str) -> None:
    assert normalise_phone(raw) == e164
    assert check_phone(raw) == phones.PhoneCheck(e164, None)


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("0550-CALL-12", "phone_malformed"),
        ("phone: 0550123456", "phone_malformed"),
        ("0550 12 34 56 ext 2", "phone_malformed"),
        ("+", "phone_malformed"),
        ("0" * 40, "phone_malformed"),
        ("0550 12 34 5", "phone_invalid"),
        ("0550 12 34 567", "phone_invalid"),
        ("0450 12 34 56", "phone_invalid"),
        ("+33 6 12 34 56 78", "phone_not_algerian"),
        ("+212 6 12 34 56 78", "phone_not_algerian"),
        ("0800 12 34 56", "phone_type_unsupported"),
    ],
)
def test_unusable_numbers_carry_a_stable_code(raw: str, code: str) -> None:
    assert check_phone(raw) == phones.PhoneCheck(None, code)
    with pytest.raises(InvalidPhone) as caught:
        normalise_phone(raw)
    assert caught.value.code == code
    if len(raw) > 3:
        assert raw.strip() not in str(caught.value)


@pytest.mark.parametrize("raw", [None, "", "   "])
def test_no_number_is_none(raw: str | None) -> None:
    assert normalise_phone(raw) is None
    assert check_phone(raw) == phones.PhoneCheck(None, None)


def test_mobile_or_fixed() -> None:
    assert phones.is_mobile("+213550123456")
    assert phones.is_mobile("+213770123456")
    assert not phones.is_mobile("+21321234567")
