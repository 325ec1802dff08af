#!/usr/bin/env python3
"""Generates the spreadsheet fixtures of SpreadsheetTests into this directory.

Run from anywhere:

    pip install xlwt          # only needed for the .xls fixtures
    python3 Tests/Fixtures/spreadsheets/make_fixtures.py

The .xlsx files are written by hand (XML strings + zipfile) so that each one holds exactly the
construct a test is about: sparse rows, rows without `r`, rich text with phonetic runs, a DTD,
ZIP entries with lying sizes or damaged offsets. Output is deterministic (fixed ZIP timestamps),
so re-running it leaves git clean unless this script changed.
"""
import os
import struct
import zipfile
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
FIXED_TIME = (2024, 1, 1, 0, 0, 0)

NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
TYPE_WORKSHEET = NS_REL + "/worksheet"
TYPE_STYLES = NS_REL + "/styles"
TYPE_SHARED = NS_REL + "/sharedStrings"


def path(name):
    return os.path.join(HERE, name)


def write(name, data):
    with open(path(name), "wb") as file:
        file.write(data)


def zip_bytes(parts, method=zipfile.ZIP_DEFLATED):
    """A ZIP of (name, text-or-bytes) pairs, deterministic."""
    import io

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as archive:
        for name, content in parts:
            info = zipfile.ZipInfo(name, FIXED_TIME)
            info.compress_type = method
            archive.writestr(info, content.encode("utf-8") if isinstance(content, str) else content)
    return buffer.getvalue()


def sheet_xml(rows_xml, prefix=""):
    p = prefix + ":" if prefix else ""
    xmlns = f'xmlns:{prefix}="{NS_MAIN}"' if prefix else f'xmlns="{NS_MAIN}"'
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<{p}worksheet {xmlns} xmlns:r="{NS_REL}"><{p}dimension ref="A1:H30"/>'
        f'<{p}sheetViews><{p}sheetView workbookViewId="0"/></{p}sheetViews>'
        f"<{p}sheetData>{rows_xml}</{p}sheetData>"
        f'<{p}pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/></{p}worksheet>'
    )


def shared_strings_xml(items):
    """items: raw XML of each <si>'s content."""
    body = "".join(f"<si>{item}</si>" for item in items)
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<sst xmlns="{NS_MAIN}" count="{len(items)}" uniqueCount="{len(items)}">{body}</sst>'
    )


def plain_strings(texts):
    return shared_strings_xml([f"<t>{t}</t>" for t in texts])


DEFAULT_STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    f'<styleSheet xmlns="{NS_MAIN}">'
    '<numFmts count="5">'
    '<numFmt numFmtId="164" formatCode="dd/mm/yyyy"/>'
    '<numFmt numFmtId="165" formatCode="[h]:mm:ss"/>'
    '<numFmt numFmtId="166" formatCode="h:mm"/>'
    '<numFmt numFmtId="167" formatCode="&quot;Fecha y hora: &quot;0"/>'
    '<numFmt numFmtId="168" formatCode="yyyy-mm-dd h:mm"/>'
    "</numFmts>"
    '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="1"><fill><patternFill patternType="none"/></fill></fills>'
    '<borders count="1"><border/></borders>'
    # A named style with a date format: cells never point here, so it must not count.
    '<cellStyleXfs count="2"><xf numFmtId="0"/><xf numFmtId="14"/></cellStyleXfs>'
    '<cellXfs count="8">'
    '<xf numFmtId="0" fontId="0"/>'  # 0 General
    '<xf numFmtId="14" fontId="0" applyNumberFormat="1"/>'  # 1 mm-dd-yy (built in)
    '<xf numFmtId="164" fontId="0" applyNumberFormat="1"><alignment horizontal="left"/></xf>'  # 2 dd/mm/yyyy
    '<xf numFmtId="165" applyNumberFormat="1"/>'  # 3 duration
    '<xf numFmtId="166" applyNumberFormat="1"/>'  # 4 pure time
    '<xf numFmtId="167" applyNumberFormat="1"/>'  # 5 quoted literal with date letters
    '<xf numFmtId="168" applyNumberFormat="1"/>'  # 6 date and time
    '<xf numFmtId="2" applyNumberFormat="1"/>'  # 7 0.00
    "</cellXfs></styleSheet>"
)


