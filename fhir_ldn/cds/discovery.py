"""The CDS Hooks discovery document: one entry per (service, hook), the same id for every hook of a service."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fhir_ldn.cds.engine import CdsRule
from fhir_ldn.cds.prefetch import PREFETCH_TEMPLATES


def discovery_document(rules: Sequence[CdsRule]) -> dict[str, Any]:
    """`{"services": [...]}`, sorted by id then hook."""
    services = [
        {
            "hook": hook,
            "title": rule.title,
            "description": rule.description,
            "id": rule.id,
            "prefetch": dict(PREFETCH_TEMPLATES),
        }
        for rule in sorted(rules, key=lambda r: r.id)
        for hook in sorted(rule.hooks)
    ]
    return {"services": services}
