"""Rasd's tests, laid out like the code they test.

One directory per package of ``bot`` (alerts, matching, sources, pipeline, storage, services,
telegram, i18n, ops); ``app`` holds what runs the whole application (the command line, the
configuration, logs, several processes, the end-to-end flows, the docs' links). A test file's
name says what it tests, without repeating its directory. ``fakes`` tests the fake servers.

Helpers shared by several test files live in ``tests/support`` (the fake Bot API and feed
server in ``support/fakes``, the child-process probes in ``support/probes``), never in a test
file: a test file imports from ``tests.support``, not from another test file. Fixture files
(feeds, sites, the matching dev set) are in ``tests/data``; fixtures used everywhere are in
``tests/conftest.py``.
"""
