"""The JSON log format of `fhir-ldn serve`: one object per line; exceptions by type and code location only."""

from __future__ import annotations

import json
import logging
import sys

from server.logs import JsonFormatter, logging_config


def _record(message: str, *args: object, **extra: object) -> logging.LogRecord:
    record = logging.LogRecord("fhir_ldn.test", logging.ERROR, __file__, 1, message, args, None)
    record.__dict__.update(extra)
    return record


def test_a_record_is_one_json_line_with_the_request_fields() -> None:
    line = JsonFormatter().format(_record("request", method="GET", path="/health", status=200, other="dropped"))
    assert "\n" not in line
    data = json.loads(line)
    assert data["message"] == "request"
    assert (data["method"], data["path"], data["status"]) == ("GET", "/health", 200)
    assert "other" not in data
    assert data["level"] == "error"
    assert data["time"].endswith("Z")


def test_an_exception_is_logged_without_its_message() -> None:
    quoted = "Jane Doe"  # request data an exception message might quote
    try:
        raise ValueError(f"patient {quoted}")
    except ValueError:
        record = _record("unhandled error on %s", "POST /x")
        record.exc_info = sys.exc_info()
    data = json.loads(JsonFormatter().format(record))
    assert data["error"] == "ValueError"
    assert "test_an_exception_is_logged_without_its_message" in data["traceback"]
    assert "Jane" not in json.dumps(data)


def test_the_config_turns_off_uvicorns_access_log_and_quietens_http_clients() -> None:
    config = logging_config("debug")
    assert config["loggers"]["uvicorn.access"]["handlers"] == []
    assert config["loggers"]["httpx"]["level"] == "WARNING"
    assert config["loggers"]["fhir_ldn"]["level"] == "DEBUG"
