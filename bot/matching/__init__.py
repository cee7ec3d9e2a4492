"""Matching: compile a subscription query once, ask it about an article, get spans back.

Everything outside this package uses only the names exported here.  The matching rules
are stated at the top of `bot.matching.matcher`.
"""

from bot.matching.aliases import AliasError, Aliases, parse_alias
from bot.matching.document import AnalyzedDocument
from bot.matching.index import MatchIndex
from bot.matching.lookup import Found, QueryWord
from bot.matching.matcher import CompiledQuery, analyze, compile_query
from bot.matching.types import Document, Field, QueryError, QueryLimits, Span

__all__ = [
    "AliasError",
    "Aliases",
    "AnalyzedDocument",
    "CompiledQuery",
    "Document",
    "Field",
    "Found",
    "MatchIndex",
    "QueryError",
    "QueryLimits",
    "QueryWord",
    "Span",
    "analyze",
    "compile_query",
    "parse_alias",
]
