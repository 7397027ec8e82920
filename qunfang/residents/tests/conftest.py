import csv
import io

import openpyxl
import pytest

from qunfang.residents.ledgers import PERSONS


def persons_csv(*rows: dict) -> bytes:
    """Raw CSV, exactly as typed: no formula neutralising, so bad cells reach the importer."""
    headers = PERSONS.headers()
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers)
    for row in rows:
        writer.writerow([row.get(h, "") for h in headers])
    return buffer.getvalue().encode("utf-8")


def persons_xlsx(*rows: dict) -> bytes:
    headers = PERSONS.headers()
    book = openpyxl.Workbook()
    book.active.append(headers)
    for row in rows:
        book.active.append([row.get(h, "") for h in headers])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def as_csv():
    return persons_csv


@pytest.fixture
def as_xlsx():
    return persons_xlsx
