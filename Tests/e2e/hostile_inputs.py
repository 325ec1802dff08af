"""Generators of the hostile inputs the hardening tests (test_hardening.py) and benchmark H
(bench/bench.py) send: wide JSON objects, one contact on many rows, a shared-strings bomb."""
import io
import zipfile


def wide_object(keys):
    """An object of `keys` short keys: 80,000 of them fit the 1 MB body limit (about 850 KB)."""
    return "{" + ",".join(f'"k{index}":0' for index in range(keys)) + "}"


def single_rut_csv(rows, first_phone=10_000_000):
    lines = ["RUT;Nombre;Teléfono móvil;Monto"]
    for row in range(rows):
        lines.append(f"12.345.678-5;ANA PEREZ;+569{first_phone + row};1000")
    return ("\n".join(lines) + "\n").encode()


def shared_strings_bomb(inflated_bytes=320 << 20, string_bytes=32_000):
    """A small .xlsx whose shared-string table inflates to `inflated_bytes` of distinct texts."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>')
        archive.writestr("xl/workbook.xml", '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>')
        archive.writestr("xl/_rels/workbook.xml.rels", '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>')
        archive.writestr("xl/worksheets/sheet1.xml", '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row></sheetData></worksheet>')
        count = inflated_bytes // string_bytes
        with archive.open("xl/sharedStrings.xml", "w", force_zip64=True) as part:
            part.write(b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">')
            filler = b"a" * (string_bytes - 8)
            for index in range(count):
                part.write(b"<si><t>%08d" % index + filler + b"</t></si>")
            part.write(b"</sst>")
    return buffer.getvalue()
