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


Destination = tuple[int, int]  # (chat_id, thread_id); thread 0 = the chat itself


class SubscriptionIndex:
    """Maps each article to the destinations (chat, forum topic) whose subscriptions match."""

    def __init__(self, limits: QueryLimits, aliases: Aliases | None = None) -> None:
        self.limits = limits
        self._aliases = aliases or Aliases()
        self._index: MatchIndex[int] = MatchIndex(aliases=self._aliases)
        self._destination_of: dict[int, Destination] = {}

    def __len__(self) -> int:
        return len(self._destination_of)

    @property
    def aliases(self) -> Aliases:
        return self._aliases

    def compile(self, query: str) -> CompiledQuery:
        """Parse a query with the current aliases; raises QueryError."""
        return compile_query(query, self.limits, aliases=self._aliases)

    def set_aliases(self, aliases: Aliases) -> None:
        self._aliases = aliases
        self._index.set_aliases(aliases)

    def add(self, subscription_id: int, chat_id: int, query: str, thread_id: int = 0) -> None:
        try:
            compiled = self.compile(query)
        except QueryError as exc:
            log.warning("subscription %d is not a valid query (%s); skipped", subscription_id, exc)
            return
        self._index.add(subscription_id, compiled)
        self._destination_of[subscription_id] = (chat_id, thread_id)

    def remove(self, subscription_id: int) -> None:
        self._index.remove(subscription_id)
        self._destination_of.pop(subscription_id, None)

    def match_subscriptions(self, doc: Document) -> dict[int, list[Span]]:
        """Every matching subscription with its spans."""
        return {
            subscription_id: list(spans)
            for subscription_id, spans in self._index.match(doc).items()
            if subscription_id in self._destination_of
        }

    def group(self, found: dict[int, list[Span]]) -> dict[Destination, ChatMatch]:
        """Subscriptions' matches merged per destination (ids ascending, spans once)."""
        by_destination: dict[Destination, ChatMatch] = {}
        for subscription_id, spans in sorted(found.items()):
            destination = self._destination_of.get(subscription_id)
            if destination is None:
                continue
            merged = by_destination.setdefault(destination, ChatMatch())
            merged.subscription_ids.append(subscription_id)
            merged.spans.extend(span for span in spans if span not in merged.spans)
        return by_destination

    def match(self, doc: Document) -> dict[Destination, ChatMatch]:
        """The destinations whose subscriptions match ``doc``."""
        return self.group(self.match_subscriptions(doc))
