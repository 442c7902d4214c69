"""Request ids and JSON log lines.

The request id lives in a context variable: the middleware sets it for a
request, the Celery signals (parkportal.core.celery_signals) carry it in a
task's headers and set it again in the worker, and the filter below stamps
it on every log record, so one id follows a request into the tasks it
queued.
"""

import contextvars
import json
import logging
import re
import uuid
from contextlib import contextmanager
from datetime import UTC, datetime

_request_id: contextvars.ContextVar[str] = contextvars.ContextVar(
    "parkportal_request_id", default=""
)

# An id from outside is only trusted when it cannot inject anything into a
# log line or a header.
_VALID_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")


def new_request_id() -> str:
    return uuid.uuid4().hex


def clean_request_id(value: str | None) -> str:
    value = (value or "").strip()
    return value if _VALID_ID.match(value) else new_request_id()


def current_request_id() -> str:
    return _request_id.get()


@contextmanager
def bound_request_id(value: str):
    token = _request_id.set(value or "")
    try:
        yield
    finally:
        _request_id.reset(token)


def set_request_id(value: str) -> contextvars.Token:
    return _request_id.set(value or "")


def reset_request_id(token: contextvars.Token) -> None:
    _request_id.reset(token)


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = _request_id.get()
        return True


# Bank account and card numbers: twelve or more digits, possibly grouped
# by spaces or dashes.
_ACCOUNT_NUMBER = re.compile(r"(?<![\w-])\d(?:[ -]?\d){11,}(?![\w-])")


def mask_account_numbers(text: str) -> str:
    def mask(match: re.Match) -> str:
        digits = re.sub(r"\D", "", match.group())
        return "*" * (len(digits) - 4) + digits[-4:]

    return _ACCOUNT_NUMBER.sub(mask, text)


class MaskAccountNumbersFilter(logging.Filter):
    """A last line of defence: a log line never carries a full account
    number, even when a message or an exception included one."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_account_numbers(message)
        if masked != message:
            record.msg, record.args = masked, None
        if record.exc_info and not record.exc_text:
            # Formatters print exc_text when it is set.
            trace = logging.Formatter().formatException(record.exc_info)
            record.exc_text = mask_account_numbers(trace)
        return True


# Attributes every LogRecord has; anything else was passed with `extra=`
# and belongs in the JSON line.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None)).keys()) | {
    "message",
    "asctime",
    "request_id",
}


class JsonFormatter(logging.Formatter):
    """One JSON object per line, for a log shipper to read."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "") or _request_id.get(),
        }
        for name, value in vars(record).items():
            if name not in _STANDARD and not name.startswith("_"):
                line[name] = value
        if record.exc_info:
            line["exception"] = record.exc_text or self.formatException(record.exc_info)
        return json.dumps(line, default=str, ensure_ascii=False)
