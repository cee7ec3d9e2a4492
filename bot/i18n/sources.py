"""Texts for sources, in English, French and Arabic (same keys in each)."""

from __future__ import annotations

EN: dict[str, str] = {
    "cmd_importopml": "Import sources from an OPML file",
    "cmd_exportopml": "Export the sources as OPML",
    "cmd_fulltext": "Fetch full article text for a source (on/off)",
    "cmd_selector": "CSS selector for a listing page",
    "kind_feed": "feed",
    "kind_sitemap": "news sitemap",
    "kind_html": "HTML listing",
    "kind_telegram": "Telegram channel",
    "addsource_ok": (
        "✅ Source #{id} <b>{name}</b> added as a <b>{kind}</b>: {count} items{discovered}.\n"
        "Polled every {interval}{fulltext}."
    ),
    "addsource_discovered": " (found on the page: {feed})",
    "addsource_fulltext": "; the full text of each new article is fetched",
    "source_line": (
        "{health} #{id} <b>{name}</b> · {kind}{fulltext}\n"
        "  every {interval} · last ok: {last_ok} · next: {next} · {count} items{error}"
    ),
    "source_fulltext_mark": " · full text",
    "source_selector": "\n  selector: <code>{selector}</code>",
    "source_error": "\n  ⚠️ {error} ({errors}×)",
    "source_unhealthy": "\n  ⛔ failing since {since}",
    "fulltext_usage": "Usage: <code>/fulltext ID on</code> or <code>/fulltext ID off</code>",
    "fulltext_on": "📰 Source #{id} <b>{name}</b>: the full text of each new article will be fetched.",
    "fulltext_off": "Source #{id} <b>{name}</b>: alerts use the feed's summary only.",
    "selector_usage": (
        "Usage: <code>/selector ID CSS</code> (e.g. <code>/selector 3 h2.title a</code>), "
        "or <code>/selector ID -</code> to go back to automatic detection"
    ),
    "selector_not_html": "Source #{id} is a {kind}; selectors only apply to HTML listings.",
    "selector_set": "✅ Source #{id} <b>{name}</b>: the selector finds {count} article links.",
    "selector_cleared": "Source #{id} <b>{name}</b>: article links are detected automatically ({count} found).",
    "selector_failed": "⚠️ Selector not changed: {reason}",
    "importopml_usage": (
        "Send an .opml file with the caption <code>/importopml</code>, "
        "or answer such a file with <code>/importopml</code>."
    ),
    "importopml_bad": "⚠️ Could not read that OPML file: {reason}",
    "importopml_started": "Importing {count} feeds …",
    "importopml_done": "OPML import: {added} added, {existing} already there, {failed} failed.",
    "importopml_failure": "\n• {url}: {reason}",
    "exportopml_caption": "{count} sources",
    "notice_source_unhealthy": (
        "⛔ Source #{id} <b>{name}</b> has failed {errors} times in a row: {error}\n"
        "Rasd keeps trying, less and less often. See /sources."
    ),
    "notice_source_recovered": "✅ Source #{id} <b>{name}</b> works again (it was failing since {since}).",
}
FR: dict[str, str] = {
    "cmd_importopml": "Importer des sources (fichier OPML)",
    "cmd_exportopml": "Exporter les sources en OPML",
    "cmd_fulltext": "Texte intégral des articles d’une source (on/off)",
    "cmd_selector": "Sélecteur CSS d’une page de liste",
    "kind_feed": "flux",
    "kind_sitemap": "sitemap d’actualités",
    "kind_html": "page de liste HTML",
    "kind_telegram": "chaîne Telegram",
    "addsource_ok": (
        "✅ Source n° {id} <b>{name}</b> ajoutée comme <b>{kind}</b> : {count} articles{discovered}.\n"
        "Consultée toutes les {interval}{fulltext}."
    ),
    "addsource_discovered": " (trouvé sur la page : {feed})",
    "addsource_fulltext": " ; le texte intégral de chaque nouvel article est récupéré",
    "source_line": (
        "{health} #{id} <b>{name}</b> · {kind}{fulltext}\n"
        "  toutes les {interval} · dernier succès : {last_ok} · prochaine : {next} · "
        "{count} articles{error}"
    ),
    "source_fulltext_mark": " · texte intégral",
    "source_selector": "\n  sélecteur : <code>{selector}</code>",
    "source_error": "\n  ⚠️ {error} ({errors}×)",
    "source_unhealthy": "\n  ⛔ en échec depuis {since}",
    "fulltext_usage": "Usage : <code>/fulltext ID on</code> ou <code>/fulltext ID off</code>",
    "fulltext_on": "📰 Source n° {id} <b>{name}</b> : le texte intégral de chaque nouvel article sera récupéré.",
    "fulltext_off": "Source n° {id} <b>{name}</b> : les alertes n’utilisent que le résumé du flux.",
    "selector_usage": (
        "Usage : <code>/selector ID CSS</code> (p. ex. <code>/selector 3 h2.title a</code>), "
        "ou <code>/selector ID -</code> pour revenir à la détection automatique"
    ),
    "selector_not_html": "La source n° {id} est un(e) {kind} ; les sélecteurs ne s’appliquent qu’aux pages de liste HTML.",
    "selector_set": "✅ Source n° {id} <b>{name}</b> : le sélecteur trouve {count} liens d’articles.",
    "selector_cleared": "Source n° {id} <b>{name}</b> : liens d’articles détectés automatiquement ({count} trouvés).",
    "selector_failed": "⚠️ Sélecteur inchangé : {reason}",
    "importopml_usage": (
        "Envoyez un fichier .opml avec la légende <code>/importopml</code>, "
        "ou répondez à un tel fichier par <code>/importopml</code>."
    ),
    "importopml_bad": "⚠️ Impossible de lire ce fichier OPML : {reason}",
    "importopml_started": "Import de {count} flux …",
    "importopml_done": "Import OPML : {added} ajoutés, {existing} déjà présents, {failed} en échec.",
    "importopml_failure": "\n• {url} : {reason}",
    "exportopml_caption": "{count} sources",
    "notice_source_unhealthy": (
        "⛔ La source n° {id} <b>{name}</b> a échoué {errors} fois de suite : {error}\n"
        "Rasd réessaie, de moins en moins souvent. Voir /sources."
    ),
    "notice_source_recovered": "✅ La source n° {id} <b>{name}</b> fonctionne de nouveau (en échec depuis {since}).",
}
AR: dict[str, str] = {
    "cmd_importopml": "استيراد مصادر من ملف OPML",
    "cmd_exportopml": "تصدير المصادر بصيغة OPML",
    "cmd_fulltext": "جلب النص الكامل لمقالات مصدر (on/off)",
    "cmd_selector": "محدد CSS لصفحة قائمة",
    "kind_feed": "خلاصة",
    "kind_sitemap": "خريطة أخبار",
    "kind_html": "صفحة قائمة HTML",
    "kind_telegram": "قناة تيليغرام",
    "addsource_ok": (
        "✅ أضيف المصدر رقم {id} <b>{name}</b> بصفته <b>{kind}</b>: {count} عنصرا{discovered}.\n"
        "يُتفقد كل {interval}{fulltext}."
    ),
    "addsource_discovered": " (وُجد في الصفحة: {feed})",
    "addsource_fulltext": "؛ ويُجلب النص الكامل لكل مقال جديد",
    "source_line": (
        "{health} #{id} <b>{name}</b> · {kind}{fulltext}\n"
        "  كل {interval} · آخر نجاح: {last_ok} · التالي: {next} · {count} عنصرا{error}"
    ),
    "source_fulltext_mark": " · نص كامل",
    "source_selector": "\n  المحدد: <code>{selector}</code>",
    "source_error": "\n  ⚠️ {error} ({errors}×)",
    "source_unhealthy": "\n  ⛔ يفشل منذ {since}",
    "fulltext_usage": "الاستعمال: <code>/fulltext ID on</code> أو <code>/fulltext ID off</code>",
    "fulltext_on": "📰 المصدر رقم {id} <b>{name}</b>: سيُجلب النص الكامل لكل مقال جديد.",
    "fulltext_off": "المصدر رقم {id} <b>{name}</b>: تعتمد التنبيهات على ملخص الخلاصة فقط.",
    "selector_usage": (
        "الاستعمال: <code>/selector ID CSS</code> (مثلا <code>/selector 3 h2.title a</code>)، "
        "أو <code>/selector ID -</code> للعودة إلى الكشف التلقائي"
    ),
    "selector_not_html": "المصدر رقم {id} من نوع {kind}؛ المحددات خاصة بصفحات القوائم HTML.",
    "selector_set": "✅ المصدر رقم {id} <b>{name}</b>: يجد المحدد {count} رابط مقال.",
    "selector_cleared": "المصدر رقم {id} <b>{name}</b>: تُكشف روابط المقالات تلقائيا ({count} رابطا).",
    "selector_failed": "⚠️ لم يتغير المحدد: {reason}",
    "importopml_usage": (
        "أرسل ملف ‎.opml مع التعليق <code>/importopml</code>، "
        "أو رد على ملف كهذا بـ <code>/importopml</code>."
    ),
    "importopml_bad": "⚠️ تعذرت قراءة ملف OPML هذا: {reason}",
    "importopml_started": "جار استيراد {count} خلاصة …",
    "importopml_done": "استيراد OPML: أضيف {added}، و{existing} موجودة من قبل، وفشل {failed}.",
    "importopml_failure": "\n• {url}: {reason}",
    "exportopml_caption": "{count} مصدرا",
    "notice_source_unhealthy": (
        "⛔ فشل المصدر رقم {id} <b>{name}</b> {errors} مرات متتالية: {error}\n"
        "يواصل رصد المحاولة بوتيرة أبطأ فأبطأ. انظر /sources."
    ),
    "notice_source_recovered": "✅ عاد المصدر رقم {id} <b>{name}</b> إلى العمل (كان يفشل منذ {since}).",
}
