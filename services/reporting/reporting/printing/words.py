"""The carte sociale's words in French and Arabic (labels of figures, bands, categories)."""

from __future__ import annotations

from typing import Literal

Language = Literal["ar", "fr"]

TEXT: dict[Language, dict[str, str]] = {
    "fr": {
        "state": "République Algérienne Démocratique et Populaire",
        "ministry": "Ministère de la Solidarité nationale, de la Famille et de la Condition de la femme",
        "title": "Carte sociale — fiche d'indicateurs",
        "as_of": "Situation au",
        "public": "Chiffres publics : les effectifs inférieurs à {threshold} sont masqués (●), avec un effectif "
        "complémentaire, pour qu'aucun total ne les révèle.",
        "staff": "Document interne de la direction : chiffres non masqués.",
        "households": "Ménages inscrits",
        "people": "Personnes couvertes",
        "in_need": "Ménages dans le besoin (vulnérabilité élevée ou extrême)",
        "assisted_households": "Ménages aidés ce trimestre",
        "aid_per_assisted_household_dzd": "Aide versée ce trimestre par ménage aidé (DA)",
        "coverage": "Couverture du besoin",
        "open_signals": "Signalements ouverts",
        "bands": "Répartition des scores de vulnérabilité",
        "categories": "Catégories vulnérables (ménages)",
        "areas": "Par zone",
        "area": "Zone",
        "not_available": "n.d.",
        "legend": "n.d. : source pas encore disponible",
        "legend_hidden": " ; ● : masqué (petit effectif)",
        "map_title": "Ménages inscrits par wilaya",
    },
    "ar": {
        "state": "الجمهورية الجزائرية الديمقراطية الشعبية",
        "ministry": "وزارة التضامن الوطني والأسرة وقضايا المرأة",
        "title": "الخريطة الاجتماعية — بطاقة المؤشرات",
        "as_of": "الوضعية في",
        "public": "أرقام للنشر: تخفى الأعداد الأقل من {threshold} (●) مع عدد مكمل حتى لا يكشفها أي مجموع.",
        "staff": "وثيقة داخلية للمديرية: أرقام غير مخفاة.",
        "households": "الأسر المسجلة",
        "people": "الأشخاص المشمولون",
        "in_need": "الأسر المحتاجة (هشاشة مرتفعة أو قصوى)",
        "assisted_households": "الأسر المستفيدة هذا الفصل",
        "aid_per_assisted_household_dzd": "الإعانة المدفوعة هذا الفصل لكل أسرة مستفيدة (دج)",
        "coverage": "تغطية الحاجة",
        "open_signals": "الإشعارات المفتوحة",
        "bands": "توزيع درجات الهشاشة",
        "categories": "الفئات الهشة (أسر)",
        "areas": "حسب المنطقة",
        "area": "المنطقة",
        "not_available": "غ.م.",
        "legend": "غ.م.: المصدر غير متوفر بعد",
        "legend_hidden": "؛ ●: مخفي (عدد صغير)",
        "map_title": "الأسر المسجلة حسب الولاية",
    },
}

BANDS: dict[str, tuple[str, str]] = {
    "low": ("faible", "ضعيفة"),
    "moderate": ("modérée", "متوسطة"),
    "high": ("élevée", "مرتفعة"),
    "extreme": ("extrême", "قصوى"),
}

CATEGORIES: dict[str, tuple[str, str]] = {
    "elderly": ("Personnes âgées", "المسنون"),
    "disability": ("Handicap", "الإعاقة"),
    "woman_in_difficulty": ("Femmes en difficulté", "النساء في وضع صعب"),
    "child_without_family_support": ("Enfants sans soutien familial", "الأطفال بدون سند عائلي"),
    "street_child": ("Enfants de la rue", "أطفال الشوارع"),
    "indigent": ("Personnes démunies", "المعوزون"),
}

HIDDEN = "●"


def label(table: dict[str, tuple[str, str]], key: str, language: Language) -> str:
    fr, ar = table.get(key, (key, key))
    return ar if language == "ar" else fr


def number(value: float | None, *, hidden: bool, language: Language, percent: bool = False) -> str:
    """A figure as printed: thousands apart, a percentage, "not available", or the suppression mark."""
    if value is None:
        return HIDDEN if hidden else TEXT[language]["not_available"]
    if percent:
        return f"{value * 100:.1f}".replace(".", ",") + " %"
    return f"{value:,.0f}".replace(",", "\u00a0")
