"""The bot's core texts (commands, subscriptions, sources), in English, French and Arabic."""

from __future__ import annotations

EN: dict[str, str] = {
    "welcome": (
        "<b>Rasd</b> watches news sites for you and sends an alert as soon as an article "
        "mentions what you follow: a person, a place, a topic, in Arabic, French or English.\n\n"
        "{help}"
    ),
    "help": (
        "<b>Commands</b>\n"
        "/subscribe <i>query</i> (or /sub) — follow a name or topic, e.g. "
        "<code>/subscribe الهجرة</code> or <code>/sub Bruno Retailleau</code>\n"
        "/test <i>query</i> — what a query would have matched lately, before you subscribe\n"
        "/list — your subscriptions, with buttons to remove them\n"
        "/unsubscribe <i>N</i> — remove subscription number N from /list\n"
        "/unmute <i>N</i> — alerts again for a subscription muted from an alert's 🔕 button\n"
        "/settings — each alert at once, hourly or daily digests, quiet hours\n"
        "/pause, /resume — stop and restart all alerts in this chat\n"
        "/language ar|fr|en — the bot's language\n"
        "/help — this message\n\n"
        "In a group only its admins change subscriptions and settings; a subscription made "
        "in a forum topic alerts that topic."
    ),
    "help_admin": (
        "\n\n<b>Admin</b>\n"
        "/addsource <i>URL</i> [name] — add a feed, a site page, a sitemap or a t.me channel\n"
        "/sources — every source with its state\n"
        "/removesource <i>ID</i>, /pausesource <i>ID</i>, /resumesource <i>ID</i>\n"
        "/interval <i>ID</i> <i>MINUTES</i> — how often a source is polled\n"
        "/fulltext <i>ID</i> on|off — fetch each article's page for its full text\n"
        "/selector <i>ID</i> <i>CSS</i> — which links of an HTML listing are articles\n"
        "/importopml (caption of an .opml file, or in reply to one), /exportopml\n"
        "/allow <i>USER_ID</i>, /deny <i>USER_ID</i> — who may use the bot\n"
        "/alias <i>A = B = C</i> — spellings of one name, for everyone's queries; "
        "/aliases lists them, /unalias <i>ID</i> removes one"
    ),
    "query_help": (
        "\n\n<b>Queries</b>: words must all appear, in any order; "
        '<code>"exact phrase"</code>; <code>OR</code>, <code>NOT</code> or <code>-word</code>, '
        "parentheses; <code>title:word</code> for the headline; <code>a NEAR/3 b</code>. "
        "Spelling variants, Arabic prefixes, accents and typos in long names are handled."
    ),
    "cmd_start": "Start and introduction",
    "cmd_help": "Commands",
    "cmd_subscribe": "Follow a name or topic",
    "cmd_test": "Try a query on recent articles",
    "cmd_list": "Your subscriptions",
    "cmd_unsubscribe": "Remove a subscription",
    "cmd_pause": "Pause all alerts",
    "cmd_resume": "Resume alerts",
    "cmd_language": "Change language",
    "cmd_addsource": "Add a source (admin)",
    "cmd_sources": "List sources (admin)",
    "cmd_removesource": "Remove a source (admin)",
    "cmd_pausesource": "Pause a source (admin)",
    "cmd_resumesource": "Resume a source (admin)",
    "cmd_interval": "Set a source's polling interval (admin)",
    "cmd_allow": "Allow a user (admin)",
    "cmd_deny": "Deny a user (admin)",
    "cmd_alias": "Join spellings of a name (admin)",
    "cmd_aliases": "List aliases (admin)",
    "cmd_unalias": "Remove an alias (admin)",
    "private": (
        "This bot is private. Ask its administrator to give you access, "
        "quoting your user id: <code>{user_id}</code>."
    ),
    "unknown_command": "I don't know that command. /help lists what I can do.",
    "not_a_command": (
        "To follow a topic, send <code>/subscribe</code> followed by it, for example "
        "<code>/subscribe {text}</code>."
    ),
    "subscribe_usage": (
        "Tell me what to follow after the command, for example:\n"
        "<code>/subscribe عبد الوافي لفتيت</code>\n<code>/subscribe Bruno Retailleau</code>"
    ),
    "subscribed": "✅ Subscribed (#{number}): <b>{query}</b>\nUnderstood as: <code>{understood}</code>\n{recent}",
    "test_usage": "Give the query to try, e.g. <code>/test عبد الوافي لفتيت</code>",
    "test_result": "Understood as: <code>{understood}</code>\n{recent}",
    "test_example": '• <a href="{url}">{title}</a> — {source}\n  {excerpt}',
    "test_example_unlinked": "• {title} — {source}\n  {excerpt}",
    "alias_usage": "Usage: <code>/alias Laftit = لفتيت = Lafdit</code>",
    "alias_added": "✅ Alias #{id}: {entries}. Every query now matches these spellings alike.",
    "aliases_empty": "No aliases yet. Add one with <code>/alias Laftit = لفتيت</code>.",
    "aliases_header": "<b>Aliases</b>",
    "alias_removed": "🗑 Alias #{id} removed.",
    "no_such_alias": "There is no alias #{id}. See /aliases.",
    "already_subscribed": "You already follow <b>{query}</b>.",
    "too_many": "You have reached the limit of {limit} subscriptions. Remove one with /list.",
    "bad_query": "⚠️ I could not understand this query: {reason}",
    "bad_query_at": "⚠️ I could not understand this query: {reason}\n<code>{marked}</code>",
    "list_empty": "You follow nothing yet. Try <code>/subscribe الهجرة</code>.",
    "list_header": "<b>Your subscriptions</b>{paused}",
    "list_paused": " (alerts paused: /resume)",
    "unsubscribe_usage": "Give the number shown by /list, e.g. <code>/unsubscribe 2</code>.",
    "unsubscribed": "🗑 Removed: <b>{query}</b>",
    "no_such_subscription": "There is no subscription number {number}. See /list.",
    "removed_button": "Removed",
    "gone_button": "Already removed",
    "paused": "⏸ Alerts paused. /resume starts them again.",
    "resumed": "▶️ Alerts resumed.",
    "language_usage": "Choose one: <code>/language ar</code>, <code>fr</code> or <code>en</code>.",
    "language_set": "Language: English.",
    "admin_only": "Sorry, only the bot's administrators can do that.",
    "addsource_usage": "Usage: <code>/addsource URL [name]</code>",
    "addsource_checking": "Fetching {url} …",
    "addsource_failed": "⚠️ Could not add {url}: {reason}",
    "source_exists": "That source is already there: #{id} <b>{name}</b>.",
    "sources_empty": "No sources yet. Add one with /addsource URL.",
    "sources_header": "<b>Sources</b>",
    "never": "never",
    "id_usage": "Usage: <code>/{command} ID</code>",
    "no_such_source": "There is no source #{id}. See /sources.",
    "source_removed": "🗑 Source #{id} removed.",
    "source_paused": "⏸ Source #{id} <b>{name}</b> paused.",
    "source_resumed": "▶️ Source #{id} <b>{name}</b> resumed.",
    "interval_usage": "Usage: <code>/interval ID MINUTES</code>",
    "interval_set": "Source #{id} <b>{name}</b> is now polled every {interval}.",
    "interval_too_short": "The shortest interval allowed is {minimum}.",
    "user_usage": "Usage: <code>/{command} USER_ID</code> (a number)",
    "allowed": "User <code>{user_id}</code> may now use the bot.",
    "denied": "User <code>{user_id}</code> may no longer use the bot.",
    "minutes": "{n} min",
    "seconds": "{n} s",
}

