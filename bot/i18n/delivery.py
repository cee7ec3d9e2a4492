"""Texts for delivery, in English, French and Arabic (same keys in each)."""

from __future__ import annotations

EN: dict[str, str] = {
    "alert_also": "➕ Also reported by: {names}",
    "btn_mute_day": "🔕 24 h",
    "btn_mute_ever": "🔕 Always",
    "btn_unsubscribe": "❌ Unsubscribe",
    "btn_for_query": "{label} · {query}",
}
FR: dict[str, str] = {
    "alert_also": "➕ Aussi publié par : {names}",
    "btn_mute_day": "🔕 24 h",
    "btn_mute_ever": "🔕 Toujours",
    "btn_unsubscribe": "❌ Se désabonner",
    "btn_for_query": "{label} · {query}",
}
AR: dict[str, str] = {
    "alert_also": "➕ نشره أيضًا: {names}",
    "btn_mute_day": "🔕 24 ساعة",
    "btn_mute_ever": "🔕 دائمًا",
    "btn_unsubscribe": "❌ إلغاء الاشتراك",
    "btn_for_query": "{label} · {query}",
}
