import Spreadsheet
import Testing

@Suite("format detection")
struct FormatDetectionTests {
    @Test("by content, never by name", arguments: [
        ("contacts.xlsx", SpreadsheetFormat.xlsx),
        ("truncated.xlsx", .xlsx),  // so that reading it says "damaged", not "wrong type"
        ("contacts.xls", .xls),
        ("damaged.xls", .xls),
        ("encrypted.xlsx", .xls),  // an encrypted .xlsx is an OLE2 file; reading it says so
        ("utf8_bom.csv", .csv),
        ("latin1.csv", .csv),
        ("empty.csv", .csv),
    ])
    func detected(fixture: String, format: SpreadsheetFormat) throws {
        #expect(Spreadsheet.detectFormat(try Fixtures.bytes(fixture)) == format)
    }

    @Test("not a spreadsheet", arguments: ["document.pdf", "not_a_workbook.zip"])
    func unsupported(fixture: String) throws {
        let bytes = try Fixtures.bytes(fixture)
        #expect(Spreadsheet.detectFormat(bytes) == nil)
        let error = try #require(throws: SpreadsheetError.self) { try Spreadsheet.read(bytes) { _ in } }
        #expect(error.kind == .unsupportedFormat)
    }

    @Test("binary data without a known signature")
    func binary() {
        #expect(Spreadsheet.detectFormat([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00]) == nil)
        #expect(Spreadsheet.detectFormat(Array(repeating: 0x01, count: 100)) == nil)
    }
}

@Suite("web pages and XML named like spreadsheets")
struct MarkupDetectionTests {
    @Test("refused with what the file is and how to save it", arguments: [
        "<html><body><table><tr><td>RUT</td><td>Celular</td></tr></table></body></html>",
        "\u{FEFF}  <!DOCTYPE html>\n<html>",
        "\n<TABLE border=1><tr><td>RUT</td></tr></TABLE>",
        "<?xml version=\"1.0\"?><Workbook xmlns=\"urn:schemas-microsoft-com:office:spreadsheet\">",
    ])
    func markup(text: String) throws {
        let bytes = Array(text.utf8)
        #expect(Spreadsheet.detectFormat(bytes) == nil)
        let error = try #require(throws: SpreadsheetError.self) { try Spreadsheet.read(bytes) { _ in } }
        #expect(error.kind == .unsupportedFormat && error.message.contains("web page"))
    }

    @Test("a CSV whose first cell merely holds a tag is still a CSV")
    func tagInACell() {
        #expect(Spreadsheet.detectFormat(Array("RUT;Nombre\n12.345.678-5;<b>Ana</b>\n".utf8)) == .csv)
    }
}
