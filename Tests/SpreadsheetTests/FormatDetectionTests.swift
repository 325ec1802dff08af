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
