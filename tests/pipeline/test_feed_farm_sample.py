"""The poll benchmark's baseline sample (benchmarks/feed_farm.py) stands for the whole farm."""

from __future__ import annotations

from collections import Counter

from benchmarks.feed_farm import farm_specs, proportional_sample, scripted_delay


def test_every_behaviour_in_its_share() -> None:
    specs = farm_specs(1000)
    sample = proportional_sample(specs, 100)
    assert len(sample) == len({spec.index for spec in sample}) == 100
    whole = Counter(spec.behaviour for spec in specs)
    part = Counter(spec.behaviour for spec in sample)
    assert set(part) == set(whole)
    for behaviour, count in whole.items():
        assert abs(part[behaviour] - count / 10) < 1
    assert [spec.index for spec in sample] == sorted(spec.index for spec in sample)


def test_the_sample_carries_the_average_delay_unlike_the_first_feeds() -> None:
    specs = farm_specs(1000)
    average = scripted_delay(specs, 5.0) / 10
    sample = scripted_delay(proportional_sample(specs, 100), 5.0)
    assert abs(sample - average) < 0.05 * average
    assert scripted_delay(specs[:100], 5.0) > 1.1 * average


def test_a_sample_as_large_as_the_farm_is_the_farm() -> None:
    specs = farm_specs(30)
    assert proportional_sample(specs, 30) == specs
