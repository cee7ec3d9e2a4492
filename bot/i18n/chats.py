"""Texts for chats, in English, French and Arabic (same keys in each)."""

from __future__ import annotations

EN: dict[str, str] = {
    "cmd_settings": "Alert mode, digests and quiet hours",
}
FR: dict[str, str] = {
    "cmd_settings": "Mode d’alerte, résumés et heures calmes",
}
AR: dict[str, str] = {
    "cmd_settings": "طريقة التنبيه والملخصات وساعات الهدوء",
}
