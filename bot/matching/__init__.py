"""Matching: compile a subscription query once, ask it about an article, get spans back.

Everything outside this package uses only the names exported here.
"""

from bot.matching.matcher import CompiledQuery, MatchIndex, compile_query
from bot.matching.types import Document, Field, QueryError, QueryLimits, Span

__all__ = [
    "CompiledQuery",
    "Document",
    "Field",
    "MatchIndex",
    "QueryError",
    "QueryLimits",
    "Span",
    "compile_query",
]