def workbook_parts(sheets, shared=None, styles=DEFAULT_STYLES, date1904=False, absolute_targets=()):
    """sheets: list of (name, xml, state). Returns the ZIP parts of a workbook."""
    workbook_pr = '<workbookPr date1904="1"/>' if date1904 else '<workbookPr defaultThemeVersion="124226"/>'
    sheet_elements = "".join(
        f'<sheet name="{name}" sheetId="{i + 1}"{f" state={chr(34)}{state}{chr(34)}" if state else ""} r:id="rId{i + 1}"/>'
        for i, (name, _, state) in enumerate(sheets)
    )
    workbook = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<workbook xmlns="{NS_MAIN}" xmlns:r="{NS_REL}">{workbook_pr}<sheets>{sheet_elements}</sheets></workbook>'
    )
    relationships = []
    for i in range(len(sheets)):
        target = f"/xl/worksheets/sheet{i + 1}.xml" if i in absolute_targets else f"worksheets/sheet{i + 1}.xml"
        relationships.append(f'<Relationship Id="rId{i + 1}" Type="{TYPE_WORKSHEET}" Target="{target}"/>')
    relationships.append(f'<Relationship Id="rIdS" Type="{TYPE_STYLES}" Target="styles.xml"/>')
    if shared is not None:
        relationships.append(f'<Relationship Id="rIdT" Type="{TYPE_SHARED}" Target="sharedStrings.xml"/>')
    rels = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        + "".join(relationships)
        + "</Relationships>"
    )
    content_types = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        "</Types>"
    )
    root_rels = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        'officeDocument" Target="xl/workbook.xml"/></Relationships>'
    )
    parts = [
        ("[Content_Types].xml", content_types),
        ("_rels/.rels", root_rels),
        ("xl/workbook.xml", workbook),
        ("xl/_rels/workbook.xml.rels", rels),
        ("xl/styles.xml", styles),
    ]
    if shared is not None:
        parts.append(("xl/sharedStrings.xml", shared))
    for i, (_, xml, _) in enumerate(sheets):
        parts.append((f"xl/worksheets/sheet{i + 1}.xml", xml))
    return parts


def one_sheet_xlsx(rows_xml, shared=None, **options):
    return zip_bytes(workbook_parts([("Hoja1", sheet_xml(rows_xml), None)], shared=shared, **options))


# --- .xlsx -------------------------------------------------------------------------------------

CONTACT_STRINGS = [
    "RUT",  # 0
    "Nombre",  # 1
    "Empresa",  # 2
    "Saldo",  # 3
    "Vencimiento",  # 4
    "Fecha pago",  # 5
    "Activo",  # 6
    "Nota",  # 7
    "María José Pérez",  # 8
    "Soto &amp; Cía",  # 9  entity
    "Línea 1_x000D__x000A_Línea 2",  # 10 OOXML escapes
    " ",  # 11 whitespace only
    "",  # 12 empty
]


