"""Texts for delivery, in English, French and Arabic (same keys in each)."""

from __future__ import annotations

EN: dict[str, str] = {
    "cmd_stats": "Delivery and usage figures",
    "alert_also": "➕ Also reported by: {names}",
    "btn_mute_day": "🔕 24 h",
    "btn_mute_ever": "🔕 Always",
    "btn_unsubscribe": "❌ Unsubscribe",
    "btn_for_query": "{label} · {query}",
    "stats_title": "<b>Delivery</b>",
    "stats_queue": "Waiting to be sent: {pending} (held for digests or quiet hours: {held})",
    "stats_sent": "Sent: {hour} in the last hour, {day} in the last day, {total} in all",
    "stats_problems": "Parked: {parked} · failed: {failed} · dropped: {dropped}",
    "stats_chats": "Chats: {chats} ({blocked} unreachable)",
    "stats_parked_title": "<b>Parked</b> (Telegram refused them):",
    "stats_parked_line": "#{id} → chat {chat}: {error}",
    "stats_failed_title": "<b>Failed</b> (gave up after retries):",
}
FR: dict[str, str] = {
    "cmd_stats": "Chiffres d’envoi et d’usage",
    "alert_also": "➕ Aussi publié par : {names}",
    "btn_mute_day": "🔕 24 h",
    "btn_mute_ever": "🔕 Toujours",
    "btn_unsubscribe": "❌ Se désabonner",
    "btn_for_query": "{label} · {query}",
    "stats_title": "<b>Envoi</b>",
    "stats_queue": "En attente d’envoi : {pending} (retenues pour résumé ou heures calmes : {held})",
    "stats_sent": "Envoyées : {hour} la dernière heure, {day} le dernier jour, {total} en tout",
    "stats_problems": "En souffrance : {parked} · échouées : {failed} · abandonnées : {dropped}",
    "stats_chats": "Discussions : {chats} ({blocked} injoignables)",
    "stats_parked_title": "<b>En souffrance</b> (refusées par Telegram) :",
    "stats_parked_line": "n° {id} → discussion {chat} : {error}",
    "stats_failed_title": "<b>Échouées</b> (abandon après plusieurs essais) :",
}
AR: dict[str, str] = {
    "cmd_stats": "أرقام الإرسال والاستعمال",
    "alert_also": "➕ نشره أيضًا: {names}",
    "btn_mute_day": "🔕 24 ساعة",
    "btn_mute_ever": "🔕 دائمًا",
    "btn_unsubscribe": "❌ إلغاء الاشتراك",
    "btn_for_query": "{label} · {query}",
    "stats_title": "<b>الإرسال</b>",
    "stats_queue": "في انتظار الإرسال: {pending} (مؤجلة للملخص أو لساعات الهدوء: {held})",
    "stats_sent": "أُرسل: {hour} في الساعة الأخيرة، {day} في اليوم الأخير، {total} في المجموع",
    "stats_problems": "موقوفة: {parked} · فاشلة: {failed} · متروكة: {dropped}",
    "stats_chats": "المحادثات: {chats} ({blocked} يتعذر الوصول إليها)",
    "stats_parked_title": "<b>موقوفة</b> (رفضها تيليغرام):",
    "stats_parked_line": "رقم {id} ← المحادثة {chat}: {error}",
    "stats_failed_title": "<b>فاشلة</b> (بعد عدة محاولات):",
}
