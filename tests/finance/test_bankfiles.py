import datetime
from decimal import Decimal

import pytest

from finance import bankfiles
from finance.services.batches import batch_export
from parkportal.core.errors import InvalidInput

CREATED = datetime.datetime(2026, 11, 2, 9, 30, tzinfo=datetime.UTC)
DEBTOR = bankfiles.Debtor("Park Committee", "CN123", "Reserve Bank")


def order(e2e="RF-2026-000001-1", amount="1500.50", currency="CNY"):
    return bankfiles.PaymentOrder(
        e2e,
        "Acme Robotics",
        "Industrial Bank",
        "6222000011112222",
        Decimal(amount),
        currency,
        "RF-2026-000001",
    )


def test_pain001_round_trips_every_order():
    orders = [order(), order("RF-2026-000002-1", "99.00", "USD")]

    content = bankfiles.pain001(
        message_id="PB-1",
        created_at=CREATED,
        execution_date=datetime.date(2026, 11, 3),
        debtor=DEBTOR,
        orders=orders,
    )

    assert bankfiles.parse_pain001(content) == orders
    text = content.decode()
    assert "urn:iso:std:iso:20022:tech:xsd:pain.001.001.09" in text
    assert "<NbOfTxs>2</NbOfTxs>" in text
    assert "<CtrlSum>1599.50</CtrlSum>" in text


def test_camt053_round_trips_bookings_and_returns():
    entries = [
        bankfiles.StatementEntry(
            "L1", "E2E-1", Decimal("10.00"), "CNY", datetime.date(2026, 11, 3), False
        ),
        bankfiles.StatementEntry(
            "L2",
            "E2E-2",
            Decimal("20.00"),
            "CNY",
            datetime.date(2026, 11, 3),
            True,
            "AC04 Account closed",
        ),
    ]

    content = bankfiles.camt053(
        statement_id="STMT-1", created_at=CREATED, account="CN123", entries=entries
    )
    parsed = bankfiles.parse_camt053(content)

    assert parsed.statement_id == "STMT-1"
    assert parsed.entries == entries


def test_statement_csv_is_read_with_its_returns():
    content = (
        b"statement_id,line_id,end_to_end_id,amount,currency,booking_date,status,reason\n"
        b"S-9,1,E2E-1,10.00,CNY,2026-11-03,booked,\n"
        b"S-9,2,E2E-2,20.00,cny,2026-11-03,returned,AC04 closed\n"
    )

    parsed = bankfiles.parse_statement(content, "csv")

    assert parsed.statement_id == "S-9"
    assert [(e.end_to_end_id, e.returned, e.currency) for e in parsed.entries] == [
        ("E2E-1", False, "CNY"),
        ("E2E-2", True, "CNY"),
    ]


def test_xml_with_entities_is_refused():
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;">]>'
        b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08">&b;</Document>'
    )

    with pytest.raises(InvalidInput):
        bankfiles.parse_camt053(bomb)


def test_a_statement_with_repeated_line_keys_is_refused():
    content = (
        b"statement_id,line_id,end_to_end_id,amount,currency,booking_date,status,reason\n"
        b"S-9,1,E2E-1,10.00,CNY,2026-11-03,booked,\n"
        b"S-9,1,E2E-2,20.00,CNY,2026-11-03,booked,\n"
    )

    with pytest.raises(InvalidInput):
        bankfiles.parse_statement(content, "csv")


def test_the_exported_pain001_names_each_case_by_end_to_end_id(
    funded_pool, cases, mark, fiona, pay
):
    first = cases.approved([mark], amount="60000.00")
    second = cases.approved([mark], amount="40000.00")
    batch = pay(first, second)

    content, media, _name = batch_export(
        batch_id=batch.pk, actor=fiona, file_format="pain001"
    )

    orders = bankfiles.parse_pain001(content)
    assert media == "application/xml"
    assert [(o.end_to_end_id, o.amount) for o in orders] == [
        (f"{first.reference}-1", Decimal("60000.00")),
        (f"{second.reference}-1", Decimal("40000.00")),
    ]
    assert orders[0].payee_account == first.payee_account


def test_yen_is_written_without_decimals_in_both_bank_files():
    orders = [order(amount="125000", currency="JPY")]

    content = bankfiles.pain001(
        message_id="PB-2",
        created_at=CREATED,
        execution_date=datetime.date(2026, 11, 3),
        debtor=DEBTOR,
        orders=orders,
    )

    assert '<InstdAmt Ccy="JPY">125000</InstdAmt>' in content.decode()
    assert bankfiles.parse_pain001(content) == orders
    assert "125000,JPY" in bankfiles.payments_csv(orders)
