"""Texts for sources, in English, French and Arabic (same keys in each)."""

from __future__ import annotations

EN: dict[str, str] = {}
FR: dict[str, str] = {}
AR: dict[str, str] = {}
