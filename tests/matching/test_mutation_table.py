"""The mutation table (``benchmarks/mutation_rules.py``) still fits the code: every `Set` and
`Stub` names something its module has, and every `Edit`'s text is in its function's source.
Checked without applying anything: the full run (``benchmarks/rule_mutations.py``, minutes)
reports a mutation that no longer applies only once it gets there."""

from __future__ import annotations

import importlib

import pytest

from benchmarks.mutation_rules import RULES
from benchmarks.mutations import Edit, Rule, function_source


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.id)
def test_every_mutation_still_fits_the_code(rule: Rule) -> None:
    module = importlib.import_module(rule.module)
    for mutation in rule.mutations:
        if isinstance(mutation, Edit):
            assert mutation.old in function_source(module, mutation.function), mutation
        else:
            assert hasattr(module, mutation.name), mutation
