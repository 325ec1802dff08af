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
#
# xlwt writes real BIFF8, but always pads the Workbook stream to 4 KB (so never uses the mini
# stream) and writes no MULRK, no cached formula results and no phonetic data. The other .xls files
# are crafted: BIFF8 records by hand ([MS-XLS]) in a compound file from `compound_file` ([MS-CFB]).

ENDOFCHAIN, FREESECT, FATSECT, DIFSECT, NOSTREAM = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFC, 0xFFFFFFFF


def compound_file(streams, version=3, fat_sector_count=0, metadata_first=False, fat_overrides=None):
    """An OLE2 compound file holding `streams`, (name, bytes) pairs, as children of the root storage.
    Streams under 4096 bytes go to the mini stream. `version` 3 has 512-byte sectors, 4 has 4096.
    `fat_sector_count` pads the FAT (past 109 sectors it needs DIFAT sectors); `metadata_first` puts
    the FAT, directory and mini FAT before the streams (so that cutting the file cuts a stream);
    `fat_overrides` ({sector: next}) damages chains."""
    size = 512 if version == 3 else 4096
    per_sector = size // 4
    mini = b""
    mini_fat = []
    mini_starts = {}
    for index, (name, data) in enumerate(streams):
        if len(data) < 4096:
            count = (len(data) + 63) // 64
            mini_starts[index] = len(mini) // 64
            mini_fat += [len(mini) // 64 + i + 1 for i in range(count - 1)] + [ENDOFCHAIN]
            mini += data.ljust(count * 64, b"\0")
    mini_fat_bytes = b"".join(struct.pack("<I", n) for n in mini_fat)

    def sectors_for(length):
        return (length + size - 1) // size

    chains = {i: sectors_for(len(data)) for i, (_, data) in enumerate(streams) if i not in mini_starts}
    chains.update(mini=sectors_for(len(mini)), minifat=sectors_for(len(mini_fat_bytes)),
                  directory=sectors_for((1 + len(streams)) * 128))
    fat_sectors = max(1, fat_sector_count)
    while True:
        difat_sectors = max(0, -(-(fat_sectors - 109) // (per_sector - 1)))
        if fat_sectors * per_sector >= sum(chains.values()) + fat_sectors + difat_sectors:
            break
        fat_sectors += 1
    chains.update(fat=fat_sectors, difat=difat_sectors)
    stream_keys = [key for key in chains if isinstance(key, int)]
    if metadata_first:
        order = ["fat", "difat", "directory", "minifat", "mini"] + stream_keys
    else:
        order = stream_keys + ["mini", "minifat", "directory", "difat", "fat"]
    start = {}
    position = 0
    for key in order:
        start[key] = position if chains[key] else ENDOFCHAIN
        position += chains[key]

    fat = [FREESECT] * (fat_sectors * per_sector)
    for key in order:
        for i in range(chains[key]):
            sector = start[key] + i
            if key == "fat":
                fat[sector] = FATSECT
            elif key == "difat":
                fat[sector] = DIFSECT
            else:
                fat[sector] = sector + 1 if i + 1 < chains[key] else ENDOFCHAIN
    for sector, value in (fat_overrides or {}).items():
        fat[sector] = value

    def entry(name, kind, first, length, right=NOSTREAM, child=NOSTREAM):
        encoded = (name + "\0").encode("utf-16-le") if name else b""
        return (encoded.ljust(64, b"\0") + struct.pack("<HBBIII", len(encoded), kind, 1, NOSTREAM, right, child)
                + bytes(36) + struct.pack("<IQ", first, length))

    directory = entry("Root Entry", 5, start["mini"], len(mini), child=1 if streams else NOSTREAM)
    for index, (name, data) in enumerate(streams):
        first = mini_starts[index] if index in mini_starts else start[index]
        directory += entry(name, 2, first, len(data), right=index + 2 if index + 1 < len(streams) else NOSTREAM)
    while len(directory) % size:
        directory += entry("", 0, 0, 0)

    fat_list = [start["fat"] + i for i in range(fat_sectors)]
    difat = b""
    rest = fat_list[109:]
    for i in range(difat_sectors):
        chunk = rest[i * (per_sector - 1):(i + 1) * (per_sector - 1)]
        chunk += [FREESECT] * (per_sector - 1 - len(chunk))
        chunk.append(start["difat"] + i + 1 if i + 1 < difat_sectors else ENDOFCHAIN)
        difat += b"".join(struct.pack("<I", n) for n in chunk)
    contents = {
        "fat": b"".join(struct.pack("<I", n) for n in fat),
        "difat": difat,
        "mini": mini,
        "minifat": mini_fat_bytes,
        "directory": directory,
    }
    contents.update({i: data for i, (_, data) in enumerate(streams) if i not in mini_starts})
    header_difat = fat_list[:109] + [FREESECT] * (109 - len(fat_list[:109]))
    header = (
        bytes.fromhex("D0CF11E0A1B11AE1") + bytes(16)
        + struct.pack("<HHHHH", 0x3E, version, 0xFFFE, 9 if version == 3 else 12, 6) + bytes(6)
        + struct.pack("<9I", chains["directory"] if version == 4 else 0, fat_sectors, start["directory"], 0, 4096,
                      start["minifat"], chains["minifat"], start["difat"], difat_sectors)
        + b"".join(struct.pack("<I", n) for n in header_difat)
    ).ljust(size, b"\0")
    padding = {"minifat": b"\xff"}
    return header + b"".join(contents[key].ljust(chains[key] * size, padding.get(key, b"\0")) for key in order)


def biff(record_type, body=b""):
    return struct.pack("<HH", record_type, len(body)) + body


def xl_string(text, length_format="<H"):
    """An XLUnicodeString (a ShortXLUnicodeString with "<B"): Latin-1 one byte a character when it
    can be, otherwise UTF-16."""
    try:
        return struct.pack(length_format, len(text)) + b"\x00" + text.encode("latin-1")
    except UnicodeEncodeError:
        encoded = text.encode("utf-16-le")
        return struct.pack(length_format, len(encoded) // 2) + b"\x01" + encoded


def bof(substream, version=0x0600):
    return biff(0x0809, struct.pack("<HHHHII", version, substream, 0x0DBB, 0x07CC, 0, 0x06))


EOF_RECORD = biff(0x000A)
GENERAL = 15  # the XF of a cell without a number format


def cell_record(record_type, row, column, payload, xf=GENERAL):
    return biff(record_type, struct.pack("<HHH", row, column, xf) + payload)


def label_sst(row, column, index):
    return cell_record(0x00FD, row, column, struct.pack("<I", index))


def label(row, column, text):
    return cell_record(0x0204, row, column, xl_string(text))


def number(row, column, value, xf=GENERAL):
    return cell_record(0x0203, row, column, struct.pack("<d", value), xf)


def rk(row, column, value, xf=GENERAL):
    return cell_record(0x027E, row, column, struct.pack("<I", value), xf)


def rk_integer(value, times100=False):
    """The RK of a 30-bit integer (divided by 100 when `times100`)."""
    return (value << 2) & 0xFFFFFFFF | 2 | int(times100)


def rk_float(value, times100=False):
    """The RK of a double whose low 34 bits are zero (divided by 100 when `times100`)."""
    bits, = struct.unpack("<Q", struct.pack("<d", value))
    assert bits & 0x3FFFFFFFF == 0
    return bits >> 32 | int(times100)


def mul_rk(row, first_column, cells):
    """cells: (xf, rk) pairs."""
    body = struct.pack("<HH", row, first_column) + b"".join(struct.pack("<HI", xf, value) for xf, value in cells)
    return biff(0x00BD, body + struct.pack("<H", first_column + len(cells) - 1))


def bool_err(row, column, value, is_error):
    return cell_record(0x0205, row, column, struct.pack("<BB", value, is_error))


def formula(row, column, result, xf=GENERAL):
    """result: a number, or (kind, value) for the FFFF-marked results (0 text, 1 boolean, 2 error, 3 empty)."""
    if isinstance(result, tuple):
        value = struct.pack("<BBBBHH", result[0], 0, result[1], 0, 0, 0xFFFF)
    else:
        value = struct.pack("<d", result)
    return cell_record(0x0006, row, column, value + struct.pack("<HIH", 0, 0, 3) + b"\x1e\x01\x00", xf)  # =1


def worksheet(*records, substream=0x0010):
    return bof(substream) + b"".join(records) + EOF_RECORD


def workbook_stream(sheets, sst=b"", date1904=False, formats=(), xf_formats=(0,) * 16, after_bof=b"",
                    before_eof=b"", padding=0):
    """A Workbook stream: the globals, then the sheets, (name, visibility, type, substream) each.
    `padding` zero bytes after the last sheet, as xlwt writes, make it go in regular sectors."""

    def globals_substream(offsets):
        records = [bof(0x0005), after_bof, biff(0x0042, struct.pack("<H", 1200)),
                   biff(0x0022, struct.pack("<H", int(date1904)))]
        records += [biff(0x041E, struct.pack("<H", id) + xl_string(code)) for id, code in formats]
        records += [biff(0x00E0, struct.pack("<HH", 0, id) + bytes(16)) for id in xf_formats]
        records += [biff(0x0085, struct.pack("<IBB", offset, visibility, kind) + xl_string(name, "<B"))
                    for (name, visibility, kind, _), offset in zip(sheets, offsets)]
        return b"".join(records) + sst + before_eof + EOF_RECORD

    offsets = []
    position = len(globals_substream([0] * len(sheets)))
    for _, _, _, substream in sheets:
        offsets.append(position)
        position += len(substream)
    return globals_substream(offsets) + b"".join(sheet[3] for sheet in sheets) + bytes(padding)


def sst_string(text, runs=0, phonetic=b""):
    """The parts of an XLUnicodeRichExtendedString: header, characters (compressed or UTF-16), and the
    formatting runs and phonetic data that follow them."""
    wide = any(ord(c) > 0xFF for c in text)
    characters = text.encode("utf-16-le" if wide else "latin-1")
    flags = int(wide) | (0x08 if runs else 0) | (0x04 if phonetic else 0)
    header = struct.pack("<HB", len(text), flags)
    if runs:
        header += struct.pack("<H", runs)
    if phonetic:
        header += struct.pack("<I", len(phonetic))
    tail = b"".join(struct.pack("<HH", 2 * i, i) for i in range(runs)) + phonetic
    return header, characters, tail


def whole(text, **options):
    return b"".join(sst_string(text, **options))


# The shared strings of cells.xls, split across CONTINUE records in every way BIFF8 allows.
SST_TEXTS = ["Nombre", "Ñuñoa", "Hola mundo", "東京", "Pérez y Compañía", "Ωmega ñandú", "Negrita", "ふりがな付き",
             "", "€ 100", "final", "precio \x80"]


def cells_sst(unique_count=len(SST_TEXTS)):
    negrita = sst_string("Negrita", runs=3)
    furigana = sst_string("ふりがな付き", phonetic=bytes(range(20)))
    segments = [
        struct.pack("<II", 20, unique_count) + whole("Nombre") + whole("Ñuñoa") + whole("Hola mundo", runs=2)
        + whole("東京", phonetic=bytes(12))
        + struct.pack("<HB", 16, 0) + "Pérez y ".encode("latin-1"),  # 16 characters, 8 here, one byte each
        # … and 8 in the CONTINUE, two bytes each, after a flags byte of their own.
        b"\x01" + "Compañía".encode("utf-16-le")
        + struct.pack("<HB", 11, 1) + "Ωmega ".encode("utf-16-le"),  # 6 of 11 in UTF-16 …
        b"\x00" + "ñandú".encode("latin-1")  # … 5 compressed.
        + negrita[0] + negrita[1] + negrita[2][:4],  # a formatting run here, two in the CONTINUE
        negrita[2][4:] + furigana[0] + furigana[1] + furigana[2][:8],  # phonetic data split too
        furigana[2][8:] + whole("") + whole("€ 100"),
        whole("final")  # a string that starts a CONTINUE
        + struct.pack("<HB", 8, 0) + b"precio \x80",  # 0x80 in a one-byte string: Windows-1252's euro sign
    ]
    return biff(0x00FC, segments[0]) + b"".join(biff(0x003C, segment) for segment in segments[1:])


# XFs 16–21 of cells.xls: custom dd/mm/yyyy, built-in 14 (a date), custom hh:mm (a time of day),
# built-in 2 (0.00), a duration and a quoted literal that has date letters.
CELLS_FORMATS = [(164, "dd/mm/yyyy"), (165, "hh:mm"), (166, "[h]:mm:ss"), (167, '"Fecha: "0')]
CELLS_XF_FORMATS = [0] * 16 + [164, 14, 165, 2, 166, 167]
DATE_XF, BUILT_IN_DATE_XF, TIME_XF, DECIMAL_XF, DURATION_XF, LITERAL_XF = range(16, 22)


def cells_sheet():
    return worksheet(
        biff(0x0200, struct.pack("<IIHHH", 0, 10, 0, 12, 0)),  # DIMENSIONS, not needed
        # Row 1: the shared strings.
        *[label_sst(0, column, column) for column in range(len(SST_TEXTS))],
        # Row 2: numbers in RK and NUMBER records, some with date, time and other formats.
        rk(1, 0, rk_integer(12345678)),
        rk(1, 1, rk_integer(150050, times100=True)),
        rk(1, 2, rk_float(0.5)),
        rk(1, 3, rk_float(125.0, times100=True)),
        number(1, 4, -1234.5678),
        rk(1, 5, rk_integer(-42)),
        rk(1, 6, rk_integer(45306), DATE_XF),
        number(1, 7, 0.75, TIME_XF),
        number(1, 8, 36525, BUILT_IN_DATE_XF),
        number(1, 9, 1.5, DURATION_XF),
        number(1, 10, 45292, LITERAL_XF),
        rk(1, 11, rk_integer(60), DATE_XF),  # Excel's fictitious 1900-02-29
        # Row 3: a MULRK from column B.
        mul_rk(2, 1, [(GENERAL, rk_integer(7)), (DATE_XF, rk_integer(45292)),
                      (DECIMAL_XF, rk_integer(125, times100=True)), (TIME_XF, rk_float(0.5))]),
        # Row 4: booleans, errors, LABEL and RSTRING.
        bool_err(3, 0, 1, 0),
        bool_err(3, 1, 0, 0),
        bool_err(3, 2, 0x2A, 1),
        bool_err(3, 3, 0x07, 1),
        label(3, 4, "Línea"),
        label(3, 5, "Łódź"),
        cell_record(0x00D6, 3, 6, xl_string("Negrita") + struct.pack("<H", 1) + struct.pack("<HH", 0, 1)),
        # Row 5: formulas' cached results.
        formula(4, 0, 3.5),
        formula(4, 1, 45000.75, DATE_XF),
        formula(4, 2, (0, 0)),
        biff(0x04BC, bytes(10)),  # SHRFMLA may come between a FORMULA and its STRING
        biff(0x0207, xl_string("resultado")),
        formula(4, 3, (1, 1)),
        formula(4, 4, (2, 0x17)),
        formula(4, 5, (3, 0)),
        formula(4, 6, (0, 0)),
        biff(0x0207, struct.pack("<HB", 10, 0) + b"conti"),
        biff(0x003C, b"\x00nuado"),
        # An embedded chart: a substream of its own, whose records are no cells.
        bof(0x0020),
        number(5, 0, 999),
        EOF_RECORD,
        # Row 6: only blanks; row 8: only a space. Neither is a row to read.
        cell_record(0x0201, 5, 0, b""),
        biff(0x00BE, struct.pack("<HHHHHH", 5, 1, GENERAL, GENERAL, GENERAL, 3)),
        label(7, 2, " "),
        # Row 10: after a gap, a value in column J.
        label(9, 9, "fin"),
    )


def cells_workbook(sst=None, **options):
    sheets = [
        ("Oculta", 1, 0, worksheet(label(0, 0, "oculto"))),
        ("Muy oculta", 2, 0, worksheet(label(0, 0, "muy oculto"))),
        ("Gráfico", 0, 2, worksheet(number(0, 0, 1), substream=0x0020)),
        ("Vacía", 0, 0, worksheet(cell_record(0x0201, 0, 0, b""), label(1, 1, "  "))),
        ("Datos", 0, 0, cells_sheet()),
        ("Después", 0, 0, worksheet(label(0, 0, "no leído"))),
    ]
    return workbook_stream(sheets, sst=cells_sst() if sst is None else sst, formats=CELLS_FORMATS,
                           xf_formats=CELLS_XF_FORMATS, **options)


def patch_directory_entry(data, name, offset, fmt, value):
    """Rewrites a field of the directory entry called `name`."""
    entry = data.find((name + "\0").encode("utf-16-le").ljust(64, b"\0"))
    assert entry >= 0
    return patched(data, entry + offset, fmt, value)


def sst_fixture_texts():
    """The 3,002 texts of sst_continue.xls, one a cell, ten a row: mostly short (some ASCII, some
    Latin-1 — both stored one byte a character — and some needing UTF-16), and two long ones that
    span several CONTINUE records."""
    def text(i):
        if i % 10 == 9:
            return f"Ł{i}"
        if i % 10 in (1, 5):
            return f"ñ{i}"
        return f"c{i}"
    return [text(i) for i in range(3000)] + ["ñandú " * 1400, "Ωmega " * 700]


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

    # Two far-apart cells make the sheet's DIMENSIONS declare 65,536 × 256 cells.
    book = xlwt.Workbook()
    sheet = book.add_sheet("Grande")
    sheet.write(0, 0, "a")
    sheet.write(65535, 255, "z")
    book.save(path("huge_dimensions.xls"))

    # xlwt splits the shared-string table into CONTINUE records of 8,224 bytes, cutting strings.
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("Textos")
    for index, text in enumerate(sst_fixture_texts()):
        sheet.write(index // 10, index % 10, text)
    sheet.write_rich_text(301, 0, [("Hola ", xlwt.Font()), ("mundo", xlwt.easyfont("bold on"))])
    book.save(path("sst_continue.xls"))

    # Crafted: the same workbook in the mini stream, in 4,096-byte sectors, and with a FAT of more
    # than 109 sectors (listed by a DIFAT sector).
    cells = cells_workbook()
    padded = cells_workbook(padding=4096)
    write("cells.xls", compound_file([("Workbook", cells)]))
    write("cells_v4.xls", compound_file([("Workbook", padded)], version=4))
    write("cells_difat.xls", compound_file([("Workbook", padded)], fat_sector_count=120))
    write("cells_sst_count.xls", compound_file([("Workbook", cells_workbook(sst=cells_sst(unique_count=0x7FFFFFFF)))]))
    write("unordered.xls", compound_file([("Workbook", workbook_stream([("Hoja1", 0, 0, worksheet(
        label(2, 0, "tercera"), label(0, 1, "b1"), label(0, 0, "a1"), number(1, 0, 2), label(0, 1, "B1 final"),
    ))]))]))
    write("encrypted.xls", compound_file([("Workbook", cells_workbook(
        after_bof=biff(0x002F, struct.pack("<HHH", 1, 1, 1) + bytes(48))))]))  # FILEPASS: RC4
    excel95_bof = biff(0x0809, struct.pack("<HHHH", 0x0500, 0x0005, 0x0DBB, 0x07CC))
    write("excel95.xls", compound_file([("Book", excel95_bof + EOF_RECORD)]))

    # Hostile and damaged files.
    last_sector = (len(padded) + 511) // 512 - 1  # the Workbook stream's sectors come first
    write("fat_cycle.xls", compound_file([("Workbook", padded)], fat_overrides={last_sector: 0}))
    write("difat_outside.xls", patched(compound_file([("Workbook", cells)]), 0x4C, "<I", 0x00FFFFF0))
    metadata_first = compound_file([("Workbook", padded)], metadata_first=True)
    write("truncated_stream.xls", metadata_first[:-2048])
    write("directory_cycle.xls", patch_directory_entry(
        compound_file([("Ciclo", b"x" * 10), ("Workbook", cells)]), "Ciclo", 0x48, "<I", 1))
    write("sst_count_short.xls", compound_file([("Workbook", cells_workbook(sst=cells_sst(unique_count=3)))]))
    write("record_overrun.xls", compound_file([("Workbook", cells_workbook(before_eof=struct.pack("<HH", 0x0293, 0xFFFF)))]))

    signature = bytes.fromhex("D0CF11E0A1B11AE1")
    write("damaged.xls", signature + bytes(range(256)) * 3)
    # What a password-protected .xlsx looks like from outside: an OLE2 file with an EncryptedPackage.
    write("encrypted.xlsx", signature + bytes(504) + "EncryptedPackage".encode("utf-16-le") + bytes(64))


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
