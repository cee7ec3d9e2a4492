"""The parts that keep commands from freezing the bot: the expensive-command gate, the plural
forms of counts, and the subscription index recompiled off the event loop."""

from __future__ import annotations

import asyncio
import re
import string
from datetime import UTC, datetime, timedelta

import pytest

from bot.alerts.index import SubscriptionIndex
from bot.i18n import catalog, plural
from bot.i18n.counts import plural_form
from bot.matching import Aliases, Document, QueryLimits
from bot.services.throttle import CommandGate, Throttle, Throttled
from tests.support.fakes.telegram_api import _check_html
from tests.support.parsing import LAG, LoopLag

pytestmark = pytest.mark.alone  # times itself or runs processes: see scripts/test.sh


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


async def test_the_cooldown_counts_from_the_end_of_a_persons_last_command() -> None:
    clock = Clock()
    gate = CommandGate(clock, cooldown=10, concurrency=2, wait=1)
    async with gate.enter(1):
        # The same person again while theirs runs: refused, not queued.
        with pytest.raises(Throttled) as refused:
            async with gate.enter(1):
                pass
        assert refused.value.reason is Throttle.COOLDOWN
        async with gate.enter(2):  # someone else is let in
            assert gate.running == 2
        clock.now += timedelta(seconds=30)  # a long one: the cooldown starts at its end
    clock.now += timedelta(seconds=4)
    with pytest.raises(Throttled) as refused:
        async with gate.enter(1):
            pass
    assert refused.value.reason is Throttle.COOLDOWN and refused.value.retry_after == 6
    clock.now += timedelta(seconds=6)
    async with gate.enter(1):
        assert gate.running == 1
    assert gate.running == 0


async def test_a_full_gate_refuses_after_its_wait_and_a_failure_frees_the_slot() -> None:
    gate = CommandGate(Clock(), cooldown=0, concurrency=1, wait=0.05)
    held = asyncio.Event()
    release = asyncio.Event()

    async def hold() -> None:
        async with gate.enter(1):
            held.set()
            await release.wait()

    holder = asyncio.create_task(hold())
    await held.wait()
    with pytest.raises(Throttled) as refused:
        async with gate.enter(2):
            pass
    assert refused.value.reason is Throttle.BUSY
    with pytest.raises(Throttled) as refused:  # one that may not wait is refused at once
        async with asyncio.timeout(0.04), gate.enter(3, wait=False):
            pass
    assert refused.value.reason is Throttle.BUSY
    release.set()
    await holder
    with pytest.raises(RuntimeError):
        async with gate.enter(3):
            raise RuntimeError("the work failed")
    async with gate.enter(4):  # the failed one gave its slot back
        assert gate.running == 1


def test_plural_forms_follow_each_language() -> None:
    assert [plural_form("ar", n) for n in (0, 1, 2, 3, 10, 11, 99, 100, 103, 111)] == [
        "zero", "one", "two", "few", "few", "many", "many", "other", "few", "many",
    ]  # fmt: skip
    assert [plural_form("fr", n) for n in (0, 1, 2)] == ["one", "one", "other"]
    assert [plural_form("en", n) for n in (0, 1, 2)] == ["other", "one", "other"]
    assert plural("en", "recent_count", 1, days="7").startswith("1 of the articles")
    assert "matches it" in plural("en", "recent_count", 1, days="7")
    assert "3 مقالات" in plural("ar", "recent_count", 3, days="7")
    assert "correspondent" in plural("fr", "recent_count", 2, days="7")


# A second count inside a plural text names its own plural key: {days:last_days}.
_UNIT = re.compile(r"\{(\w+):\w+\}")


@pytest.mark.parametrize("key", ["recent_partial", "too_many_person", "recent_count"])
def test_every_plural_form_is_valid_html_with_the_same_placeholders(key: str) -> None:
    def placeholders(template: str) -> set[str]:
        return {n for _, n, _, _ in string.Formatter().parse(_UNIT.sub(r"{\1}", template)) if n}

    english = catalog("en").plurals[key].forms
    names = placeholders(english[-1])
    assert "count" in names
    values = dict.fromkeys(names, "7")
    for language, number in (("en", 2), ("fr", 2), ("ar", 6)):
        forms = catalog(language).plurals[key].forms
        assert len(forms) == number, language  # Arabic: zero, one, two, few, many, other
        for index, template in enumerate(forms):
            assert placeholders(template) == names, (language, index)
            _check_html(_UNIT.sub(r"{\1}", template).format(**values))


# Compiling 20,000 subscriptions takes about 2.4 s of CPU here: well past LAG, so a rebuild
# on the event loop fails the test.
COUNT = 20_000


async def test_an_alias_change_recompiles_off_the_loop_and_keeps_changes_made_meanwhile() -> None:
    index = SubscriptionIndex(QueryLimits(300, 20))
    for n in range(COUNT):
        index.add(n, 1000 + n, f"Laftit ministre{n} OR Rabat{n}")
    with LoopLag() as lag:
        rebuild = asyncio.create_task(index.use_aliases(Aliases([("Laftit", "Lafdit")])))
        await asyncio.sleep(0.05)
        assert not rebuild.done()  # recompiling them takes seconds of CPU
        index.add(COUNT, 7, "Lafdit Rabat")  # made while the new index is being built
        index.remove(5)  # and one removed meanwhile
        await rebuild

    found = index.match(Document(title="Laftit à Rabat", text="ministre5 Rabat5"))
    assert (7, 0) in found  # the new subscription, compiled against the new aliases
    assert (1005, 0) not in found  # the removed one stays removed
    assert len(index) == COUNT
    assert lag.worst < LAG, f"the event loop was blocked for {lag.worst:.2f} s"
