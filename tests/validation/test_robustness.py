"""Damaged input never crashes the validator: bounded random mutations of the package's resources."""

from __future__ import annotations

import copy
import json
import random
from collections.abc import Iterator
from typing import Any

from fhir_ldn.package.index import Package
from fhir_ldn.validation.validator import Validator

JUNK: list[Any] = [
    None,
    [],
    {},
    "",
    " ",
    0,
    -1,
    1.5,
    True,
    "x",
    [None],
    [{}],
    {"a": 1},
    [1, "a"],
    "2020-13-45",
    {"resourceType": "Patient"},
]
MUTATIONS = 150


def _paths(node: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield path
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, (*path, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _paths(value, (*path, i))


def _mutate(resource: dict[str, Any], rnd: random.Random) -> dict[str, Any]:
    out = copy.deepcopy(resource)
    paths = list(_paths(out))[1:]
    for _ in range(rnd.randint(1, 4)):
        path = rnd.choice(paths)
        parent: Any = out
        try:
            for step in path[:-1]:
                parent = parent[step]
            roll = rnd.random()
            if roll < 0.5:
                parent[path[-1]] = rnd.choice(JUNK)
            elif isinstance(parent, dict) and roll < 0.7:
                del parent[path[-1]]
            elif isinstance(parent, dict):
                parent[f"_{path[-1]}"] = rnd.choice(JUNK)
        except (KeyError, IndexError, TypeError):
            continue
    return out


def test_mutated_resources_get_an_outcome_not_an_exception(package: Package, validator: Validator) -> None:
    rnd = random.Random(20261125)
    resources = list(package)
    invalid = 0
    for _ in range(MUTATIONS):
        mutated = _mutate(rnd.choice(resources), rnd)
        for result in (validator.validate_json(json.dumps(mutated)), validator.validate_resource(mutated)):
            outcome = result.outcome()
            assert outcome["resourceType"] == "OperationOutcome"
            assert all(i["severity"] in ("fatal", "error", "warning", "information") for i in outcome["issue"])
        invalid += not result.valid
    assert invalid > MUTATIONS // 2  # the mutations do damage, and the validator notices