FR: dict[str, str] = {
    **EN,
    "welcome": (
        "<b>Rasd</b> surveille les sites d’information pour vous et vous alerte dès qu’un "
        "article mentionne ce que vous suivez : une personne, un lieu, un sujet, en arabe, "
        "en français ou en anglais.\n\n{help}"
    ),
    "help": (
        "<b>Commandes</b>\n"
        "/subscribe <i>requête</i> (ou /sub) — suivre un nom ou un sujet, p. ex. "
        "<code>/subscribe الهجرة</code> ou <code>/sub Bruno Retailleau</code>\n"
        "/test <i>requête</i> — ce qu’une requête aurait trouvé récemment, avant de s’abonner\n"
        "/list — vos abonnements, avec des boutons pour les retirer\n"
        "/unsubscribe <i>N</i> — retirer l’abonnement numéro N de /list\n"
        "/unmute <i>N</i> — réactiver un abonnement mis en sourdine par le bouton 🔕 d’une alerte\n"
        "/settings — chaque alerte aussitôt, résumés horaires ou quotidiens, heures calmes\n"
        "/pause, /resume — suspendre et reprendre toutes les alertes de ce chat\n"
        "/language ar|fr|en — la langue du bot\n"
        "/help — ce message\n\n"
        "Dans un groupe, seuls ses administrateurs modifient abonnements et réglages ; un "
        "abonnement pris dans un sujet de forum alerte ce sujet."
    ),
    "help_admin": (
        "\n\n<b>Administration</b>\n"
        "/addsource <i>URL</i> [nom] — ajouter un flux, une page d’un site, un sitemap ou une chaîne t.me\n"
        "/sources — toutes les sources et leur état\n"
        "/removesource <i>ID</i>, /pausesource <i>ID</i>, /resumesource <i>ID</i>\n"
        "/interval <i>ID</i> <i>MINUTES</i> — fréquence de consultation d’une source\n"
        "/fulltext <i>ID</i> on|off — lire la page de chaque article pour son texte intégral\n"
        "/selector <i>ID</i> <i>CSS</i> — quels liens d’une page de liste sont des articles\n"
        "/importopml (légende d’un fichier .opml, ou en réponse à celui-ci), /exportopml\n"
        "/allow <i>USER_ID</i>, /deny <i>USER_ID</i> — qui peut utiliser le bot\n"
        "/alias <i>A = B = C</i> — graphies d’un même nom, pour toutes les requêtes ; "
        "/aliases les liste, /unalias <i>ID</i> en retire une"
    ),
    "query_help": (
        "\n\n<b>Requêtes</b> : tous les mots doivent figurer, dans n’importe quel ordre ; "
        '<code>"expression exacte"</code> ; <code>OR</code>, <code>NOT</code> ou '
        "<code>-mot</code>, parenthèses ; <code>title:mot</code> pour le titre ; "
        "<code>a NEAR/3 b</code>. Variantes d’orthographe, préfixes arabes, accents et fautes "
        "de frappe dans les noms longs sont pris en compte."
    ),
    "cmd_start": "Démarrer et présentation",
    "cmd_help": "Commandes",
    "cmd_subscribe": "Suivre un nom ou un sujet",
    "cmd_test": "Essayer une requête",
    "cmd_list": "Vos abonnements",
    "cmd_unsubscribe": "Retirer un abonnement",
    "cmd_pause": "Suspendre les alertes",
    "cmd_resume": "Reprendre les alertes",
    "cmd_language": "Changer de langue",
    "private": (
        "Ce bot est privé. Demandez l’accès à son administrateur en indiquant votre "
        "identifiant : <code>{user_id}</code>."
    ),
    "unknown_command": "Je ne connais pas cette commande. /help liste ce que je sais faire.",
    "not_a_command": (
        "Pour suivre un sujet, envoyez <code>/subscribe</code> suivi du sujet, par exemple "
        "<code>/subscribe {text}</code>."
    ),
    "subscribe_usage": (
        "Indiquez ce qu’il faut suivre après la commande, par exemple :\n"
        "<code>/subscribe عبد الوافي لفتيت</code>\n<code>/subscribe Bruno Retailleau</code>"
    ),
    "subscribed": "✅ Abonnement (n° {number}) : <b>{query}</b>\nCompris comme : <code>{understood}</code>\n{recent}",
    "test_usage": "Indiquez la requête à essayer, p. ex. <code>/test Bruno Retailleau</code>",
    "test_result": "Compris comme : <code>{understood}</code>\n{recent}",
    "alias_added": "✅ Alias n° {id} : {entries}. Toutes les requêtes trouvent désormais ces graphies.",
    "aliases_empty": "Aucun alias. Ajoutez-en un avec <code>/alias Laftit = لفتيت</code>.",
    "alias_removed": "🗑 Alias n° {id} supprimé.",
    "no_such_alias": "Il n’y a pas d’alias n° {id}. Voir /aliases.",
    "already_subscribed": "Vous suivez déjà <b>{query}</b>.",
    "too_many": "Vous avez atteint la limite de {limit} abonnements. Retirez-en un avec /list.",
    "bad_query": "⚠️ Je n’ai pas compris cette requête : {reason}",
    "bad_query_at": "⚠️ Je n’ai pas compris cette requête : {reason}\n<code>{marked}</code>",
    "list_empty": "Vous ne suivez rien pour l’instant. Essayez <code>/subscribe الهجرة</code>.",
    "list_header": "<b>Vos abonnements</b>{paused}",
    "list_paused": " (alertes suspendues : /resume)",
    "unsubscribe_usage": "Indiquez le numéro affiché par /list, p. ex. <code>/unsubscribe 2</code>.",
    "unsubscribed": "🗑 Retiré : <b>{query}</b>",
    "no_such_subscription": "Il n’y a pas d’abonnement numéro {number}. Voir /list.",
    "removed_button": "Retiré",
    "gone_button": "Déjà retiré",
    "paused": "⏸ Alertes suspendues. /resume les relance.",
    "resumed": "▶️ Alertes reprises.",
    "language_usage": "Choisissez : <code>/language ar</code>, <code>fr</code> ou <code>en</code>.",
    "language_set": "Langue : français.",
    "admin_only": "Désolé, seuls les administrateurs du bot peuvent faire cela.",
    "addsource_usage": "Usage : <code>/addsource URL [nom]</code>",
    "addsource_checking": "Récupération de {url} …",
    "addsource_failed": "⚠️ Impossible d’ajouter {url} : {reason}",
    "source_exists": "Cette source existe déjà : n° {id} <b>{name}</b>.",
    "sources_empty": "Aucune source. Ajoutez-en une avec /addsource URL.",
    "never": "jamais",
    "no_such_source": "Il n’y a pas de source n° {id}. Voir /sources.",
    "source_removed": "🗑 Source n° {id} supprimée.",
    "source_paused": "⏸ Source n° {id} <b>{name}</b> suspendue.",
    "source_resumed": "▶️ Source n° {id} <b>{name}</b> reprise.",
    "interval_set": "La source n° {id} <b>{name}</b> est désormais consultée toutes les {interval}.",
    "interval_too_short": "L’intervalle minimal autorisé est de {minimum}.",
    "user_usage": "Usage : <code>/{command} USER_ID</code> (un nombre)",
    "allowed": "L’utilisateur <code>{user_id}</code> peut désormais utiliser le bot.",
    "denied": "L’utilisateur <code>{user_id}</code> ne peut plus utiliser le bot.",
}

