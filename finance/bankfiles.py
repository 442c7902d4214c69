"""Bank file formats: payment orders out (CSV, ISO 20022 pain.001.001.09)
and statements in (CSV, ISO 20022 camt.053.001.08).

Files are built with xml.etree and read with defusedxml, which refuses
entity expansion and external references in what a bank (or anyone
pretending to be one) sends us.
"""

import csv
import hashlib
import io
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from defusedxml import ElementTree as SafeET
from defusedxml.common import DefusedXmlException
from django.utils.translation import gettext as _

from parkportal.core.errors import InvalidInput
from parkportal.core.money import format_amount

PAIN001_NS = "urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"
CAMT053_NS = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"

PAYMENT_CSV_COLUMNS = (
    "end_to_end_id",
    "payee_name",
    "payee_bank",
    "payee_account",
    "amount",
    "currency",
    "remittance",
)
STATEMENT_CSV_COLUMNS = (
    "statement_id",
    "line_id",
    "end_to_end_id",
    "amount",
    "currency",
    "booking_date",
    "status",
    "reason",
)


@dataclass(frozen=True)
class PaymentOrder:
    end_to_end_id: str
    payee_name: str
    payee_bank: str
    payee_account: str
    amount: Decimal
    currency: str
    remittance: str


@dataclass(frozen=True)
class Debtor:
    name: str
    account: str
    bank: str


@dataclass(frozen=True)
class StatementEntry:
    line_key: str
    end_to_end_id: str
    amount: Decimal
    currency: str
    booking_date: date | None
    returned: bool
    reason: str = ""


@dataclass(frozen=True)
class ParsedStatement:
    statement_id: str
    entries: list[StatementEntry]


