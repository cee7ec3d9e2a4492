"""Feed sources: fetching, parsing, discovery and URL normalisation.

The bottom layer of the bot: nothing here imports other ``bot`` packages.
Import from the submodules (this package re-exports nothing, so that
``bot.sources.fetch`` stays the module and importing ``urls`` stays cheap):

- :mod:`bot.sources.fetch`    ``Fetcher``, ``FetchResult``
- :mod:`bot.sources.fetch_errors` ``FetchError``
- :mod:`bot.sources.fetch_limits` ``FetchLimits``, ``DEFAULT_USER_AGENT``
- :mod:`bot.sources.http_session` ``create_session``
- :mod:`bot.sources.parse`    ``parse_feed`` (picks the format's parser)
- :mod:`bot.sources.model`    ``ParsedFeed``, ``ParsedEntry``, ``keep_newest``
- :mod:`bot.sources.errors`   ``SourceError``, ``FeedParseError``, ``ErrorKind``
- :mod:`bot.sources.sniff`    ``looks_like_feed``, ``is_html``
- :mod:`bot.sources.decode`   ``decode_document``, ``decode_html``
- :mod:`bot.sources.html_text` ``html_to_text``
- :mod:`bot.sources.discover` ``discover_feed_links``
- :mod:`bot.sources.resolve`  ``resolve_source``, ``ResolvedSource``, ``SourceResolveError``
- :mod:`bot.sources.urls`     ``canonical_url``
"""
