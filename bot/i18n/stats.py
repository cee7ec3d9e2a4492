"""Texts for ``/stats``, in English, French and Arabic (same keys in each)."""

from __future__ import annotations

EN: dict[str, str] = {
    "cmd_stats": "Users, sources and delivery figures",
    "stats_users_title": "<b>Users</b>",
    "stats_chats": "Chats: {chats}",
    "stats_chat_kinds": "private {private} · groups {groups} · channels {channels}",
    "stats_chat_states": "active {active} · paused {paused} · unreachable {blocked}",
    "stats_subscriptions": "Subscriptions: {total} (muted: {muted})",
    "stats_sources_title": "<b>Sources</b>: {total}",
    "stats_sources": (
        "✅ healthy {healthy} · ⚠️ failing {failing} · ⛔ unhealthy {unhealthy} · "
        "⏸ paused {paused} · ⏳ never polled {never}"
    ),
    "stats_activity_title": "<b>Articles and alerts</b>",
    "stats_articles": (
        "Articles stored: {hour} in the last hour, {day} in the last day, {total} in all"
    ),
    "stats_alerts_queued": "Alerts queued: {hour} in the last hour, {day} in the last day",
    "stats_alerts_sent": "Alerts sent: {hour} in the last hour, {day} in the last day",
    "stats_lag": "Queued → sent (last hour's alerts): median {median}, 95% within {p95}",
    "stats_lag_none": "Queued → sent: no alert sent in the last hour",
    "stats_title": "<b>Delivery</b>",
    "stats_queue": (
        "Outbox: {due} due now · {held} held (digest, quiet hours, retry) · {sending} being sent"
    ),
    "stats_oldest_due": "Oldest due message: waiting for {age} past its due time",
    "stats_sent": (
        "Sent: {hour} in the last hour, {day} in the last day, {total} in all (alerts and notices)"
    ),
    "stats_problems": "Parked: {parked} · failed: {failed} · dropped: {dropped}",
    "stats_parked_title": "<b>Parked</b> (Telegram refused them):",
    "stats_parked_line": "#{id} → chat {chat}: {error}",
    "stats_failed_title": "<b>Failed</b> (gave up after retries):",
    "stats_workers_title": "<b>Processes</b>",
    "stats_workers": "Alive (heartbeat within {window}): {count}{roles}",
    "stats_workers_none": "One process (no heartbeat recorded)",
    "stats_worker_role": "{role} {count}",
    "stats_role_all": "all-in-one",
    "stats_role_poller": "poller",
    "stats_role_deliverer": "deliverer",
    "stats_role_telegram": "Telegram updates",
    "stats_seconds": "{n} s",
    "stats_minutes": "{n} min",
    "stats_hours": "{n} h",
}
FR: dict[str, str] = {
    "cmd_stats": "Chiffres : utilisateurs, sources, envois",
    "stats_users_title": "<b>Utilisateurs</b>",
    "stats_chats": "Discussions : {chats}",
    "stats_chat_kinds": "privées {private} · groupes {groups} · canaux {channels}",
    "stats_chat_states": "actives {active} · en pause {paused} · injoignables {blocked}",
    "stats_subscriptions": "Abonnements : {total} (en sourdine : {muted})",
    "stats_sources_title": "<b>Sources</b> : {total}",
    "stats_sources": (
        "✅ saines {healthy} · ⚠️ en échec {failing} · ⛔ hors service {unhealthy} · "
        "⏸ en pause {paused} · ⏳ jamais lues {never}"
    ),
    "stats_activity_title": "<b>Articles et alertes</b>",
    "stats_articles": (
        "Articles enregistrés : {hour} la dernière heure, {day} le dernier jour, {total} en tout"
    ),
    "stats_alerts_queued": (
        "Alertes mises en file : {hour} la dernière heure, {day} le dernier jour"
    ),
    "stats_alerts_sent": "Alertes envoyées : {hour} la dernière heure, {day} le dernier jour",
    "stats_lag": (
        "De la file à l’envoi (alertes de la dernière heure) : médiane {median}, "
        "95\u00a0% en {p95} au plus"
    ),
    "stats_lag_none": "De la file à l’envoi : aucune alerte envoyée la dernière heure",
    "stats_title": "<b>Envoi</b>",
    "stats_queue": (
        "File d’envoi : {due} à envoyer maintenant · {held} retenues (résumé, heures calmes, "
        "nouvel essai) · {sending} en cours d’envoi"
    ),
    "stats_oldest_due": "Plus ancien message à envoyer : en retard de {age} sur son heure prévue",
    "stats_sent": (
        "Envoyées : {hour} la dernière heure, {day} le dernier jour, {total} en tout "
        "(alertes et avis)"
    ),
    "stats_problems": "En souffrance : {parked} · échouées : {failed} · abandonnées : {dropped}",
    "stats_parked_title": "<b>En souffrance</b> (refusées par Telegram) :",
    "stats_parked_line": "n° {id} → discussion {chat} : {error}",
    "stats_failed_title": "<b>Échouées</b> (abandon après plusieurs essais) :",
    "stats_workers_title": "<b>Processus</b>",
    "stats_workers": "En vie (signal depuis moins de {window}) : {count}{roles}",
    "stats_workers_none": "Un seul processus (aucun signal de vie enregistré)",
    "stats_worker_role": "{role} {count}",
    "stats_role_all": "tout-en-un",
    "stats_role_poller": "collecte",
    "stats_role_deliverer": "envoi",
    "stats_role_telegram": "mises à jour Telegram",
    "stats_seconds": "{n} s",
    "stats_minutes": "{n} min",
    "stats_hours": "{n} h",
}
AR: dict[str, str] = {
    "cmd_stats": "أرقام المستخدمين والمصادر والإرسال",
    "stats_users_title": "<b>المستخدمون</b>",
    "stats_chats": "المحادثات: {chats}",
    "stats_chat_kinds": "خاصة {private} · مجموعات {groups} · قنوات {channels}",
    "stats_chat_states": "نشطة {active} · متوقفة مؤقتًا {paused} · يتعذر الوصول إليها {blocked}",
    "stats_subscriptions": "الاشتراكات: {total} (المكتومة: {muted})",
    "stats_sources_title": "<b>المصادر</b>: {total}",
    "stats_sources": (
        "✅ سليمة {healthy} · ⚠️ متعثرة {failing} · ⛔ معطلة {unhealthy} · "
        "⏸ متوقفة مؤقتًا {paused} · ⏳ لم تُقرأ بعد {never}"
    ),
    "stats_activity_title": "<b>المقالات والتنبيهات</b>",
    "stats_articles": (
        "المقالات المخزنة: {hour} في الساعة الأخيرة، {day} في اليوم الأخير، {total} في المجموع"
    ),
    "stats_alerts_queued": (
        "التنبيهات المدرجة في الطابور: {hour} في الساعة الأخيرة، {day} في اليوم الأخير"
    ),
    "stats_alerts_sent": "التنبيهات المرسلة: {hour} في الساعة الأخيرة، {day} في اليوم الأخير",
    "stats_lag": (
        "من الإدراج إلى الإرسال (تنبيهات الساعة الأخيرة): الوسيط {median}، و95٪ خلال {p95} أو أقل"
    ),
    "stats_lag_none": "من الإدراج إلى الإرسال: لم يُرسل أي تنبيه في الساعة الأخيرة",
    "stats_title": "<b>الإرسال</b>",
    "stats_queue": (
        "طابور الإرسال: {due} حان موعدها · {held} مؤجلة (ملخص، ساعات الهدوء، إعادة محاولة) · "
        "{sending} قيد الإرسال"
    ),
    "stats_oldest_due": "أقدم رسالة حان موعدها: متأخرة {age} عن موعدها",
    "stats_sent": (
        "أُرسل: {hour} في الساعة الأخيرة، {day} في اليوم الأخير، {total} في المجموع "
        "(تنبيهات وإشعارات)"
    ),
    "stats_problems": "موقوفة: {parked} · فاشلة: {failed} · متروكة: {dropped}",
    "stats_parked_title": "<b>موقوفة</b> (رفضها تيليغرام):",
    "stats_parked_line": "رقم {id} ← المحادثة {chat}: {error}",
    "stats_failed_title": "<b>فاشلة</b> (بعد عدة محاولات):",
    "stats_workers_title": "<b>العمليات</b>",
    "stats_workers": "العمليات الحية (نبضة خلال آخر {window}): {count}{roles}",
    "stats_workers_none": "عملية واحدة (لم تُسجَّل أي نبضة)",
    "stats_worker_role": "{role} {count}",
    "stats_role_all": "الكل في واحدة",
    "stats_role_poller": "الجلب",
    "stats_role_deliverer": "الإرسال",
    "stats_role_telegram": "تحديثات تيليغرام",
    "stats_seconds": "{n} ثانية",
    "stats_minutes": "{n} دقيقة",
    "stats_hours": "{n} ساعة",
}
