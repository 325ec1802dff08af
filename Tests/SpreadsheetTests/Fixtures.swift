import FoundationEssentials
import Spreadsheet
import Testing

/// The committed fixtures in `Tests/Fixtures/spreadsheets/` (made by `make_fixtures.py` there),
/// found from this file's path so the tests run from any checkout.
enum Fixtures {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/spreadsheets")

    static func bytes(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: directory.appendingPathComponent(name)))
    }

    /// Every row `Spreadsheet.read` visits, and the format it detected.
    static func rows(
        _ name: String, limits: SpreadsheetLimits = SpreadsheetLimits()
    ) throws -> (format: SpreadsheetFormat, rows: [SheetRow]) {
        try self.rows(of: self.bytes(name), limits: limits)
    }

    static func rows(
        of bytes: [UInt8], limits: SpreadsheetLimits = SpreadsheetLimits()
    ) throws -> (format: SpreadsheetFormat, rows: [SheetRow]) {
        var rows: [SheetRow] = []
        let format = try Spreadsheet.read(bytes, limits: limits) { rows.append($0) }
        return (format, rows)
    }
}
