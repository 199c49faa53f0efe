"""French and Arabic labels of the code lists that reach people: reasons, letters, reports.

Codes stay in English in the data and the API; what a beneficiary or an officer reads is
one of these. A code without a label is shown as itself (a new band of a scoring model
may come before its label).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

Language = Literal["fr", "ar"]

LABELS: dict[str, tuple[str, str]] = {
    # vulnerable categories
    "elderly": ("personne âgée", "شخص مسن"),
    "disability": ("personne handicapée", "شخص ذو إعاقة"),
    "woman_in_difficulty": ("femme en difficulté", "امرأة في وضع صعب"),
    "child_without_family_support": ("enfant privé de famille", "طفل محروم من السند العائلي"),
    "street_child": ("enfant en situation de rue", "طفل في الشارع"),
    "indigent": ("personne démunie", "شخص معوز"),
    # housing tenure
    "owner": ("propriétaire", "مالك"),
    "tenant": ("locataire", "مستأجر"),
    "hosted": ("hébergé par des proches", "مقيم لدى الأقارب"),
    "precarious": ("occupation précaire", "سكن هش"),
    "homeless": ("sans abri", "بلا مأوى"),
    # disability severity
    "mild": ("légère", "خفيفة"),
    "moderate": ("modérée", "متوسطة"),
    "severe": ("sévère", "شديدة"),
    "profound": ("profonde", "عميقة"),
    # vulnerability bands of the scoring models
    "low": ("faible", "ضعيفة"),
    "high": ("élevée", "مرتفعة"),
    "extreme": ("extrême", "قصوى"),
}


def label(code: str, language: Language) -> str:
    """The label of ``code`` in ``language``, or the code itself."""
    found = LABELS.get(code)
    return code if found is None else found[0 if language == "fr" else 1]


def labels(codes: Iterable[str], language: Language) -> str:
    """Labels of ``codes``, comma-separated (Arabic uses its own comma)."""
    return ("، " if language == "ar" else ", ").join(label(c, language) for c in codes)
