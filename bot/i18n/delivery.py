"""Texts for delivery, in English, French and Arabic (same keys in each)."""

from __future__ import annotations

EN: dict[str, str] = {
    "cmd_stats": "Delivery and usage figures",
}
FR: dict[str, str] = {
    "cmd_stats": "Chiffres d’envoi et d’usage",
}
AR: dict[str, str] = {
    "cmd_stats": "أرقام الإرسال والاستعمال",
}
