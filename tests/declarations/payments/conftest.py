"""A small world for the payments tests: two offices, a collection officer in each, units
with their codes, and statements written as CSV, .xlsx or camt.053."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from tests.declarations.review_world import staff, unit
from tests.factories import employer_user

HEADER = ["Số UNC", "Ngày", "Số tiền", "Tài khoản chuyển", "Tên người chuyển", "Nội dung"]


class World:
    def __init__(self):
        self.unit_a = unit(
            "7501", unit_code="TZH490L", name="Công ty TNHH Thử A", tax_code="0101300842"
        )
        self.unit_a2 = unit(
            "7501", unit_code="DV0012A", name="Công ty Thử A2", tax_code="0312345675"
        )
        self.unit_b = unit("7502", unit_code="HN1234B", name="Công ty Thử B", tax_code="0100109106")
        self.office_a = self.unit_a.managing_office
        self.office_b = self.unit_b.managing_office
        self.officer_a = staff("7501", role="collection_officer", full_name="Nguyễn Thu A")
        self.officer_b = staff("7502", role="collection_officer", full_name="Lê Thu B")
        self.employer_a = employer_user(self.unit_a)


@pytest.fixture
def world(reference_data):
    return World()


def csv_upload(rows, *, header=HEADER, name="sao-ke.csv", delimiter=";") -> SimpleUploadedFile:
    lines = [delimiter.join(header)] + [delimiter.join(str(c) for c in r) for r in rows]
    return SimpleUploadedFile(name, ("\n".join(lines) + "\n").encode("utf-8-sig"), "text/csv")


def xlsx_upload(rows, *, header=HEADER, name="sao-ke.xlsx", titles=()) -> SimpleUploadedFile:
    book = Workbook()
    sheet = book.active
    for title in titles:
        sheet.append([title])
    sheet.append(header)
    for r in rows:
        sheet.append(list(r))
    out = io.BytesIO()
    book.save(out)
    return SimpleUploadedFile(name, out.getvalue(), "application/vnd.ms-excel")


NS = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"


def camt_entry(
    *, amount, booked, kind="CRDT", e2e="", svcr="", iban="", other="", name="", ustrd="", ccy="VND"
):
    account = (
        f"<DbtrAcct><Id><IBAN>{iban}</IBAN></Id></DbtrAcct>"
        if iban
        else f"<DbtrAcct><Id><Othr><Id>{other}</Id></Othr></Id></DbtrAcct>"
        if other
        else ""
    )
    return f"""
      <Ntry>
        <Amt Ccy="{ccy}">{amount}</Amt>
        <CdtDbtInd>{kind}</CdtDbtInd>
        <Sts>BOOK</Sts>
        <BookgDt><Dt>{booked}</Dt></BookgDt>
        <ValDt><Dt>{booked}</Dt></ValDt>
        <AcctSvcrRef>{svcr}</AcctSvcrRef>
        <BkTxCd/>
        <NtryDtls><TxDtls>
          <Refs><AcctSvcrRef>{svcr}</AcctSvcrRef><EndToEndId>{e2e or "NOTPROVIDED"}</EndToEndId></Refs>
          <RltdPties><Dbtr><Nm>{name}</Nm></Dbtr>{account}</RltdPties>
          <RmtInf><Ustrd>{ustrd}</Ustrd></RmtInf>
        </TxDtls></NtryDtls>
      </Ntry>"""


def camt_upload(entries, *, name="camt053.xml") -> SimpleUploadedFile:
    xml = f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="{NS}">
  <BkToCstmrStmt>
    <GrpHdr><MsgId>STMT-1</MsgId><CreDtTm>2026-11-30T18:00:00</CreDtTm></GrpHdr>
    <Stmt>
      <Id>STMT-1-1</Id>
      <CreDtTm>2026-11-30T18:00:00</CreDtTm>
      <Acct><Id><Othr><Id>1234567890123</Id></Othr></Id><Ccy>VND</Ccy></Acct>
      {"".join(entries)}
    </Stmt>
  </BkToCstmrStmt>
</Document>"""
    return SimpleUploadedFile(name, xml.encode("utf-8"), "application/xml")


NOV = date(2026, 11, 1)
