"""The notifications veille sends: counts and a link, in French and Arabic, never a person."""

from __future__ import annotations

from veille.app.ports import Notice

LEVEL_FR = {"cell": "la cellule", "wilaya": "la wilaya", "ministry": "le ministère"}
LEVEL_AR = {"cell": "الخلية", "wilaya": "الولاية", "ministry": "الوزارة"}


def escalated(area: str, level: str, count: int, link_base: str) -> Notice:
    return Notice(
        subject_fr=f"Veille sociale : {count} signalement(s) en retard remonté(s) à {LEVEL_FR[level]}",
        subject_ar=f"اليقظة الاجتماعية: {count} إشعار(ات) متأخرة رُفعت إلى {LEVEL_AR[level]}",
        body_fr=f"{count} signalement(s) hors délai désormais suivi(s) par {LEVEL_FR[level]} ({area}).",
        body_ar=f"تجاوز {count} إشعار(ات) الآجال المحددة وأصبحت تتابعها {LEVEL_AR[level]} ({area}).",
        link=f"{link_base}/signals?level={level}",
        audience=area,
    )


def emergency(areas: list[str], emergency_id: str, link_base: str) -> Notice:
    count = len(areas)
    return Notice(
        subject_fr=f"Veille sociale : état d'urgence déclaré sur {count} zone(s)",
        subject_ar=f"اليقظة الاجتماعية: إعلان حالة الطوارئ في {count} منطقة(مناطق)",
        body_fr=f"Une situation d'urgence est déclarée sur {count} zone(s) : {', '.join(areas)}.",
        body_ar=f"أُعلنت حالة طوارئ في {count} منطقة(مناطق): {'، '.join(areas)}.",
        link=f"{link_base}/emergencies/{emergency_id}",
        audience=areas[0],
    )


def alerts(raised: int, cleared: int, link_base: str) -> Notice:
    return Notice(
        subject_fr=f"Veille sociale : {raised} alerte(s) nouvelle(s), {cleared} close(s)",
        subject_ar=f"اليقظة الاجتماعية: {raised} تنبيه(ات) جديدة، {cleared} تنبيه(ات) منتهية",
        body_fr=f"{raised} nouvelle(s) alerte(s) d'indicateurs et {cleared} alerte(s) close(s).",
        body_ar=f"{raised} تنبيه(ات) جديدة للمؤشرات و{cleared} تنبيه(ات) أُغلقت.",
        link=f"{link_base}/alerts",
        audience="/DZ",
    )
