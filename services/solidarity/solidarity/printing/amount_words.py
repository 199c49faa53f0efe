"""Amounts written in words, in French and Arabic, as a receipt states them ("arrêté le présent reçu à la somme de …").

``num2words`` writes the numbers; the currency names come from :data:`~solidarity.domain.money.CURRENCIES`,
because num2words has no Algerian dinar (its Arabic currency form says "riyal" for any code it
does not know, and its French one refuses DZD).
"""

from __future__ import annotations

from typing import Literal

from num2words import num2words

from solidarity.domain.money import Money, currency

Language = Literal["ar", "fr"]


def in_words(amount: Money, language: Language) -> str:
    """``Money.of("15000.50", "DZD")`` as ``quinze mille dinars algériens et cinquante centimes``
    or ``خمسة عشر ألف دينار جزائري وخمسون سنتيم``."""
    unit = currency(amount.currency)
    major, minor = divmod(amount.minor, 10**unit.exponent)
    if language == "ar":
        parts = [f"{_arabic(major)} {unit.name_ar}"] if major else []
        parts += [f"{_arabic(minor)} {unit.minor_ar}"] if minor else []
        return " و".join(parts)
    parts = [_french(major, unit.name_fr)] if major else []
    parts += [_french(minor, unit.minor_fr)] if minor else []
    return " et ".join(parts)


def _arabic(number: int) -> str:
    # num2words writes the conjunction apart ("مائة و ثلاثة"); Arabic joins it to the next word.
    return str(num2words(number, lang="ar")).replace(" و ", " و")


def _french(number: int, names: tuple[str, str]) -> str:
    words = str(num2words(number, lang="fr"))
    name = names[0] if number == 1 else names[1]
    if words.endswith(("million", "millions", "milliard", "milliards")):  # "deux millions de dinars"
        return f"{words} d'{name}" if name[0] in "aeioué" else f"{words} de {name}"
    return f"{words} {name}"
