"""The services every handler may reach, as one typed bundle.

Built once in the composition root (``bot.app``) and given to the dispatcher as the workflow
datum ``services``: a handler takes ``services: Services`` and uses the parts it needs.
Frozen: a handler never swaps a service for the next update.
"""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from bot.access import AccessPolicy
from bot.services.aliases import AliasService
from bot.services.archive import ArchiveSearch
from bot.services.chats import ChatService
from bot.services.search import SearchService
from bot.services.sources import SourceService
from bot.services.stats import StatsService
from bot.services.subscriptions import SubscriptionService


@dataclass(frozen=True, slots=True)
class Services:
    chats: ChatService
    subscriptions: SubscriptionService
    sources: SourceService
    aliases: AliasService
    stats: StatsService
    archive: ArchiveSearch  # search over every stored article (the archive index)
    search: SearchService  # /search and its page buttons
    access: AccessPolicy
    zone: ZoneInfo  # the bot's zone: times in replies are shown in it
