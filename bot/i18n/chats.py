"""Texts for chats (kinds, settings, digests, muting), in English, French and Arabic.

Inserted values ({query}, {source}, {title}, {chat}) arrive already escaped, and in Arabic
already wrapped in Unicode isolates (``bot.i18n.bidi.embed``).
"""

from __future__ import annotations

EN: dict[str, str] = {
    "cmd_settings": "Alert mode, digests and quiet hours",
    "cmd_unmute": "Unmute a subscription",
    # digests
    "digest_header": "🗞 <b>Digest</b>: {count} new articles{part}",
    "digest_part": " ({part}/{parts})",
    "digest_group": "🔎 <b>{query}</b> ({count})",
    "digest_group_continued": "🔎 <b>{query}</b> ({count}, continued)",
    "digest_line": '• {when} <a href="{url}">{title}</a> — {source}',
    "digest_line_unlinked": "• {when} {title} — {source}",
    # who may change what
    "managing_chat": "📣 <b>{chat}</b>",
    "group_admins_only": "Sorry, only this group's admins can change its subscriptions and settings. Everyone can see them with /list and /settings.",
    "channel_admins_only": "Only the bot's administrators can manage a channel.",
    "channel_not_found": "⚠️ I can't find the channel {chat}. Add the bot to it as an administrator, then try again.",
    "not_a_channel": "⚠️ {chat} is not a channel. In a group, send the commands in the group itself.",
    "bot_not_channel_admin": "⚠️ I can't post in {chat}. Make the bot an administrator of the channel, allowed to post messages.",
    "not_your_button": "This button belongs to another chat.",
    "channel_added": "📣 I was added to the channel {chat}. A bot administrator manages its alerts from a private chat with me: <code>/subscribe {ref} QUERY</code>, <code>/list {ref}</code>, <code>/settings {ref}</code>.",
    "group_welcome": (
        "👋 Hello! I'm <b>Rasd</b>: I watch news sites and post an alert here when an article "
        "mentions what this group follows.\n\n"
        "Group admins: <code>/subscribe</code> followed by a name or topic, e.g. "
        "<code>/subscribe الهجرة</code>; in a forum topic, alerts go to that topic. "
        "/settings chooses immediate alerts, digests or quiet hours. "
        "Everyone: /list shows what the group follows, /help the commands."
    ),
    "help_channels": (
        "\n\n<b>Channels</b> (make the bot an administrator of the channel first)\n"
        "/subscribe @channel <i>query</i>, /list @channel, /unsubscribe @channel <i>N</i>, "
        "/unmute @channel <i>N</i>, /settings @channel, /pause @channel, /resume @channel, "
        "/language @channel ar|fr|en"
    ),
    # muting
    "list_muted_forever": " 🔕",
    "list_muted_until": " 🔕 until {until}",
    "list_unmute_hint": "🔕 = muted. 🔔 N or <code>/unmute N</code> unmutes.",
    "unmute_usage": "Give the number shown by /list, e.g. <code>/unmute 2</code>.",
    "not_muted": "<b>{query}</b> is not muted.",
    "unmuted": "🔔 Unmuted: <b>{query}</b>",
    "unmuted_button": "Unmuted",
    "muted_day_button": "🔕 Muted for 24 hours: {query}",
    "muted_forever_button": "🔕 Muted until you unmute it (/list): {query}",
    "unsubscribed_button": "🗑 Unsubscribed: {query}",
    # settings
    "settings_view": (
        "⚙️ <b>Alert settings</b>\n"
        "Mode: {mode}\n"
        "Quiet hours: {quiet}\n\n"
        "Buttons: the mode; the time of the daily digest; quiet hours (alerts held, then sent "
        "together). Any other time: <code>/settings digest HH:MM</code>, "
        "<code>/settings quiet HH:MM-HH:MM</code>, <code>/settings quiet off</code>. "
        "Times are {zone} time."
    ),
    "mode_immediate": "each alert at once",
    "mode_hourly": "a digest every hour",
    "mode_daily": "a daily digest at {time}",
    "quiet_none": "none",
    "settings_usage": (
        "Usage: <code>/settings</code>, <code>/settings immediate</code>, "
        "<code>/settings hourly</code>, <code>/settings daily</code>, "
        "<code>/settings digest 07:30</code>, <code>/settings quiet 22:00-07:00</code>, "
        "<code>/settings quiet off</code>"
    ),
    "bad_time": "⚠️ <code>{value}</code> is not a time of day. Write it as HH:MM, e.g. <code>/settings digest 07:30</code>.",
    "bad_quiet": "⚠️ Write quiet hours as two different times, e.g. <code>/settings quiet 22:00-07:00</code>, or <code>/settings quiet off</code>.",
    "settings_saved": "Saved",
    "btn_immediate": "⚡ Immediate",
    "btn_hourly": "🕐 Hourly",
    "btn_daily": "📅 Daily",
    "btn_quiet_off": "No quiet hours",
}
FR: dict[str, str] = {
    "cmd_settings": "Mode d’alerte, résumés et heures calmes",
    "cmd_unmute": "Réactiver un abonnement",
    "digest_header": "🗞 <b>Résumé</b> : {count} nouveaux articles{part}",
    "digest_part": " ({part}/{parts})",
    "digest_group": "🔎 <b>{query}</b> ({count})",
    "digest_group_continued": "🔎 <b>{query}</b> ({count}, suite)",
    "digest_line": '• {when} <a href="{url}">{title}</a> — {source}',
    "digest_line_unlinked": "• {when} {title} — {source}",
    "managing_chat": "📣 <b>{chat}</b>",
    "group_admins_only": "Désolé, seuls les administrateurs de ce groupe peuvent modifier ses abonnements et réglages. Tout le monde peut les consulter avec /list et /settings.",
    "channel_admins_only": "Seuls les administrateurs du bot peuvent gérer une chaîne.",
    "channel_not_found": "⚠️ Je ne trouve pas la chaîne {chat}. Ajoutez-y le bot comme administrateur, puis réessayez.",
    "not_a_channel": "⚠️ {chat} n’est pas une chaîne. Pour un groupe, envoyez les commandes dans le groupe lui-même.",
    "bot_not_channel_admin": "⚠️ Je ne peux pas publier dans {chat}. Faites du bot un administrateur de la chaîne, autorisé à publier.",
    "not_your_button": "Ce bouton appartient à une autre conversation.",
    "channel_added": "📣 J’ai été ajouté à la chaîne {chat}. Un administrateur du bot gère ses alertes depuis une conversation privée avec moi : <code>/subscribe {ref} REQUÊTE</code>, <code>/list {ref}</code>, <code>/settings {ref}</code>.",
    "group_welcome": (
        "👋 Bonjour ! Je suis <b>Rasd</b> : je surveille les sites d’information et publie ici "
        "une alerte quand un article mentionne ce que suit ce groupe.\n\n"
        "Administrateurs du groupe : <code>/subscribe</code> suivi d’un nom ou d’un sujet, "
        "p. ex. <code>/subscribe Bruno Retailleau</code> ; dans un sujet de forum, les alertes "
        "arrivent dans ce sujet. /settings choisit alertes immédiates, résumés ou heures calmes. "
        "Tout le monde : /list montre ce que suit le groupe, /help les commandes."
    ),
    "help_channels": (
        "\n\n<b>Chaînes</b> (faites d’abord du bot un administrateur de la chaîne)\n"
        "/subscribe @chaine <i>requête</i>, /list @chaine, /unsubscribe @chaine <i>N</i>, "
        "/unmute @chaine <i>N</i>, /settings @chaine, /pause @chaine, /resume @chaine, "
        "/language @chaine ar|fr|en"
    ),
    "list_muted_forever": " 🔕",
    "list_muted_until": " 🔕 jusqu’au {until}",
    "list_unmute_hint": "🔕 = en sourdine. 🔔 N ou <code>/unmute N</code> réactive.",
    "unmute_usage": "Indiquez le numéro affiché par /list, p. ex. <code>/unmute 2</code>.",
    "not_muted": "<b>{query}</b> n’est pas en sourdine.",
    "unmuted": "🔔 Réactivé : <b>{query}</b>",
    "unmuted_button": "Réactivé",
    "muted_day_button": "🔕 En sourdine pour 24 heures : {query}",
    "muted_forever_button": "🔕 En sourdine jusqu’à réactivation (/list) : {query}",
    "unsubscribed_button": "🗑 Désabonné : {query}",
    "settings_view": (
        "⚙️ <b>Réglages des alertes</b>\n"
        "Mode : {mode}\n"
        "Heures calmes : {quiet}\n\n"
        "Boutons : le mode ; l’heure du résumé quotidien ; les heures calmes (alertes gardées, "
        "puis envoyées ensemble). Pour une autre heure : <code>/settings digest HH:MM</code>, "
        "<code>/settings quiet HH:MM-HH:MM</code>, <code>/settings quiet off</code>. "
        "Heures de {zone}."
    ),
    "mode_immediate": "chaque alerte aussitôt",
    "mode_hourly": "un résumé toutes les heures",
    "mode_daily": "un résumé quotidien à {time}",
    "quiet_none": "aucune",
    "settings_usage": (
        "Usage : <code>/settings</code>, <code>/settings immediate</code>, "
        "<code>/settings hourly</code>, <code>/settings daily</code>, "
        "<code>/settings digest 07:30</code>, <code>/settings quiet 22:00-07:00</code>, "
        "<code>/settings quiet off</code>"
    ),
    "bad_time": "⚠️ <code>{value}</code> n’est pas une heure. Écrivez-la HH:MM, p. ex. <code>/settings digest 07:30</code>.",
    "bad_quiet": "⚠️ Indiquez les heures calmes par deux heures différentes, p. ex. <code>/settings quiet 22:00-07:00</code>, ou <code>/settings quiet off</code>.",
    "settings_saved": "Enregistré",
    "btn_immediate": "⚡ Immédiat",
    "btn_hourly": "🕐 Toutes les heures",
    "btn_daily": "📅 Quotidien",
    "btn_quiet_off": "Pas d’heures calmes",
}
AR: dict[str, str] = {
    "cmd_settings": "طريقة التنبيه والملخصات وساعات الهدوء",
    "cmd_unmute": "إعادة تفعيل اشتراك",
    "digest_header": "🗞 <b>ملخص</b> — المقالات الجديدة: {count}{part}",
    "digest_part": " ({part}/{parts})",
    "digest_group": "🔎 <b>{query}</b> ({count})",
    "digest_group_continued": "🔎 <b>{query}</b> ({count}، تتمة)",
    "digest_line": '• {when} <a href="{url}">{title}</a> — {source}',
    "digest_line_unlinked": "• {when} {title} — {source}",
    "managing_chat": "📣 <b>{chat}</b>",
    "group_admins_only": "عذرا، تغيير اشتراكات هذه المجموعة وإعداداتها خاص بمشرفيها. يمكن للجميع الاطلاع عليها عبر /list و /settings.",
    "channel_admins_only": "إدارة القنوات خاصة بمشرفي البوت.",
    "channel_not_found": "⚠️ لم أجد القناة {chat}. أضف البوت إليها مشرفا ثم أعد المحاولة.",
    "not_a_channel": "⚠️ {chat} ليست قناة. في المجموعات، أرسل الأوامر داخل المجموعة نفسها.",
    "bot_not_channel_admin": "⚠️ لا يمكنني النشر في {chat}. اجعل البوت مشرفا على القناة مع صلاحية نشر الرسائل.",
    "not_your_button": "هذا الزر تابع لمحادثة أخرى.",
    "channel_added": "📣 أُضفت إلى القناة {chat}. يدير مشرف البوت تنبيهاتها من محادثة خاصة معي: <code>/subscribe {ref} استعلام</code> و <code>/list {ref}</code> و <code>/settings {ref}</code>.",
    "group_welcome": (
        "👋 مرحبا! أنا <b>رصد</b>: أتابع المواقع الإخبارية وأنشر هنا تنبيها حين يذكر مقال ما "
        "تتابعه هذه المجموعة.\n\n"
        "لمشرفي المجموعة: <code>/subscribe</code> متبوعا باسم أو موضوع، مثلا "
        "<code>/subscribe الهجرة</code>؛ وفي مواضيع المنتدى تصل التنبيهات إلى الموضوع نفسه. "
        "يختار /settings بين التنبيه الفوري والملخصات وساعات الهدوء. "
        "للجميع: يعرض /list ما تتابعه المجموعة، و /help الأوامر."
    ),
    "help_channels": (
        "\n\n<b>القنوات</b> (اجعل البوت مشرفا على القناة أولا)\n"
        "/subscribe @channel <i>استعلام</i> و /list @channel و /unsubscribe @channel <i>N</i> "
        "و /unmute @channel <i>N</i> و /settings @channel و /pause @channel و /resume @channel "
        "و /language @channel ar|fr|en"
    ),
    "list_muted_forever": " 🔕",
    "list_muted_until": " 🔕 حتى {until}",
    "list_unmute_hint": "🔕 = مكتوم. يعيد 🔔 N أو <code>/unmute N</code> تفعيله.",
    "unmute_usage": "اذكر الرقم الظاهر في /list، مثلا <code>/unmute 2</code>.",
    "not_muted": "<b>{query}</b> غير مكتوم.",
    "unmuted": "🔔 أعيد تفعيل: <b>{query}</b>",
    "unmuted_button": "أعيد التفعيل",
    "muted_day_button": "🔕 كُتم لمدة 24 ساعة: {query}",
    "muted_forever_button": "🔕 كُتم إلى أن تعيد تفعيله (/list): {query}",
    "unsubscribed_button": "🗑 أُلغي الاشتراك: {query}",
    "settings_view": (
        "⚙️ <b>إعدادات التنبيهات</b>\n"
        "الطريقة: {mode}\n"
        "ساعات الهدوء: {quiet}\n\n"
        "الأزرار: الطريقة؛ وقت الملخص اليومي؛ ساعات الهدوء (تُحفظ التنبيهات ثم تُرسل معا). "
        "لوقت آخر: <code>/settings digest HH:MM</code> و "
        "<code>/settings quiet HH:MM-HH:MM</code> و <code>/settings quiet off</code>. "
        "الأوقات بتوقيت {zone}."
    ),
    "mode_immediate": "كل تنبيه فورا",
    "mode_hourly": "ملخص كل ساعة",
    "mode_daily": "ملخص يومي على الساعة {time}",
    "quiet_none": "لا توجد",
    "settings_usage": (
        "الاستعمال: <code>/settings</code> و <code>/settings immediate</code> و "
        "<code>/settings hourly</code> و <code>/settings daily</code> و "
        "<code>/settings digest 07:30</code> و <code>/settings quiet 22:00-07:00</code> و "
        "<code>/settings quiet off</code>"
    ),
    "bad_time": "⚠️ <code>{value}</code> ليس وقتا صالحا. اكتبه بصيغة HH:MM، مثلا <code>/settings digest 07:30</code>.",
    "bad_quiet": "⚠️ اكتب ساعات الهدوء بوقتين مختلفين، مثلا <code>/settings quiet 22:00-07:00</code>، أو <code>/settings quiet off</code>.",
    "settings_saved": "حُفظ",
    "btn_immediate": "⚡ فوري",
    "btn_hourly": "🕐 كل ساعة",
    "btn_daily": "📅 يومي",
    "btn_quiet_off": "بلا ساعات هدوء",
}
