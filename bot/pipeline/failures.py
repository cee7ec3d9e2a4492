"""Why a poll failed: a kind and a short reason, as stored and counted.

Rules: the kind is a source's own :class:`~bot.sources.errors.ErrorKind` (its fetch or read
failed) or a :class:`PollErrorKind` (the poll failed around the reading). It is stored in
``Source.last_error`` as ``kind: reason`` and is the ``kind`` label of the fetch_errors metric,
spelled as its enum value.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TypeAlias

from bot.sources.errors import ErrorKind, SourceError

__all__ = ["FailureKind", "PollErrorKind", "PollFailure"]


class PollErrorKind(StrEnum):
    """A poll's failure that is not the source's reading."""

    DUPLICATE = "duplicate"  # a first read found the address another source already polls
    INTERNAL = "internal"  # the poll crashed (a bug; logged with its traceback)


FailureKind: TypeAlias = ErrorKind | PollErrorKind


@dataclass(frozen=True, slots=True)
class PollFailure:
    kind: FailureKind
    reason: str
    retry_after: float | None = None  # seconds the server asked to wait (429/503)

    @classmethod
    def of(cls, error: SourceError) -> PollFailure:
        return cls(error.kind, str(error), error.retry_after)

    def __str__(self) -> str:
        """``kind: reason``, as stored in ``Source.last_error``."""
        return f"{self.kind}: {self.reason}"
