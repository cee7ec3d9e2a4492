"""Stats commands (being built)."""

from __future__ import annotations

from aiogram import Router


def build_router() -> Router:
    """A fresh router: aiogram attaches a router to one dispatcher only."""
    return Router(name="stats")
