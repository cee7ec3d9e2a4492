"""Value types shared by the matcher and its callers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal, NamedTuple

Field = Literal["title", "text"]


class Span(NamedTuple):
    """A matched stretch of an article field, as offsets into the original string (a
    tuple: the matcher makes hundreds an article, and a tuple is made in C)."""

    field: Field
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Document:
    """The parts of an article a query is matched against."""

    title: str
    text: str

    def field(self, name: Field) -> str:
        return self.title if name == "title" else self.text


@dataclass(frozen=True, slots=True)
class QueryLimits:
    max_length: int = 300
    max_terms: int = 20
    max_depth: int = 16  # parentheses, NOT and "-" nested in one another


class QueryError(ValueError):
    """A query that cannot be understood; the message is meant for the user.

    ``message`` is the English text.  ``key`` is a stable identifier of the kind of error
    (such as ``"unclosed_quote"``) and ``params`` the values substituted into the message,
    so that `bot.telegram.query_errors.describe_error` can say the same in other languages.
    """

    def __init__(
        self,
        message: str,
        position: int | None = None,
        *,
        key: str | None = None,
        params: Mapping[str, str | int] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.position = position
        self.key = key
        self.params = params
