"""Texts for sources, in English, French and Arabic (same keys in each)."""

from __future__ import annotations

EN: dict[str, str] = {
    "cmd_importopml": "Import sources from an OPML file",
    "cmd_exportopml": "Export the sources as OPML",
    "cmd_fulltext": "Fetch full article text for a source (on/off)",
    "cmd_selector": "CSS selector for a listing page",
}
FR: dict[str, str] = {
    "cmd_importopml": "Importer des sources (fichier OPML)",
    "cmd_exportopml": "Exporter les sources en OPML",
    "cmd_fulltext": "Texte intégral des articles d’une source (on/off)",
    "cmd_selector": "Sélecteur CSS d’une page de liste",
}
AR: dict[str, str] = {
    "cmd_importopml": "استيراد مصادر من ملف OPML",
    "cmd_exportopml": "تصدير المصادر بصيغة OPML",
    "cmd_fulltext": "جلب النص الكامل لمقالات مصدر (on/off)",
    "cmd_selector": "محدد CSS لصفحة قائمة",
}
