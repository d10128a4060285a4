"""Log output of `fhir-ldn serve`: every record as one JSON line on stdout, without request data.

Records carry time, level, logger, process id and message, plus the request fields of `server.request_log`.
An exception is logged by its type and traceback (code locations), never its message, which could quote
request data. uvicorn's own access log (which prints raw paths and query strings) is off; `httpx` and
`httpcore`, which log the URLs the CDS service fetches (with patient ids) at INFO/DEBUG, are kept at WARNING.
"""

from __future__ import annotations

import json
import logging
import time
import traceback
from typing import Any

REQUEST_FIELDS = ("method", "path", "status", "duration_ms", "request_id")


class JsonFormatter(logging.Formatter):
    """One JSON object per record."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "pid": record.process,
            "message": record.getMessage(),
        }
        for key in REQUEST_FIELDS:
            if key in record.__dict__:
                out[key] = record.__dict__[key]
        if record.exc_info and record.exc_info[0] is not None:
            out["error"] = record.exc_info[0].__name__
            out["traceback"] = "".join(traceback.format_tb(record.exc_info[2]))
        return json.dumps(out, ensure_ascii=False, default=str)


def logging_config(level: str = "info") -> dict[str, Any]:
    """A `logging.config.dictConfig` dictionary for uvicorn's `log_config`."""
    level = level.upper()
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": f"{__name__}.JsonFormatter"}},
        "handlers": {"stdout": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stdout"}},
        "loggers": {
            "uvicorn": {"handlers": ["stdout"], "level": level, "propagate": False},
            "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
            "fhir_ldn": {"handlers": ["stdout"], "level": level, "propagate": False},
            "httpx": {"level": "WARNING"},
            "httpcore": {"level": "WARNING"},
        },
        "root": {"handlers": ["stdout"], "level": "WARNING"},
    }
