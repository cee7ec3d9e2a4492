"""Tables. Every change to them goes through a new Alembic migration in migrations/versions."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from bot.storage.types import StrEnumColumn, UTCDateTime


class Base(DeclarativeBase):
    pass


class Chat(Base):
    __tablename__ = "chats"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    title: Mapped[str] = mapped_column(String(255), default="")
    language: Mapped[str] = mapped_column(String(8))
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    allowed: Mapped[bool] = mapped_column(Boolean, default=False)
    blocked: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # private | group | supergroup | channel
    kind: Mapped[str] = mapped_column(String(16), default="private")
    # immediate | hourly | daily (digests)
    mode: Mapped[str] = mapped_column(String(16), default="immediate")
    digest_time: Mapped[str] = mapped_column(String(5), default="08:00", doc="HH:MM local")
    quiet_start: Mapped[str | None] = mapped_column(String(5), default=None, doc="HH:MM local")
    quiet_end: Mapped[str | None] = mapped_column(String(5), default=None, doc="HH:MM local")
    last_digest_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    # The deliverer (a worker id) that alone sends to this chat until ``delivery_until``.
    delivery_owner: Mapped[str | None] = mapped_column(String(64), default=None)
    delivery_until: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


class Subscription(Base):
    __tablename__ = "subscriptions"
    __table_args__ = (
        UniqueConstraint("chat_id", "thread_id", "query", name="uq_subscriptions_chat_query"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("chats.id", ondelete="CASCADE"), index=True
    )
    query: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The forum topic alerts go to; 0 for the chat itself.
    thread_id: Mapped[int] = mapped_column(BigInteger, default=0)
    # No alerts before this moment; None = not muted.
    muted_until: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    # The Telegram user who made it (the per-person cap); None: unknown (an anonymous group
    # admin, the console, a group's subscription made before revision 0005).
    created_by: Mapped[int | None] = mapped_column(BigInteger, default=None, index=True)


class Source(Base):
    __tablename__ = "sources"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(Text)
    feed_url: Mapped[str] = mapped_column(Text, unique=True)
    name: Mapped[str] = mapped_column(String(255))
    interval_seconds: Mapped[float] = mapped_column()
    etag: Mapped[str | None] = mapped_column(Text, default=None)
    last_modified: Mapped[str | None] = mapped_column(Text, default=None)
    next_poll_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    last_polled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    error_count: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    from_config: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # feed (RSS/Atom/RDF/JSON Feed) | sitemap | html (listing page) | telegram (t.me/s/...)
    kind: Mapped[str] = mapped_column(String(16), default="feed")
    # CSS selector for article links on an html listing page; None = heuristics.
    selector: Mapped[str | None] = mapped_column(Text, default=None)
    # Fetch each article's page and extract its main text.
    full_text: Mapped[bool] = mapped_column(Boolean, default=False)
    # Set when the source crosses polling.unhealthy_after consecutive errors (admins told once).
    unhealthy_since: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    # The poller (a worker id) polling this source now; the claim lapses at ``lease_until``.
    lease_owner: Mapped[str | None] = mapped_column(String(64), default=None)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)

    def polled_ok(self, now: datetime, etag: str | None, last_modified: str | None) -> None:
        """Record a successful poll: clear the error state, schedule the next one."""
        self.etag, self.last_modified = etag, last_modified
        self.last_polled_at = self.last_success_at = now
        self.error_count = 0
        self.last_error = None
        self.next_poll_at = now + timedelta(seconds=self.interval_seconds)


class Article(Base):
    __tablename__ = "articles"
    __table_args__ = (UniqueConstraint("source_id", "guid", name="uq_articles_source_guid"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"))
    guid: Mapped[str] = mapped_column(Text)
    url: Mapped[str] = mapped_column(Text, unique=True)
    title: Mapped[str] = mapped_column(Text)
    summary: Mapped[str] = mapped_column(Text)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    # The main text of the article page, when the source is full_text; "" otherwise.
    body: Mapped[str] = mapped_column(Text, default="")
    # The first article of the same story (near-identical copies across outlets); None = itself.
    story_id: Mapped[int | None] = mapped_column(Integer, default=None, index=True)
    # Normalised title used to find copies of a story.
    title_key: Mapped[str] = mapped_column(Text, default="")


class OutboxStatus(StrEnum):
    """Where an outbox row is on its way to Telegram (the stored spellings)."""

    PENDING = "pending"  # waiting to go out (maybe held until ``next_attempt_at``)
    SENDING = "sending"  # claimed by a deliverer, committed before the request leaves
    SENT = "sent"  # Telegram accepted it
    DROPPED = "dropped"  # not sent on purpose (chat paused or unreachable, nothing to render)
    PARKED = "parked"  # Telegram refused it even as plain text
    FAILED = "failed"  # transient errors until ``delivery.max_attempts``
    # Written by early versions for rows a crash interrupted (now resent); /stats counts
    # the ones still stored as dropped.
    INTERRUPTED = "interrupted"


class OutboxKind(StrEnum):
    """What an outbox row carries (the stored spellings)."""

    ALERT = "alert"  # an article that matched subscriptions
    NOTICE = "notice"  # a message to admins: payload = {"key": text key, "params": {...}}


class OutboxItem(Base):
    __tablename__ = "outbox"
    __table_args__ = (
        UniqueConstraint("chat_id", "thread_id", "article_id", name="uq_outbox_chat_article"),
        Index("ix_outbox_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("chats.id", ondelete="CASCADE"))
    # None for a notice (kind "notice"), which carries its own payload.
    article_id: Mapped[int | None] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), default=None
    )
    subscription_ids: Mapped[list[int]] = mapped_column(JSON)
    spans: Mapped[list[list[object]]] = mapped_column(JSON)
    status: Mapped[OutboxStatus] = mapped_column(
        StrEnumColumn(OutboxStatus, 16), default=OutboxStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    telegram_message_id: Mapped[int | None] = mapped_column(BigInteger, default=None)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The forum topic to post in; 0 for the chat itself.
    thread_id: Mapped[int] = mapped_column(BigInteger, default=0)
    kind: Mapped[OutboxKind] = mapped_column(
        StrEnumColumn(OutboxKind, 16), default=OutboxKind.ALERT
    )
    payload: Mapped[dict[str, object] | None] = mapped_column(JSON, default=None)
    # Names of the outlets that later carried the same story ("also reported by").
    also: Mapped[list[str]] = mapped_column(JSON, default=list)
    # The sent message must be edited to show ``also``.
    edit_pending: Mapped[bool] = mapped_column(Boolean, default=False)
    # Telegram refused the HTML (400): send as plain text.
    plain: Mapped[bool] = mapped_column(Boolean, default=False)


class Alias(Base):
    """An admin's alias group: spellings that mean the same name, for everyone's queries."""

    __tablename__ = "aliases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entries: Mapped[list[str]] = mapped_column(JSON)
    created_by: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SavedSearch(Base):
    """A /search, kept so that its page buttons work after a restart; pruned with the
    articles (retention)."""

    __tablename__ = "searches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    query: Mapped[str] = mapped_column(Text)
    # None: every stored article; else the articles first seen since ``since``.
    since: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    # The newest match when the search was made: later articles are left out of its pages,
    # so that they do not shift while someone pages through them.
    newest_id: Mapped[int | None] = mapped_column(Integer, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class Pacing(Base):
    """Shared send pacing for every deliverer process: the next free send slot."""

    __tablename__ = "pacing"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    next_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Worker(Base):
    """A running process (``run --role``), seen alive at ``seen_at`` (heartbeat)."""

    __tablename__ = "workers"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    role: Mapped[str] = mapped_column(String(16))
    host: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