def contacts_xlsx(method=zipfile.ZIP_DEFLATED):
    rows = "".join(
        [
            # 1: header, all shared strings.
            '<row r="1" spans="1:8">'
            + "".join(f'<c r="{col}1" t="s"><v>{i}</v></c>' for i, col in enumerate("ABCDEFGH"))
            + "</row>",
            # 2: every kind of value.
            '<row r="2" spans="1:8">'
            '<c r="A2"><v>12345678</v></c>'
            '<c r="B2" t="s"><v>8</v></c>'
            '<c r="C2" t="inlineStr"><is><t>Caf&#233; &#xF1;and&#250;</t></is></c>'
            '<c r="D2" s="7"><v>1500.5</v></c>'
            '<c r="E2" s="1"><v>45292</v></c>'
            '<c r="F2" s="2"><v>45310</v></c>'
            '<c r="G2" t="b"><v>1</v></c>'
            '<c r="H2" t="str"><f>CONCAT("te","xto")</f><v>texto</v></c>'
            "</row>",
            # 3 is missing. 4: sparse (B and E only).
            '<row r="4"><c r="B4" t="s"><v>9</v></c><c r="E4" s="1"><v>45000.75</v></c></row>',
            # 5: no r on the cells (sequential), an error, false, the escapes string, a CDATA inline string.
            '<row r="5"><c><v>1</v></c><c t="e"><v>#N/A</v></c><c t="b"><v>0</v></c>'
            '<c t="s"><v>10</v></c><c t="inlineStr"><is><t><![CDATA[<b>&amp;</b>]]></t></is></c></row>',
            # 6: no r on the row (follows 5); formats that are not dates.
            '<row><c r="A6" s="3"><v>1.5</v></c><c r="B6" s="4"><v>0.5</v></c>'
            '<c r="C6" s="5"><v>45292</v></c><c r="D6" s="6"><v>45292.75</v></c>'
            '<c r="E6"><v>-1.25E+3</v></c></row>',
            # 7: Excel's 1900 leap-year bug and the ends of the date range.
            '<row r="7"><c r="A7" s="1"><v>1</v></c><c r="B7" s="1"><v>59</v></c>'
            '<c r="C7" s="1"><v>60</v></c><c r="D7" s="1"><v>61</v></c>'
            '<c r="E7" s="1"><v>2958465</v></c><c r="F7" s="1"><v>2958466</v></c>'
            '<c r="G7" s="1"><v>0.5</v></c></row>',
            # 8: only empty values (styled empty cell, empty and whitespace texts): skipped.
            '<row r="8"><c r="A8" s="2"/><c r="B8" t="s"><v>12</v></c><c r="C8" t="s"><v>11</v></c>'
            '<c r="D8" t="inlineStr"><is><t></t></is></c><c r="E8"><v></v></c></row>',
            # 9: a self-closing row: skipped.
            '<row r="9" spans="1:8" ht="15"/>',
            # 12: after a gap, text beyond the first columns.
            '<row r="12"><c r="J12" t="inlineStr"><is><t>columna J</t></is></c></row>',
        ]
    )
    # Sheet 1 is empty (only empty cells), sheet 2 is hidden (has data the customer cannot see),
    # sheet 3 holds the contacts and is reached through an absolute relationship target.
    empty_sheet = sheet_xml('<row r="1"><c r="A1" s="1"/><c r="B1" t="inlineStr"><is><t> </t></is></c></row>')
    hidden_sheet = sheet_xml('<row r="1"><c r="A1" t="inlineStr"><is><t>oculto</t></is></c></row>')
    parts = workbook_parts(
        [("Vacía", empty_sheet, None), ("Oculta", hidden_sheet, "hidden"), ("Contactos", sheet_xml(rows), None)],
        shared=plain_strings(CONTACT_STRINGS),
        absolute_targets=(2,),
    )
    return zip_bytes(parts, method)


def date1904_xlsx():
    rows = (
        '<row r="1"><c r="A1" t="inlineStr"><is><t>Fecha</t></is></c></row>'
        '<row r="2"><c r="A2" s="1"><v>0</v></c></row>'
        '<row r="3"><c r="A3" s="1"><v>366</v></c></row>'
        '<row r="4"><c r="A4" s="2"><v>43830</v></c></row>'
    )
    return one_sheet_xlsx(rows, date1904=True)


def rich_text_xlsx():
    shared = shared_strings_xml(
        [
            '<r><rPr><b/><sz val="11"/></rPr><t>Hola </t></r><r><t xml:space="preserve">mundo</t></r>'
            '<rPh sb="0" eb="4"><t>ホラ</t></rPh><phoneticPr fontId="1" type="noConversion"/>',
            "<t>東京</t><rPh sb=\"0\" eb=\"2\"><t>トウキョウ</t></rPh>",
        ]
    )
    rows = '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>'
    return one_sheet_xlsx(rows, shared=shared)


