"""Feed sources: fetching, parsing, discovery and URL normalisation.

The bottom layer of the bot: nothing here imports other ``bot`` packages.
Import from the submodules (this package re-exports nothing, so that
``bot.sources.fetch`` stays the module and importing ``urls`` stays cheap):

- :mod:`bot.sources.fetch`    ``fetch``, ``FetchResult``, ``FetchError``
- :mod:`bot.sources.parse`    ``parse_feed``, ``looks_like_feed``, ``ParsedFeed``,
  ``ParsedEntry``, ``FeedParseError``, ``html_to_text``, ``decode_document``
- :mod:`bot.sources.discover` ``discover_feed_links``
- :mod:`bot.sources.resolve`  ``resolve_source``, ``ResolvedSource``, ``SourceResolveError``
- :mod:`bot.sources.urls`     ``canonical_url``
"""
