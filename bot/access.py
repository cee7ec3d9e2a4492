"""Who may use the bot: everyone (open) or an allowlist; admins always may."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True, slots=True)
class AccessPolicy:
    mode: Literal["open", "allowlist"]
    admins: frozenset[int]
    allowed: frozenset[int]

    def is_admin(self, user_id: int) -> bool:
        return user_id in self.admins

    def allows(self, user_id: int, *, allowed_in_db: bool) -> bool:
        if self.mode == "open" or user_id in self.admins or user_id in self.allowed:
            return True
        return allowed_in_db