def prefixed_xlsx():
    """Elements with a namespace prefix (`x:row`), as the .NET Open XML SDK writes them."""
    rows = (
        '<x:row r="1"><x:c r="A1" t="inlineStr"><x:is><x:t>Nombre</x:t></x:is></x:c></x:row>'
        '<x:row r="2"><x:c r="A2" t="inlineStr"><x:is><x:t>Ana</x:t></x:is></x:c><x:c r="B2"><x:v>7</x:v></x:c></x:row>'
    )
    return zip_bytes(workbook_parts([("Hoja1", sheet_xml(rows, prefix="x"), None)]))


def header_only_xlsx():
    return one_sheet_xlsx('<row r="1"><c r="A1" t="inlineStr"><is><t>RUT</t></is></c>'
                          '<c r="B1" t="inlineStr"><is><t>Nombre</t></is></c></row>')


def doctype_xlsx():
    shared = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;">]>'
        f'<sst xmlns="{NS_MAIN}" count="1" uniqueCount="1"><si><t>&lol2;</t></si></sst>'
    )
    return one_sheet_xlsx('<row r="1"><c r="A1" t="s"><v>0</v></c></row>', shared=shared)


def bomb_rows(count):
    return "".join(
        f'<row r="{i}"><c r="A{i}" t="inlineStr"><is><t>{"A" * 200}</t></is></c></row>' for i in range(1, count + 1)
    )


def patch_declared_size(data, entry_name, new_size):
    """Rewrites the uncompressed size an entry declares, in its local header and in the central
    directory: what a lying zip bomb does."""
    data = bytearray(data)
    name = entry_name.encode()
    position = 0
    while True:
        position = data.find(b"PK\x03\x04", position)
        if position < 0:
            break
        name_length, = struct.unpack_from("<H", data, position + 26)
        if data[position + 30 : position + 30 + name_length] == name:
            struct.pack_into("<I", data, position + 22, new_size)
        position += 4
    position = 0
    while True:
        position = data.find(b"PK\x01\x02", position)
        if position < 0:
            break
        name_length, = struct.unpack_from("<H", data, position + 28)
        if data[position + 46 : position + 46 + name_length] == name:
            struct.pack_into("<I", data, position + 24, new_size)
        position += 4
    return bytes(data)


def central_entry_offset(data, entry_name):
    name = entry_name.encode()
    position = 0
    while True:
        position = data.find(b"PK\x01\x02", position)
        if position < 0:
            raise KeyError(entry_name)
        name_length, = struct.unpack_from("<H", data, position + 28)
        if data[position + 46 : position + 46 + name_length] == name:
            return position
        position += 4


def patched(data, offset, fmt, value):
    data = bytearray(data)
    struct.pack_into(fmt, data, offset, value)
    return bytes(data)


def deflated(content):
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    return compressor.compress(content) + compressor.flush()


def workbook_with_raw_sheet_stream(stream, sheet):
    """A workbook whose sheet entry holds `stream` as its deflate data while its header describes
    `sheet` (size and CRC). The sheet entry comes last, right before the central directory."""
    parts = [(n, c) for n, c in workbook_parts([("Hoja1", "", None)]) if not n.startswith("xl/worksheets/")]
    entries = [(name, deflated(text.encode()), zlib.crc32(text.encode()), len(text.encode())) for name, text in parts]
    entries.append(("xl/worksheets/sheet1.xml", stream, zlib.crc32(sheet), len(sheet)))
    out = bytearray()
    central = bytearray()
    for name, compressed, crc, size in entries:
        encoded = name.encode()
        offset = len(out)
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0x2821, crc, len(compressed), size, len(encoded), 0)
        out += encoded + compressed
        central += struct.pack(
            "<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0x2821, crc, len(compressed), size, len(encoded),
            0, 0, 0, 0, 0, offset)
        central += encoded
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(entries), len(entries), len(central), len(out), 0)
    return bytes(out + central + end)


