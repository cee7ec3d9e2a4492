"""bot.heap: the collector's settings the bot process runs with."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from bot import heap


@pytest.fixture
def restored() -> Iterator[None]:
    thresholds = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)


@pytest.mark.usefixtures("restored")
def test_settle_freezes_the_heap_and_raises_the_young_threshold() -> None:
    kept = [object() for _ in range(10)]  # a long-lived structure built at startup
    heap.settle()
    assert gc.get_freeze_count() > 0
    assert gc.get_threshold() == (heap.YOUNG_THRESHOLD, 20, 10)
    assert kept
