"""The in-memory index of every subscription, kept in step with storage."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from bot.matching import (
    Aliases,
    CompiledQuery,
    Document,
    MatchIndex,
    QueryError,
    QueryLimits,
    Span,
    compile_query,
)

log = logging.getLogger(__name__)


@dataclass(slots=True)
class ChatMatch:
    subscription_ids: list[int] = field(default_factory=list)
    spans: list[Span] = field(default_factory=list)


class SubscriptionIndex:
    """Maps each article to the chats whose subscriptions it matches."""

    def __init__(self, limits: QueryLimits, aliases: Aliases | None = None) -> None:
        self.limits = limits
        self._aliases = aliases or Aliases()
        self._index: MatchIndex[int] = MatchIndex(aliases=self._aliases)
        self._chat_of: dict[int, int] = {}

    def __len__(self) -> int:
        return len(self._chat_of)

    @property
    def aliases(self) -> Aliases:
        return self._aliases

    def compile(self, query: str) -> CompiledQuery:
        """Parse a query with the current aliases; raises QueryError."""
        return compile_query(query, self.limits, aliases=self._aliases)

    def set_aliases(self, aliases: Aliases) -> None:
        self._aliases = aliases
        self._index.set_aliases(aliases)

    def add(self, subscription_id: int, chat_id: int, query: str) -> None:
        try:
            compiled = self.compile(query)
        except QueryError as exc:
            log.warning("subscription %d is not a valid query (%s); skipped", subscription_id, exc)
            return
        self._index.add(subscription_id, compiled)
        self._chat_of[subscription_id] = chat_id

    def remove(self, subscription_id: int) -> None:
        self._index.remove(subscription_id)
        self._chat_of.pop(subscription_id, None)

    def match(self, doc: Document) -> dict[int, ChatMatch]:
        by_chat: dict[int, ChatMatch] = {}
        for subscription_id, spans in sorted(self._index.match(doc).items()):
            found = by_chat.setdefault(self._chat_of[subscription_id], ChatMatch())
            found.subscription_ids.append(subscription_id)
            found.spans.extend(span for span in spans if span not in found.spans)
        return by_chat
