#!/usr/bin/env python3
"""Writes the contact lists the end-to-end tests upload: the same small Chilean list as .xlsx, .xls
and .csv (so the three readers must agree), an Argentine list, and the bad files.

    python3 Tests/Fixtures/contacts/make_contacts.py     # needs openpyxl and xlwt (pip)

The expected results are spelled out in Tests/e2e/test_ingestion.py; change both together.
"""
import csv
import datetime
import io
import os
import zipfile

import openpyxl
import xlwt

HERE = os.path.dirname(os.path.abspath(__file__))

HEADER = ["RUTS", "Nombre", "Origen Empresa", "Saldo actualizado", "FechaVencimiento", "Días de retraso",
          "Teléfono móvil", "Teléfono Residencial"]
D = datetime.date
# Row 2 and 3: one debtor (RUT 12.345.678-5, once numeric, once text) -> summed, both phones, mobile first.
# Row 4: a mobile with 56 and a mobile in the landline column -> two mobiles.
# Row 5: a RUT ending in k (lower case).
# Row 6: no valid phone -> row error. Row 7: bad check digit -> row error.
CHILE = [
    [123456785, "ANA MARIA  PEREZ", "Natura", 150000, D(2025, 11, 3), 15, "912345678", ""],
    ["12.345.678-5", "ANA MARIA PEREZ", "Natura", 50000, D(2025, 11, 10), 20, "", "56223456789"],
    ["7654321-6", "LUIS SOTO", "Avon exclusiva", 80000, D(2025, 11, 5), 31, "56987654321", "998765432"],
    ["10000013k", "CAROLA DIAZ", "Avon Mútua ya existente", 20000, D(2025, 11, 7), 18, "9 8877 6655", None],
    ["5126663-3", "SIN TELEFONO", "Natura", 1000, D(2025, 11, 7), 18, "x", None],
    ["11111111-2", "DIGITO MALO", "Natura", 1000, D(2025, 11, 7), 18, "911112222", None],
]

ARGENTINA_HEADER = ["DNI", "Nombre", "Celular", "Teléfono"]
ARGENTINA = [
    ["20.123.456", "Juan Gómez", "011 15 2345-6789", "011 4123-4567"],
    ["27.654.321", "María López", "0351 15-512-3456", ""],
    ["30.111.222", "Pedro Ruiz", "+54 9 341 555-1234", ""],
    ["31.222.333", "Lucía Fernández", "261 15 444 5566", ""],
]


def write_xlsx(path, header, rows):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Hoja1"
    sheet.append(header)
    for row in rows:
        sheet.append(row)
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, datetime.date):
                cell.number_format = "mm-dd-yy"
    book.save(path)


def write_xls(path, header, rows):
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("Hoja1")
    date_style = xlwt.easyxf(num_format_str="DD/MM/YYYY")
    for column, value in enumerate(header):
        sheet.write(0, column, value)
    for index, row in enumerate(rows, start=1):
        for column, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, datetime.date):
                sheet.write(index, column, value, date_style)
            else:
                sheet.write(index, column, value)
    book.save(path)


def write_csv(path, header, rows, delimiter=";", encoding="utf-8-sig"):
    with open(path, "w", newline="", encoding=encoding) as handle:
        writer = csv.writer(handle, delimiter=delimiter)
        writer.writerow(header)
        for row in rows:
            writer.writerow(["" if value is None else value.strftime("%d/%m/%Y") if isinstance(value, datetime.date)
                             else value for value in row])


def main():
    write_xlsx(os.path.join(HERE, "chile.xlsx"), HEADER, CHILE)
    write_xls(os.path.join(HERE, "chile.xls"), HEADER, CHILE)
    write_csv(os.path.join(HERE, "chile.csv"), HEADER, CHILE)
    write_xlsx(os.path.join(HERE, "argentina.xlsx"), ARGENTINA_HEADER, ARGENTINA)
    write_csv(os.path.join(HERE, "header_only.csv"), HEADER, [])
    write_csv(os.path.join(HERE, "no_phone_column.csv"), ["RUT", "Nombre"], [["12345678-5", "Ana"]])
    # A workbook cut in half: the zip's central directory is gone.
    with open(os.path.join(HERE, "chile.xlsx"), "rb") as handle:
        whole = handle.read()
    with open(os.path.join(HERE, "truncated.xlsx"), "wb") as handle:
        handle.write(whole[: len(whole) // 2])
    # An xlsx whose sheet declares an entity (the "billion laughs" family).
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(whole)) as source, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>' + data
            target.writestr(item, data)
    with open(os.path.join(HERE, "entities.xlsx"), "wb") as handle:
        handle.write(buffer.getvalue())
    # Not a spreadsheet at all.
    with open(os.path.join(HERE, "picture.png"), "wb") as handle:
        handle.write(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))


if __name__ == "__main__":
    main()
