import json
import logging

import pytest
from celery import shared_task

from parkportal.core.logging import (
    JsonFormatter,
    RequestIdFilter,
    bound_request_id,
    clean_request_id,
    current_request_id,
)
from parkportal.core.outbox import outbox_enqueue

SEEN_REQUEST_IDS: list[str] = []


@shared_task(name="tests.core.note_request_id")
def note_request_id():
    SEEN_REQUEST_IDS.append(current_request_id())


def format_line(message, *args, **extra) -> dict:
    record = logging.LogRecord(
        "parkportal.test", logging.WARNING, __file__, 1, message, args, None
    )
    for name, value in extra.items():
        setattr(record, name, value)
    RequestIdFilter().filter(record)
    return json.loads(JsonFormatter().format(record))


def test_json_line_carries_level_logger_message_and_request_id():
    with bound_request_id("req-7"):
        line = format_line("refund %s approved", "RF-2026-000001")

    assert line["level"] == "WARNING"
    assert line["logger"] == "parkportal.test"
    assert line["message"] == "refund RF-2026-000001 approved"
    assert line["request_id"] == "req-7"
    assert line["time"].endswith("+00:00")


def test_json_line_keeps_extra_fields():
    line = format_line("batch authorised", batch_id=12)

    assert line["batch_id"] == 12


def test_json_line_includes_the_exception():
    try:
        raise ValueError("bad statement line")
    except ValueError:
        import sys

        record = logging.LogRecord(
            "x", logging.ERROR, __file__, 1, "failed", (), sys.exc_info()
        )
    line = json.loads(JsonFormatter().format(record))

    assert "ValueError: bad statement line" in line["exception"]


def test_response_returns_the_request_id_it_was_given(db, client):
    response = client.get("/healthz", HTTP_X_REQUEST_ID="lb-1234")

    assert response["X-Request-ID"] == "lb-1234"


def test_request_without_an_id_gets_a_new_one(db, client):
    first = client.get("/healthz")["X-Request-ID"]
    second = client.get("/healthz")["X-Request-ID"]

    assert len(first) == 32
    assert first != second


@pytest.mark.parametrize("unsafe", ["a b", "x\ny", "<script>", "z" * 65])
def test_unsafe_request_id_is_replaced(unsafe):
    assert clean_request_id(unsafe) != unsafe


def test_task_queued_by_a_request_runs_with_its_request_id(
    db, django_capture_on_commit_callbacks
):
    SEEN_REQUEST_IDS.clear()

    with (
        bound_request_id("req-from-web"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        outbox_enqueue(task="tests.core.note_request_id", kwargs={})

    assert SEEN_REQUEST_IDS == ["req-from-web"]


def test_publishing_a_task_stamps_the_request_id_header():
    from parkportal.core.celery_signals import _stamp_request_id

    headers = {}
    with bound_request_id("req-9"):
        _stamp_request_id(headers=headers)

    assert headers["request_id"] == "req-9"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("payee 6222000011112222 changed", "payee ************2222 changed"),
        ("account 6222 0000 1111 2222", "account ************2222"),
        ("refund 12345 for RF-2026-000001", "refund 12345 for RF-2026-000001"),
        ("batch 20261203 exported", "batch 20261203 exported"),
    ],
)
def test_account_numbers_are_masked(text, expected):
    from parkportal.core.logging import mask_account_numbers

    assert mask_account_numbers(text) == expected


def test_log_line_never_carries_a_full_account_number():
    from parkportal.core.logging import MaskAccountNumbersFilter

    record = logging.LogRecord(
        "x", logging.INFO, __file__, 1, "payee set to %s", ("6222000011112222",), None
    )
    MaskAccountNumbersFilter().filter(record)

    line = json.loads(JsonFormatter().format(record))
    assert "6222000011112222" not in line["message"]
    assert line["message"].endswith("2222")


def test_exception_text_is_masked_too():
    import sys

    from parkportal.core.logging import MaskAccountNumbersFilter

    try:
        raise ValueError("bank refused account 6222000011112222")
    except ValueError:
        record = logging.LogRecord(
            "x", logging.ERROR, __file__, 1, "payment failed", (), sys.exc_info()
        )
    MaskAccountNumbersFilter().filter(record)

    plain = logging.Formatter("%(message)s").format(record)
    line = json.loads(JsonFormatter().format(record))
    assert "6222000011112222" not in plain
    assert "6222000011112222" not in line["exception"]
    assert "************2222" in line["exception"]
