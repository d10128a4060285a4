"""Compare FHIR JSON exactly as written: decimals by lexical form, and booleans never equal to integers."""

from __future__ import annotations

from typing import Any

from fhir_ldn.formats.decimal_json import JsonDecimal


def as_written(value: Any) -> Any:
    """A copy in which every leaf carries its JSON type, and decimals their text (so 1.50 != 1.5, True != 1)."""
    if isinstance(value, dict):
        return {key: as_written(item) for key, item in value.items()}
    if isinstance(value, list):
        return [as_written(item) for item in value]
    if isinstance(value, JsonDecimal):
        return ("decimal", value.text)
    return (type(value).__name__, value)
