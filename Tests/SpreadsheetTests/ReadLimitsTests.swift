import Spreadsheet
import Testing

@Suite("row limit and early stop")
struct ReadLimitsTests {
    @Test("more non-empty rows than maxRows", arguments: ["contacts.xlsx", "contacts.xls", "utf8_bom.csv"])
    func tooManyRows(fixture: String) throws {
        var visited = 0
        let error = try #require(throws: SpreadsheetError.self) {
            try Spreadsheet.read(try Fixtures.bytes(fixture), limits: SpreadsheetLimits(maxRows: 2)) { _ in visited += 1 }
        }
        #expect(error.kind == .tooManyRows)
        #expect(error.message == "The file has more than 1 data row")
        #expect(visited == 2)
        #expect(SpreadsheetError(.tooManyRows, error.message).description == error.message)
    }

    @Test("exactly maxRows rows are fine")
    func atTheLimit() throws {
        let rows = try Fixtures.rows("contacts.xls", limits: SpreadsheetLimits(maxRows: 3)).rows
        #expect(rows.count == 3)
    }

    private struct StopReading: Error {}

    @Test("an error thrown by visit comes out unchanged", arguments: ["contacts.xlsx", "contacts.xls", "utf8_bom.csv", "bomb.xlsx"])
    func visitErrorsPropagate(fixture: String) throws {
        var visited = 0
        #expect(throws: StopReading.self) {
            try Spreadsheet.read(try Fixtures.bytes(fixture)) { _ in
                visited += 1
                if visited == 2 { throw StopReading() }
            }
        }
        #expect(visited == 2)
    }

    /// The texts of the shared-string table are held while the sheet is read: their total is what
    /// bounds a shared-strings bomb's memory (hardening issue, finding 7).
    @Test("shared-string texts beyond maxSharedStringBytes")
    func sharedStringBytes() throws {
        let error = try #require(throws: SpreadsheetError.self) {
            try Spreadsheet.read(try Fixtures.bytes("contacts.xlsx"), limits: SpreadsheetLimits(maxSharedStringBytes: 20)) { _ in }
        }
        #expect(error.kind == .tooLarge)
        #expect(error.message == "The workbook's texts add up to more than 20 bytes")
        #expect(try Fixtures.rows("contacts.xlsx").rows.count > 1)
    }
}
