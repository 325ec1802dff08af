#!/usr/bin/env python3
"""Generates a contact list like a Chilean collections agency's, for benchmark B4 (ingestion).

    pip install xlsxwriter xlwt
    python3 bench/generate_workbook.py --rows 100000 --out DIR

writes DIR/contacts.xlsx (xlsxwriter), DIR/contacts.xls (xlwt) and DIR/contacts.csv (UTF-8 with BOM,
`;`-delimited, as Excel's "CSV UTF-8" writes it in a Spanish locale). The .xls holds at most 65,535
data rows: a BIFF8 sheet has 65,536 rows, and the header takes one.

Columns: RUTS (valid RUTs with mod-11 check digit: a number cell when the check digit is a digit,
text `12345678-K` when it is K), Nombre, Origen Empresa, Saldo actualizado (integer), FechaVencimiento
(a real date cell, mm-dd-yy), Días de retraso (integer), Teléfono móvil (text: 9 digits starting with
9, some with the 56 country prefix), Teléfono Residencial (text, often blank). About one RUT in ten
appears in two rows (a debtor with two debts). The output is the same for the same --rows and --seed.
"""
import argparse
import csv
import datetime
import os
import random

HEADER = [
    "RUTS",
    "Nombre",
    "Origen Empresa",
    "Saldo actualizado",
    "FechaVencimiento",
    "Días de retraso",
    "Teléfono móvil",
    "Teléfono Residencial",
]
FIRST_NAMES = ["María", "José", "Juan", "Ana", "Luis", "Carmen", "Pedro", "Francisca", "Diego", "Valentina",
               "Jorge", "Camila", "Matías", "Catalina", "Sebastián", "Constanza", "Ignacio", "Javiera", "Tomás", "Sofía"]
LAST_NAMES = ["González", "Muñoz", "Rojas", "Díaz", "Pérez", "Soto", "Contreras", "Silva", "Martínez", "Sepúlveda",
              "Morales", "Rodríguez", "López", "Fuentes", "Hernández", "Torres", "Araya", "Flores", "Espinoza", "Valenzuela"]
COMPANIES = ["Banco Estado", "Falabella", "Ripley", "Entel", "Movistar", "La Polar", "Hites", "CMR", "Cencosud", "VTR"]
XLS_MAX_DATA_ROWS = 65_535


def check_digit(body):
    """The RUT's mod-11 check digit: '0'–'9' or 'K'."""
    total, factor = 0, 2
    for digit in reversed(str(body)):
        total += int(digit) * factor
        factor = 2 if factor == 7 else factor + 1
    value = 11 - total % 11
    return {11: "0", 10: "K"}.get(value, str(value))


def contact_rows(count, seed):
    """Yields `count` rows: [rut (int or str), name, company, balance, due date, days late, mobile, home]."""
    rng = random.Random(seed)
    today = datetime.date(2025, 6, 30)
    produced = 0
    while produced < count:
        body = rng.randint(5_000_000, 26_000_000)
        digit = check_digit(body)
        rut = int(f"{body}{digit}") if digit != "K" else f"{body}-K"
        name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)} {rng.choice(LAST_NAMES)}"
        mobile = f"9{rng.randint(10_000_000, 99_999_999)}"
        if rng.random() < 0.2:
            mobile = "56" + mobile
        home = f"22{rng.randint(1_000_000, 9_999_999)}" if rng.random() < 0.3 else ""
        debts = 2 if rng.random() < 0.1 else 1
        for _ in range(min(debts, count - produced)):
            due = today - datetime.timedelta(days=rng.randint(1, 900))
            yield [rut, name, rng.choice(COMPANIES), rng.randint(10_000, 5_000_000), due, (today - due).days, mobile, home]
            produced += 1


def write_xlsx(path, rows, seed):
    import xlsxwriter

    book = xlsxwriter.Workbook(path)
    sheet = book.add_worksheet("Cartera")
    date_format = book.add_format({"num_format": "mm-dd-yy"})
    sheet.write_row(0, 0, HEADER)
    for index, row in enumerate(contact_rows(rows, seed), start=1):
        rut, name, company, balance, due, late, mobile, home = row
        if isinstance(rut, int):
            sheet.write_number(index, 0, rut)
        else:
            sheet.write_string(index, 0, rut)
        sheet.write_string(index, 1, name)
        sheet.write_string(index, 2, company)
        sheet.write_number(index, 3, balance)
        sheet.write_datetime(index, 4, datetime.datetime(due.year, due.month, due.day), date_format)
        sheet.write_number(index, 5, late)
        sheet.write_string(index, 6, mobile)
        if home:
            sheet.write_string(index, 7, home)
    book.close()


def write_xls(path, rows, seed):
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("Cartera")
    date_style = xlwt.easyxf(num_format_str="mm-dd-yy")
    for column, title in enumerate(HEADER):
        sheet.write(0, column, title)
    for index, row in enumerate(contact_rows(min(rows, XLS_MAX_DATA_ROWS), seed), start=1):
        for column, value in enumerate(row):
            if column == 4:
                sheet.write(index, column, value, date_style)
            elif value != "":
                sheet.write(index, column, value)
    book.save(path)


def write_csv(path, rows, seed):
    with open(path, "w", encoding="utf-8-sig", newline="") as file:
        writer = csv.writer(file, delimiter=";", lineterminator="\r\n")
        writer.writerow(HEADER)
        for row in contact_rows(rows, seed):
            row[4] = row[4].strftime("%d-%m-%Y")
            writer.writerow(row)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000, help="data rows (default 100000)")
    parser.add_argument("--out", required=True, help="output directory")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--formats", default="xlsx,xls,csv", help="comma-separated subset of xlsx,xls,csv")
    arguments = parser.parse_args()
    os.makedirs(arguments.out, exist_ok=True)
    writers = {"xlsx": write_xlsx, "xls": write_xls, "csv": write_csv}
    for name in arguments.formats.split(","):
        path = os.path.join(arguments.out, f"contacts.{name}")
        writers[name](path, arguments.rows, arguments.seed)
        print(f"{path}: {os.path.getsize(path):,} bytes")


if __name__ == "__main__":
    main()
