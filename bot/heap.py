"""The garbage collector's settings for a long-running bot process: `settle` once started.

Rules: called once, from the composition root (``python -m bot run``) after the app has
started and loaded its subscriptions; nothing here runs at import time.

Why (docs/benchmarks.md, "Matching speed at 20,000 subscriptions"): every article the
matcher reads allocates a few thousand small objects, and with Python's default thresholds
(700, 10, 10) a full collection walks the whole heap (every compiled query, the word
caches) every few hundred articles: about 1.5-2 ms an article at 20,000 subscriptions, as
much as matching proper.  `settle` moves what startup built (compiled queries, the index)
out of the collector's reach (``gc.freeze``) and raises the young generation's threshold,
so that collections are rare and never walk the long-lived heap; cyclic garbage still gets
collected, only later (after 50,000 net allocations instead of 700).
"""

from __future__ import annotations

import gc
from typing import Final

YOUNG_THRESHOLD: Final = 50_000  # net allocations before a young collection (default 700)


def settle() -> None:
    """Collect once, freeze the survivors, and raise the young generation's threshold."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_THRESHOLD, 20, 10)
