"""The decision cache is exact: a cached decision always equals a fresh evaluation of the conditions."""

from __future__ import annotations

import random
from typing import Any

from fhir_ldn.cds.decision_cache import FactView, LruCache
from fhir_ldn.cds.engine import load_rules
from fhir_ldn.constants import ATC, RXNORM
from fhir_ldn.package.index import Package

CODES = [(RXNORM, "312941"), (RXNORM, "7243"), (RXNORM, "1483744"), (ATC, "N06AB10"), ("urn:other", "x")]
DOSES = [None, 0.5, 4.5, 5, 5.01, 13.5, 50]


def random_facts(rng: random.Random) -> list[dict[str, Any]]:
    facts = []
    for i in range(rng.randint(0, 4)):
        codings = [{"system": s, "code": c} for s, c in rng.sample(CODES, rng.randint(1, 2))]
        fact: dict[str, Any] = {
            "origin": rng.choice(["new", "existing"]),
            "code": {"coding": codings},
            "reference": f"r{i}",
        }
        dose = rng.choice(DOSES)
        if dose is not None:
            fact["dailyDoseMg"] = dose
        if rng.random() < 0.3:  # recognised by name: the cards' dynamic texts quote these
            fact.update(recognisedBy="name", recognisedAs=rng.choice(["a", "b"]), recognisedFrom=rng.choice(["x", "y"]))
        facts.append(fact)
    return facts


def test_cached_decisions_equal_fresh_evaluations(package: Package) -> None:
    rule = load_rules(package)[0]
    rng = random.Random(20261125)
    for _ in range(400):
        facts = random_facts(rng)
        hook = rng.choice(["order-select", "order-sign"])
        fresh = [(c.action_id, c.static) for c in rule.evaluate(hook, facts)]  # the cards' texts included
        assert [(c.action_id, c.static) for c in rule.decide(hook, facts)] == fresh
        assert [(c.action_id, c.static) for c in rule.decide(hook, facts)] == fresh  # now from the cache
    assert len(rule.decisions) > 20


def test_the_view_of_the_ldn_rule(package: Package) -> None:
    rule = load_rules(package)[0]
    expressions = [
        c.expression for g in rule.groups for c in (*g.conditions, *(c for r in g.cards for c in r.conditions))
    ]
    view = FactView(expressions)
    assert not view.exact
    assert view.fields == {"code", "origin", "dailyDoseMg", "singleDoseMg"}
    assert view.code_by_membership
    assert len(view.code_urls) == 2


def test_a_reference_the_rule_never_reads_does_not_split_the_cache(package: Package) -> None:
    rule = load_rules(package)[0]
    one = [{"origin": "new", "code": {"coding": [{"system": RXNORM, "code": "312941"}]}, "reference": "a"}]
    other = [{"origin": "new", "code": {"coding": [{"system": ATC, "code": "N06AB06"}]}, "reference": "b"}]
    assert rule.decision_key(one) == rule.decision_key(other)  # both are sertraline (RxNorm, ATC): same value sets
    assert rule.decision_key(one) != rule.decision_key([{**one[0], "origin": "existing"}])


def test_expressions_that_see_whole_facts_use_exact_keys() -> None:
    for expression in (
        "%medications.where($this.origin = 'new').exists()",
        "%medications.children().exists()",
        "%medications.select($this).count() > 1",
    ):
        assert FactView([expression]).exact
    selected = FactView(["%medications.select(recognisedAs + origin).join(',')", "%medications.select(code).exists()"])
    assert not selected.exact  # select reads fields, each of them part of the key
    assert {"recognisedAs", "origin", "code"} <= selected.fields
    assert not selected.code_by_membership
    direct = FactView(["%medications.where(code.coding.code = '1').exists()"])
    assert not direct.exact
    assert not direct.code_by_membership  # code is read directly, so its codings are part of the key
    key = direct.key_function(lambda url: frozenset())
    a = [{"code": {"coding": [{"system": "s", "code": "1"}]}}]
    b = [{"code": {"coding": [{"system": "s", "code": "2"}]}}]
    assert key(a) != key(b)


def test_lru_cache_evicts_the_least_recently_used() -> None:
    cache: LruCache[int] = LruCache(2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1
    cache.put("c", 3)
    assert cache.get("b") is None
    assert (cache.get("a"), cache.get("c"), len(cache)) == (1, 3, 2)


def test_medications_outside_the_filtered_value_sets_are_invisible(package: Package) -> None:
    rule = load_rules(package)[0]
    assert rule.visible_codes is not None
    assert (RXNORM, "7243") in rule.visible_codes
    assert ("urn:other", "x") not in rule.visible_codes
    rng = random.Random(7)
    for _ in range(300):
        facts = random_facts(rng)
        visible = [f for f in facts if any((c["system"], c["code"]) in rule.visible_codes for c in f["code"]["coding"])]
        for hook in ("order-select", "order-sign"):
            assert [c.action_id for c in rule.evaluate(hook, facts)] == [
                c.action_id for c in rule.evaluate(hook, visible)
            ]


def test_any_unfiltered_use_makes_every_medication_visible() -> None:
    assert FactView(["%medications.where(code.memberOf('a')).exists()"]).visible_only_in == {"a"}
    for expression in (
        "%medications.exists()",
        "%medications.where(code.memberOf('a') or origin = 'new').exists()",
        "%medications.where(code.memberOf('a')).exists() and %medications.count() > 2",
        "%medications.first().code.memberOf('a')",
    ):
        assert FactView([expression]).visible_only_in is None, expression
