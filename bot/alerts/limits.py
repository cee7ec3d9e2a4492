"""Telegram's sending limits, kept by construction: when may the next message to a chat go?

Rules (times are ``time.monotonic()`` seconds; edits count like sends):

- Global: message starts are spaced ``1 / messages_per_second`` apart (no bursts). On top,
  a hard ceiling of ``CEILING`` x that rate, never above Telegram's ``TELEGRAM_PER_SECOND``
  (unless the rate itself is: a test server without limits), holds where Telegram counts
  (arrivals), whatever the network or our event loop does to the spacing: a message may
  start only when fewer than the ceiling are under way or were answered in the last second,
  so arrival(k) >= start(k) >= answer(k - ceiling) + 1 s >= arrival(k - ceiling) + 1 s, and
  no second ever holds more than the ceiling. The spacing alone keeps the steady rate at
  the cap; the ceiling only cuts bunched arrivals.
- Every chat: a message may start only ``per_chat_interval`` after the previous message to
  that chat *finished* (its answer arrived). Measuring from the answer, not from our start,
  means network jitter can never make two messages reach Telegram closer than the interval.
- Groups, supergroups and channels (``kind != "private"``, or a negative chat id): at most
  ``group_per_minute`` messages in any 60 s, counted from the *answers* of the earlier ones
  (a sliding window), so Telegram never sees more than that many in a minute either.
- A 429 for a chat holds that chat exactly ``retry_after`` seconds. When 429s arrive for
  ``FLOOD_CHATS`` different chats within ``FLOOD_WINDOW`` seconds, Telegram is throttling the
  bot as a whole: everything pauses until the latest of those retry times.

The state lives as long as the process (one Pacer, owned by ``bot.telegram.outbound.Outbound``
and used for every message the bot sends), so the limits hold across drains and for
replies as much as for alerts. A message to a chat known by name only (``chat_id`` None)
counts against the global limits alone.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable

CEILING = 1.2
TELEGRAM_PER_SECOND = 30  # messages per second Telegram allows a bot overall
FLOOD_CHATS = 3
FLOOD_WINDOW = 2.0
GROUP_WINDOW = 60.0


def is_group(chat_id: int, kind: str | None) -> bool:
    return chat_id < 0 or (kind is not None and kind != "private")


class Pacer:
    def __init__(
        self,
        messages_per_second: float,
        per_chat_interval: float,
        group_per_minute: int,
        monotonic: Callable[[], float] = time.monotonic,
        group_window: float = GROUP_WINDOW,
    ) -> None:
        self.spacing = 1.0 / messages_per_second
        self.per_chat_interval = per_chat_interval
        self.group_per_minute = group_per_minute
        self.group_window = group_window
        self.monotonic = monotonic
        self._next_global = 0.0
        ceiling = math.floor(messages_per_second * CEILING)
        if messages_per_second <= TELEGRAM_PER_SECOND:  # above it: a server without limits
            ceiling = min(ceiling, TELEGRAM_PER_SECOND)
        self._window = max(1, ceiling)
        self._answers: deque[float] = deque(maxlen=self._window)
        self._in_flight = 0
        self.paused_until = 0.0
        self._chat_free_at: dict[int, float] = {}
        self._held_until: dict[int, float] = {}
        self._group_answers: dict[int, deque[float]] = {}
        self._recent_429: deque[tuple[float, int, float]] = deque()

    def chat_ready_at(self, chat_id: int, group: bool) -> float:
        """The earliest start for this chat, ignoring the global spacing."""
        ready = max(
            self._chat_free_at.get(chat_id, 0.0),
            self._held_until.get(chat_id, 0.0),
            self.paused_until,
        )
        answers = self._group_answers.get(chat_id)
        if group and answers is not None and len(answers) >= self.group_per_minute:
            ready = max(ready, answers[-self.group_per_minute] + self.group_window)
        return ready

    def global_ready_at(self) -> float:
        ready = max(self._next_global, self.paused_until)
        now = self.monotonic()
        # Messages Telegram may count in the second before now: those under way, and those
        # answered less than a second ago. Another may start when fewer than the cap are.
        recent = [t for t in self._answers if t > now - 1.0]
        excess = self._in_flight + len(recent) - self._window + 1
        if excess > 0:
            ready = max(ready, recent[excess - 1] + 1.0 if excess <= len(recent) else math.inf)
        return ready

    def ready_at(self, chat_id: int, group: bool) -> float:
        return max(self.chat_ready_at(chat_id, group), self.global_ready_at())

    def take(self) -> None:
        """A message starts now: push the global slot on."""
        now = self.monotonic()
        self._next_global = max(self._next_global, now) + self.spacing
        self._in_flight += 1

    def answered(self, chat_id: int | None, group: bool) -> None:
        """Telegram answered a message to this chat (success or error alike)."""
        now = self.monotonic()
        self._in_flight = max(0, self._in_flight - 1)
        self._answers.append(now)
        if chat_id is None:
            return
        self._chat_free_at[chat_id] = now + self.per_chat_interval
        if group:
            answers = self._group_answers.setdefault(chat_id, deque())
            answers.append(now)
            while len(answers) > self.group_per_minute:
                answers.popleft()

    def retry_after(self, chat_id: int, seconds: float) -> bool:
        """Telegram said 429 for this chat; returns True when that makes a global flood."""
        now = self.monotonic()
        until = now + seconds
        self._held_until[chat_id] = max(self._held_until.get(chat_id, 0.0), until)
        self._recent_429.append((now, chat_id, until))
        while self._recent_429 and self._recent_429[0][0] < now - FLOOD_WINDOW:
            self._recent_429.popleft()
        chats = {chat for _, chat, _ in self._recent_429}
        if len(chats) >= FLOOD_CHATS:
            self.paused_until = max(self.paused_until, *(u for _, _, u in self._recent_429))
            return True
        return False

    def waiting_chats(self, horizon: float) -> set[int]:
        """Chats that may not send for more than ``horizon`` seconds from now."""
        limit = self.monotonic() + horizon
        waiting = {c for c, t in self._held_until.items() if t > limit}
        waiting |= {c for c, t in self._chat_free_at.items() if t > limit}
        for chat_id, answers in self._group_answers.items():
            full = len(answers) >= self.group_per_minute
            if full and answers[-self.group_per_minute] + self.group_window > limit:
                waiting.add(chat_id)
        return waiting

    def forget_idle(self) -> None:
        """Drop state that no longer restricts anything (keeps memory bounded)."""
        now = self.monotonic()
        for table in (self._chat_free_at, self._held_until):
            for chat_id in [c for c, t in table.items() if t <= now]:
                del table[chat_id]
        for chat_id in [
            c for c, a in self._group_answers.items() if not a or a[-1] + self.group_window <= now
        ]:
            del self._group_answers[chat_id]
