"""The in-memory index of every subscription, kept in step with storage."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field

from bot.matching import (
    Aliases,
    AnalyzedDocument,
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
        self._rebuilding = asyncio.Lock()
        self._touched: set[int] | None = None  # ids added or removed during a rebuild

    def __len__(self) -> int:
        return len(self._destination_of)

    @property
    def aliases(self) -> Aliases:
        return self._aliases

    def compile(self, query: str) -> CompiledQuery:
        """Parse a query with the current aliases; raises QueryError."""
        return compile_query(query, self.limits, aliases=self._aliases)

    def set_aliases(self, aliases: Aliases) -> None:
        """Recompile every subscription here and now (blocks: see ``use_aliases``)."""
        self._aliases = aliases
        self._index.set_aliases(aliases)

    async def use_aliases(self, aliases: Aliases) -> None:
        """Recompile every subscription against new alias groups in a worker thread (seconds
        with tens of thousands of them) while this index keeps matching, then swap the new
        one in; subscriptions added or removed meanwhile are replayed onto it."""
        async with self._rebuilding:
            self._touched = set()
            try:
                snapshot = {key: query for key in self._index if (query := self._index.get(key))}
                rebuilt = await asyncio.to_thread(_compiled, snapshot, aliases)
                for key in self._touched:
                    query = self._index.get(key)
                    if query is None:
                        rebuilt.remove(key)
                    else:
                        rebuilt.add(key, query)
            finally:
                self._touched = None
            self._index, self._aliases = rebuilt, aliases

    def add(self, subscription_id: int, chat_id: int, query: str, thread_id: int = 0) -> None:
        try:
            compiled = self.compile(query)
        except QueryError as exc:
            log.warning("subscription %d is not a valid query (%s); skipped", subscription_id, exc)
            return
        self._index.add(subscription_id, compiled)
        self._destination_of[subscription_id] = (chat_id, thread_id)
        if self._touched is not None:
            self._touched.add(subscription_id)

    def remove(self, subscription_id: int) -> None:
        self._index.remove(subscription_id)
        self._destination_of.pop(subscription_id, None)
        if self._touched is not None:
            self._touched.add(subscription_id)

    def match_subscriptions(self, doc: Document) -> dict[int, list[Span]]:
        """Every matching subscription with its spans."""
        return self.match_analyzed(AnalyzedDocument(doc))

    def match_analyzed(self, doc: AnalyzedDocument) -> dict[int, list[Span]]:
        """``match_subscriptions`` of an article already analysed."""
        return {
            subscription_id: list(spans)
            for subscription_id, spans in self._index.match_analyzed(doc).items()
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


def _compiled(queries: dict[int, CompiledQuery], aliases: Aliases) -> MatchIndex[int]:
    """A new index of ``queries`` recompiled against ``aliases`` (in a worker thread)."""
    index: MatchIndex[int] = MatchIndex(aliases=aliases)
    for key, query in queries.items():
        index.add(key, query)
    return index
