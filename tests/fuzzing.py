"""Hypothesis settings shared by the property and OpenAPI fuzz tests: a fixed, derandomized budget in CI, or a
longer randomized campaign when `bench.fuzz` sets FHIR_LDN_FUZZ_EXAMPLES (seeded by pytest's --hypothesis-seed)."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

CAMPAIGN_EXAMPLES = "FHIR_LDN_FUZZ_EXAMPLES"


def fuzz_settings(examples: int) -> settings:
    """`examples` per test, the same ones on every run; or the campaign's budget with fresh randomness."""
    campaign = os.environ.get(CAMPAIGN_EXAMPLES)
    return settings(
        max_examples=int(campaign) if campaign else examples,
        derandomize=not campaign,
        database=None,  # nothing written to .hypothesis/
        deadline=None,  # timing is for bench/, not for tests
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture],
    )