AR: dict[str, str] = {
    **EN,
    "welcome": (
        "<b>رصد</b> يتابع المواقع الإخبارية نيابة عنك ويرسل لك تنبيها فور نشر مقال يذكر ما "
        "تتابعه: شخصا أو مكانا أو موضوعا، بالعربية أو الفرنسية أو الإنجليزية.\n\n{help}"
    ),
    "help": (
        "<b>الأوامر</b>\n"
        "/subscribe <i>استعلام</i> (أو /sub) — متابعة اسم أو موضوع، مثلا "
        "<code>/subscribe الهجرة</code> أو <code>/sub Bruno Retailleau</code>\n"
        "/test <i>استعلام</i> — ما كان الاستعلام سيجده مؤخرا، قبل الاشتراك\n"
        "/list — اشتراكاتك، مع أزرار لحذفها\n"
        "/unsubscribe <i>N</i> — حذف الاشتراك رقم N من /list\n"
        "/unmute <i>N</i> — إعادة تفعيل اشتراك كُتم عبر زر 🔕 في تنبيه\n"
        "/settings — كل تنبيه فورا، أو ملخصات كل ساعة أو كل يوم، وساعات الهدوء\n"
        "/pause و /resume — إيقاف كل التنبيهات في هذه المحادثة واستئنافها\n"
        "/language ar|fr|en — لغة البوت\n"
        "/help — هذه الرسالة\n\n"
        "في المجموعات، يغيّر المشرفون وحدهم الاشتراكات والإعدادات؛ والاشتراك من موضوع في "
        "منتدى ينبّه ذلك الموضوع."
    ),
    "help_admin": (
        "\n\n<b>الإدارة</b>\n"
        "/addsource <i>URL</i> [اسم] — إضافة خلاصة أو صفحة موقع أو خريطة موقع أو قناة t.me\n"
        "/sources — كل المصادر وحالتها\n"
        "/removesource <i>ID</i> و /pausesource <i>ID</i> و /resumesource <i>ID</i>\n"
        "/interval <i>ID</i> <i>دقائق</i> — وتيرة تفقد المصدر\n"
        "/fulltext <i>ID</i> on|off — جلب صفحة كل مقال لنصه الكامل\n"
        "/selector <i>ID</i> <i>CSS</i> — أي روابط صفحة القائمة هي مقالات\n"
        "/importopml (تعليق على ملف ‎.opml أو ردا عليه)، /exportopml\n"
        "/allow <i>USER_ID</i> و /deny <i>USER_ID</i> — من يحق له استعمال البوت\n"
        "/alias <i>A = B = C</i> — كتابات مختلفة لاسم واحد، لكل الاستعلامات؛ "
        "/aliases تعرضها و /unalias <i>ID</i> تحذف إحداها"
    ),
    "query_help": (
        "\n\n<b>الاستعلامات</b>: يجب أن ترد كل الكلمات، بأي ترتيب؛ "
        '<code>"عبارة بعينها"</code>؛ <code>OR</code> و <code>NOT</code> أو <code>-كلمة</code>، '
        "والأقواس؛ <code>title:كلمة</code> للعنوان؛ <code>a NEAR/3 b</code>. "
        "تراعى اختلافات الكتابة والسوابق (و، ب، ال...) والتشكيل والأخطاء في الأسماء الطويلة."
    ),
    "cmd_start": "البدء والتعريف",
    "cmd_help": "الأوامر",
    "cmd_subscribe": "متابعة اسم أو موضوع",
    "cmd_test": "تجربة استعلام",
    "cmd_list": "اشتراكاتك",
    "cmd_unsubscribe": "حذف اشتراك",
    "cmd_pause": "إيقاف التنبيهات",
    "cmd_resume": "استئناف التنبيهات",
    "cmd_language": "تغيير اللغة",
    "private": (
        "هذا البوت خاص. اطلب من المشرف عليه منحك حق الاستعمال مع ذكر معرفك: <code>{user_id}</code>."
    ),
    "unknown_command": "لا أعرف هذا الأمر. يعرض /help ما يمكنني فعله.",
    "not_a_command": (
        "لمتابعة موضوع، أرسل <code>/subscribe</code> متبوعا به، مثلا "
        "<code>/subscribe {text}</code>."
    ),
    "subscribe_usage": (
        "اكتب ما تريد متابعته بعد الأمر، مثلا:\n"
        "<code>/subscribe عبد الوافي لفتيت</code>\n<code>/subscribe Bruno Retailleau</code>"
    ),
    "subscribed": "✅ تم الاشتراك (رقم {number}): <b>{query}</b>\nفُهم على أنه: <code>{understood}</code>\n{recent}",
    "test_usage": "اكتب الاستعلام المراد تجربته، مثلا <code>/test عبد الوافي لفتيت</code>",
    "test_result": "فُهم على أنه: <code>{understood}</code>\n{recent}",
    "alias_added": "✅ الاسم البديل رقم {id}: {entries}. كل الاستعلامات تجد هذه الكتابات الآن.",
    "aliases_empty": "لا توجد أسماء بديلة بعد. أضف واحدا عبر <code>/alias Laftit = لفتيت</code>.",
    "aliases_header": "<b>الأسماء البديلة</b>",
    "alias_removed": "🗑 حُذف الاسم البديل رقم {id}.",
    "no_such_alias": "لا يوجد اسم بديل رقم {id}. انظر /aliases.",
    "already_subscribed": "أنت تتابع <b>{query}</b> من قبل.",
    "too_many": "بلغت الحد الأقصى وهو {limit} اشتراكا. احذف واحدا عبر /list.",
    "bad_query": "⚠️ لم أفهم هذا الاستعلام: {reason}",
    "bad_query_at": "⚠️ لم أفهم هذا الاستعلام: {reason}\n<code>{marked}</code>",
    "list_empty": "لا تتابع أي شيء بعد. جرّب <code>/subscribe الهجرة</code>.",
    "list_header": "<b>اشتراكاتك</b>{paused}",
    "list_paused": " (التنبيهات متوقفة: /resume)",
    "unsubscribe_usage": "اذكر الرقم الظاهر في /list، مثلا <code>/unsubscribe 2</code>.",
    "unsubscribed": "🗑 تم الحذف: <b>{query}</b>",
    "no_such_subscription": "لا يوجد اشتراك رقم {number}. انظر /list.",
    "removed_button": "تم الحذف",
    "gone_button": "محذوف من قبل",
    "paused": "⏸ أوقفت التنبيهات. يعيد /resume تشغيلها.",
    "resumed": "▶️ استؤنفت التنبيهات.",
    "language_usage": "اختر: <code>/language ar</code> أو <code>fr</code> أو <code>en</code>.",
    "language_set": "اللغة: العربية.",
    "admin_only": "عذرا، هذا الأمر خاص بمشرفي البوت.",
    "addsource_usage": "الاستعمال: <code>/addsource URL [اسم]</code>",
    "addsource_checking": "جار جلب {url} …",
    "addsource_failed": "⚠️ تعذرت إضافة {url}: {reason}",
    "source_exists": "هذا المصدر موجود من قبل: رقم {id} <b>{name}</b>.",
    "sources_empty": "لا توجد مصادر بعد. أضف واحدا عبر /addsource URL.",
    "sources_header": "<b>المصادر</b>",
    "never": "أبدا",
    "no_such_source": "لا يوجد مصدر رقم {id}. انظر /sources.",
    "source_removed": "🗑 حُذف المصدر رقم {id}.",
    "source_paused": "⏸ أوقف المصدر رقم {id} <b>{name}</b>.",
    "source_resumed": "▶️ استؤنف المصدر رقم {id} <b>{name}</b>.",
    "interval_set": "يُتفقد المصدر رقم {id} <b>{name}</b> الآن كل {interval}.",
    "interval_too_short": "أقصر فاصل مسموح به هو {minimum}.",
    "user_usage": "الاستعمال: <code>/{command} USER_ID</code> (رقم)",
    "allowed": "يمكن للمستخدم <code>{user_id}</code> الآن استعمال البوت.",
    "denied": "لم يعد بإمكان المستخدم <code>{user_id}</code> استعمال البوت.",
    "minutes": "{n} دقيقة",
    "seconds": "{n} ثانية",
}