def unterminated_deflate_xlsx():
    """The sheet's deflate stream is cut in half: the inflater runs out of input before it ends."""
    sheet = sheet_xml(bomb_rows(200)).encode()
    stream = deflated(sheet)
    return workbook_with_raw_sheet_stream(stream[: len(stream) // 2], sheet)


def stored_block_overrun_xlsx():
    """A deflate stream that is one stored block announcing 65,535 bytes and holding 100: the inflater
    keeps reading past the entry, through the central directory, to the end of the file. (This is
    the file that makes ZIPFoundation's own `Archive.extract` loop forever on Linux.)"""
    return workbook_with_raw_sheet_stream(b"\x00\xff\xff\x00\x00" + b"<" * 100, b"<" * 65535)


def xlsx_fixtures():
    contacts = contacts_xlsx()
    write("contacts.xlsx", contacts)
    write("contacts_stored.xlsx", contacts_xlsx(zipfile.ZIP_STORED))  # no compression: the XML as is
    write("date1904.xlsx", date1904_xlsx())
    write("rich_text.xlsx", rich_text_xlsx())
    write("prefixed.xlsx", prefixed_xlsx())
    write("header_only.xlsx", header_only_xlsx())
    write("doctype.xlsx", doctype_xlsx())
    write("truncated.xlsx", contacts[: len(contacts) // 2])

    # Bombs: 2,000 rows of 200 letters inflate to ~500 KB from a few KB; the tests allow 64 KB.
    bomb = one_sheet_xlsx(bomb_rows(2000))
    write("bomb.xlsx", bomb)
    write("bomb_lying.xlsx", patch_declared_size(bomb, "xl/worksheets/sheet1.xml", 1000))

    sheet_entry = central_entry_offset(contacts, "xl/worksheets/sheet3.xml")
    crc, = struct.unpack_from("<I", contacts, sheet_entry + 16)
    write("crc_mismatch.xlsx", patched(contacts, sheet_entry + 16, "<I", crc ^ 0xFFFF))
    write("bad_local_offset.xlsx", patched(contacts, sheet_entry + 42, "<I", 0x7FFFFFF0))
    end_record = contacts.rfind(b"PK\x05\x06")
    write("bad_directory_offset.xlsx", patched(contacts, end_record + 16, "<I", len(contacts) + 1000))
    workbook_entry = central_entry_offset(contacts, "xl/workbook.xml")
    flags, = struct.unpack_from("<H", contacts, workbook_entry + 8)
    write("encrypted_entry.xlsx", patched(contacts, workbook_entry + 8, "<H", flags | 1))
    write("unterminated_deflate.xlsx", unterminated_deflate_xlsx())
    write("stored_block_overrun.xlsx", stored_block_overrun_xlsx())

    # Hostile or broken sheet XML.
    write("huge_column.xlsx", one_sheet_xlsx('<row r="1"><c r="XFD1048577"><v>1</v></c></row>'))
    write("huge_row_number.xlsx", one_sheet_xlsx('<row r="99999999999999999999"><c><v>1</v></c></row>'))
    write("unknown_entity.xlsx", one_sheet_xlsx('<row r="1"><c t="inlineStr"><is><t>&nbsp;</t></is></c></row>'))
    write("invalid_character.xlsx", one_sheet_xlsx('<row r="1"><c t="inlineStr"><is><t>&#xD800;</t></is></c></row>'))
    write("unclosed_tag.xlsx", one_sheet_xlsx('<row r="1"><c r="A1"><v>1</v></c></row><row r="2"><c r="A2"'))
    write("bad_shared_index.xlsx", one_sheet_xlsx('<row r="1"><c t="s"><v>5</v></c></row>', shared=plain_strings(["a"])))
    parts = workbook_parts([("Hoja1", sheet_xml(""), None)])
    write("missing_sheet.xlsx", zip_bytes([(n, c) for n, c in parts if not n.startswith("xl/worksheets/")]))
    write("not_a_workbook.zip", zip_bytes([("word/document.xml", "<document/>")]))


# --- .xls --------------------------------------------------------------------------------------


def xls_fixtures():
    import datetime

    import xlwt

    def contacts(date1904):
        book = xlwt.Workbook(encoding="utf-8")
        book.dates_1904 = date1904
        book.add_sheet("Vacía")  # an empty first sheet
        sheet = book.add_sheet("Contactos")
        date_style = xlwt.easyxf(num_format_str="dd/mm/yyyy")
        datetime_style = xlwt.easyxf(num_format_str="yyyy-mm-dd hh:mm")
        time_style = xlwt.easyxf(num_format_str="hh:mm:ss")
        for column, title in enumerate(["RUT", "Nombre", "Saldo", "Vencimiento", "Registro", "Hora"]):
            sheet.write(0, column, title)
        sheet.write(1, 0, 12345678)
        sheet.write(1, 1, "María José Pérez")
        sheet.write(1, 2, 1500.5)
        sheet.write(1, 3, datetime.date(2024, 1, 15), date_style)
        sheet.write(1, 4, datetime.datetime(2024, 2, 29, 18, 30), datetime_style)
        sheet.write(1, 5, datetime.time(12, 0), time_style)
        # Row 3 is empty; row 4 is sparse.
        sheet.write(3, 1, "Soto & Cía")
        sheet.write(3, 3, datetime.date(1999, 12, 31), date_style)
        return book

    contacts(False).save(path("contacts.xls"))
    contacts(True).save(path("date1904.xls"))

    # Two far-apart cells make the sheet declare 65,536 × 256 cells, which FreeXL would allocate.
    book = xlwt.Workbook()
    sheet = book.add_sheet("Grande")
    sheet.write(0, 0, "a")
    sheet.write(65535, 255, "z")
    book.save(path("huge_dimensions.xls"))

    compound_file = bytes.fromhex("D0CF11E0A1B11AE1")
    write("damaged.xls", compound_file + bytes(range(256)) * 3)
    # What a password-protected .xlsx looks like from outside: an OLE2 file with an EncryptedPackage.
    write("encrypted.xlsx", compound_file + bytes(504) + "EncryptedPackage".encode("utf-16-le") + bytes(64))


# --- .csv and others ---------------------------------------------------------------------------


def other_fixtures():
    write(
        "utf8_bom.csv",
        "\ufeffRUT,Nombre,Nota\r\n"
        '12345678-5,María José,"dice ""hola"", y\r\nse va"\r\n'
        "\r\n"
        '9876543-K,  Pedro  ,\r\n'
        '"","",""\r\n'
        "11111111-1,Último,fin".encode("utf-8"),
    )
    write("semicolon.csv", "RUT;Nombre;Saldo\n12345678-5;Ñuñoa, Chile;1.500,50\n22222222-2;Zoë;0\n".encode("utf-8"))
    write("latin1.csv", "RUT;Nombre;Monto\n12345678-5;José Ñandú;€ 100\n".encode("cp1252"))
    write("tab.csv", "RUT\tNombre\n1-9\tAna, María\n".encode("utf-8"))
    write("sep_line.csv", "sep=;\nRUT;Nombre\n1-9;Ana\n".encode("utf-8"))
    write("header_only.csv", b"RUT,Nombre,Telefono\n")
    write("empty.csv", b"")
    write("unclosed_quote.csv", b'RUT,Nombre\n1-9,Ana\n2-7,"Pedro\nsin cerrar\n')
    write(
        "document.pdf",
        b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
        + bytes(range(256)) * 4
        + b"\n%%EOF\n",
    )


if __name__ == "__main__":
    xlsx_fixtures()
    other_fixtures()
    xls_fixtures()
    print("fixtures written to", HERE)