def digest(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


# Payment orders.


def payments_csv(orders: list[PaymentOrder]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(PAYMENT_CSV_COLUMNS)
    for order in orders:
        writer.writerow(
            [
                order.end_to_end_id,
                order.payee_name,
                order.payee_bank,
                order.payee_account,
                format_amount(order.amount, order.currency),
                order.currency,
                order.remittance,
            ]
        )
    return out.getvalue()


def _sub(parent, tag: str, text=None, **attrs):
    element = ET.SubElement(parent, tag, attrs)
    if text is not None:
        element.text = str(text)
    return element


def _account(parent, tag: str, number: str) -> None:
    _sub(_sub(_sub(_sub(parent, tag), "Id"), "Othr"), "Id", number)


def _agent(parent, tag: str, bank_name: str) -> None:
    _sub(_sub(_sub(parent, tag), "FinInstnId"), "Nm", bank_name[:140])


def pain001(
    *,
    message_id: str,
    created_at: datetime,
    execution_date: date,
    debtor: Debtor,
    orders: list[PaymentOrder],
) -> bytes:
    """A CustomerCreditTransferInitiation with one transaction per case."""
    total = sum((order.amount for order in orders), Decimal("0"))
    root = ET.Element("Document", {"xmlns": PAIN001_NS})
    initiation = _sub(root, "CstmrCdtTrfInitn")
    header = _sub(initiation, "GrpHdr")
    _sub(header, "MsgId", message_id)
    _sub(header, "CreDtTm", created_at.replace(microsecond=0).isoformat())
    _sub(header, "NbOfTxs", len(orders))
    _sub(header, "CtrlSum", f"{total:.2f}")
    _sub(_sub(header, "InitgPty"), "Nm", debtor.name)

    info = _sub(initiation, "PmtInf")
    _sub(info, "PmtInfId", message_id)
    _sub(info, "PmtMtd", "TRF")
    _sub(info, "NbOfTxs", len(orders))
    _sub(info, "CtrlSum", f"{total:.2f}")
    _sub(_sub(info, "ReqdExctnDt"), "Dt", execution_date.isoformat())
    _sub(_sub(info, "Dbtr"), "Nm", debtor.name)
    _account(info, "DbtrAcct", debtor.account)
    _agent(info, "DbtrAgt", debtor.bank)
    for order in orders:
        transfer = _sub(info, "CdtTrfTxInf")
        ids = _sub(transfer, "PmtId")
        _sub(ids, "InstrId", order.end_to_end_id)
        _sub(ids, "EndToEndId", order.end_to_end_id)
        _sub(
            _sub(transfer, "Amt"),
            "InstdAmt",
            format_amount(order.amount, order.currency),
            Ccy=order.currency,
        )
        _agent(transfer, "CdtrAgt", order.payee_bank)
        _sub(_sub(transfer, "Cdtr"), "Nm", order.payee_name[:140])
        _account(transfer, "CdtrAcct", order.payee_account)
        _sub(_sub(transfer, "RmtInf"), "Ustrd", order.remittance[:140])
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def _parse_xml(content: bytes, namespace: str):
    try:
        root = SafeET.fromstring(content)
    except (SafeET.ParseError, DefusedXmlException, ValueError):
        raise InvalidInput(
            _("The file is not valid XML."), code="invalid_file"
        ) from None
    if root.tag != f"{{{namespace}}}Document":
        raise InvalidInput(
            _("The file is not of the expected ISO 20022 message type."),
            code="invalid_file",
        )
    return root


def _decimal(text) -> Decimal:
    try:
        value = Decimal((text or "").strip())
    except InvalidOperation:
        raise InvalidInput(
            _("An amount in the file is not a number."), code="invalid_file"
        ) from None
    if not value.is_finite():
        raise InvalidInput(
            _("An amount in the file is not a number."), code="invalid_file"
        )
    return value.quantize(Decimal("0.01"))


def parse_pain001(content: bytes) -> list[PaymentOrder]:
    root = _parse_xml(content, PAIN001_NS)
    ns = {"p": PAIN001_NS}
    orders = []
    for transfer in root.iterfind(".//p:CdtTrfTxInf", ns):
        amount = transfer.find("p:Amt/p:InstdAmt", ns)
        orders.append(
            PaymentOrder(
                end_to_end_id=transfer.findtext("p:PmtId/p:EndToEndId", "", ns),
                payee_name=transfer.findtext("p:Cdtr/p:Nm", "", ns),
                payee_bank=transfer.findtext("p:CdtrAgt/p:FinInstnId/p:Nm", "", ns),
                payee_account=transfer.findtext("p:CdtrAcct/p:Id/p:Othr/p:Id", "", ns),
                amount=_decimal(amount.text),
                currency=amount.get("Ccy", ""),
                remittance=transfer.findtext("p:RmtInf/p:Ustrd", "", ns),
            )
        )
    return orders


# Statements.


def camt053(
    *,
    statement_id: str,
    created_at: datetime,
    account: str,
    entries: list[StatementEntry],
) -> bytes:
    """A BankToCustomerStatement as the bank would send it; used by the
    demo and the tests to stand in for the bank."""
    root = ET.Element("Document", {"xmlns": CAMT053_NS})
    message = _sub(root, "BkToCstmrStmt")
    header = _sub(message, "GrpHdr")
    _sub(header, "MsgId", statement_id)
    _sub(header, "CreDtTm", created_at.replace(microsecond=0).isoformat())
    statement = _sub(message, "Stmt")
    _sub(statement, "Id", statement_id)
    _sub(statement, "CreDtTm", created_at.replace(microsecond=0).isoformat())
    _account(statement, "Acct", account)
    for entry in entries:
        node = _sub(statement, "Ntry")
        _sub(node, "NtryRef", entry.line_key)
        _sub(
            node, "Amt", format_amount(entry.amount, entry.currency), Ccy=entry.currency
        )
        _sub(node, "CdtDbtInd", "CRDT" if entry.returned else "DBIT")
        if entry.returned:
            _sub(node, "RvslInd", "true")
        _sub(_sub(node, "Sts"), "Cd", "BOOK")
        if entry.booking_date:
            _sub(_sub(node, "BookgDt"), "Dt", entry.booking_date.isoformat())
        _sub(node, "AcctSvcrRef", entry.line_key)
        domain = _sub(_sub(node, "BkTxCd"), "Domn")
        _sub(domain, "Cd", "PMNT")
        family = _sub(domain, "Fmly")
        _sub(family, "Cd", "ICDT")
        _sub(family, "SubFmlyCd", "RRTN" if entry.returned else "DMCT")
        details = _sub(_sub(node, "NtryDtls"), "TxDtls")
        _sub(_sub(details, "Refs"), "EndToEndId", entry.end_to_end_id)
        if entry.returned:
            info = _sub(details, "RtrInf")
            code, _space, text = entry.reason.partition(" ")
            _sub(_sub(info, "Rsn"), "Cd", code or "NARR")
            if text:
                _sub(info, "AddtlInf", text)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def _entry_reason(node, ns) -> str:
    code = node.findtext(".//c:RtrInf/c:Rsn/c:Cd", "", ns)
    text = " ".join(
        part.text.strip()
        for part in node.iterfind(".//c:RtrInf/c:AddtlInf", ns)
        if part.text
    )
    return " ".join(part for part in (code, text) if part)


def _date(text: str | None) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text.strip()[:10])
    except ValueError:
        raise InvalidInput(
            _("A date in the file is not valid."), code="invalid_file"
        ) from None


def parse_camt053(content: bytes) -> ParsedStatement:
    root = _parse_xml(content, CAMT053_NS)
    ns = {"c": CAMT053_NS}
    statement = root.find("c:BkToCstmrStmt/c:Stmt", ns)
    if statement is None or not statement.findtext("c:Id", "", ns).strip():
        raise InvalidInput(_("The statement has no id."), code="invalid_file")
    entries = []
    for position, node in enumerate(statement.iterfind("c:Ntry", ns), start=1):
        amount = node.find("c:Amt", ns)
        if amount is None:
            raise InvalidInput(
                _("A statement entry has no amount."), code="invalid_file"
            )
        reversal = node.findtext("c:RvslInd", "", ns).strip().lower() == "true"
        reason = _entry_reason(node, ns)
        key = (
            node.findtext("c:AcctSvcrRef", "", ns)
            or node.findtext("c:NtryRef", "", ns)
            or f"#{position}"
        )
        entries.append(
            StatementEntry(
                line_key=key.strip()[:100],
                end_to_end_id=node.findtext(".//c:Refs/c:EndToEndId", "", ns).strip(),
                amount=_decimal(amount.text),
                currency=amount.get("Ccy", ""),
                booking_date=_date(node.findtext("c:BookgDt/c:Dt", "", ns)),
                returned=reversal or bool(node.find(".//c:RtrInf", ns) is not None),
                reason=reason,
            )
        )
    return ParsedStatement(statement.findtext("c:Id", "", ns).strip(), entries)


def parse_statement_csv(content: bytes) -> ParsedStatement:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput(
            _("The file is not UTF-8 text."), code="invalid_file"
        ) from None
    reader = csv.DictReader(io.StringIO(text))
    missing = set(STATEMENT_CSV_COLUMNS) - set(reader.fieldnames or ())
    if missing:
        raise InvalidInput(
            _("The statement is missing the columns: %(columns)s.")
            % {"columns": ", ".join(sorted(missing))},
            code="invalid_file",
        )
    rows = list(reader)
    ids = {row["statement_id"].strip() for row in rows}
    if len(ids) != 1 or not ids.pop():
        raise InvalidInput(
            _("Every line must carry the same, non-empty statement id."),
            code="invalid_file",
        )
    entries = [
        StatementEntry(
            line_key=row["line_id"].strip()[:100],
            end_to_end_id=row["end_to_end_id"].strip(),
            amount=_decimal(row["amount"]),
            currency=row["currency"].strip().upper(),
            booking_date=_date(row["booking_date"]),
            returned=row["status"].strip().lower()
            in ("returned", "failed", "rejected"),
            reason=row["reason"].strip(),
        )
        for row in rows
    ]
    return ParsedStatement(rows[0]["statement_id"].strip(), entries)


def parse_statement(content: bytes, file_format: str) -> ParsedStatement:
    if file_format == "camt053":
        parsed = parse_camt053(content)
    elif file_format == "csv":
        parsed = parse_statement_csv(content)
    else:
        raise InvalidInput(_("Unknown statement format."), code="invalid_format")
    keys = [entry.line_key for entry in parsed.entries]
    if "" in keys or len(keys) != len(set(keys)):
        raise InvalidInput(
            _("Every statement line needs its own reference."), code="invalid_file"
        )
    return parsed
