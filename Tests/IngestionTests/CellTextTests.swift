import FoundationEssentials
import Spreadsheet
import Testing
import Time

@testable import Ingestion

@Suite struct CellTextTests {
    @Test(arguments: [
        (Cell.empty, ""),
        (.text("  hola\u{A0}\t"), "hola"),
        (.text("Juan  Pérez"), "Juan  Pérez"),
        (.text(" \n "), ""),
        (.number(938773910.0), "938773910"),
        (.number(12345678901), "12345678901"),
        (.number(1e10), "10000000000"),
        (.number(1e20), "100000000000000000000"),
        (.number(-42), "-42"),
        (.number(-0.0), "0"),
        (.number(0.1), "0.1"),
        (.number(1234.56), "1234.56"),
        (.number(1.5e-7), "0.00000015"),
        (.number(-2.5e-5), "-0.000025"),
        (.number(1.2345678901234567e20), "123456789012345670000"),
        (.boolean(true), "TRUE"),
        (.boolean(false), "FALSE"),
        (.date(CivilDate(year: 2025, month: 3, day: 1)!), "2025-03-01"),
        (.error("#N/A"), "#N/A"),
    ])
    func showsWhatTheCellShows(cell: Cell, text: String) {
        #expect(cellText(cell) == text)
    }
}

/// A NUL in a cell (any reader can hand one over) never reaches a contact: PostgreSQL refuses it in
/// text and jsonb, and the whole import would fail. The files are what the fuzz harnesses' reading
/// of the readers found (Tests/Fixtures/fuzz/): header `nombre,telefono`, row `Ana<NUL>Maria,+56987654321`.
@Suite struct NULInCellsTests {
    @Test func cellTextDropsNUL() {
        #expect(cellText(.text("Ana\u{0}Maria")) == "AnaMaria")
        #expect(cellText(.text("\u{0} Ana \u{0}")) == "Ana")
        #expect(cellText(.error("#N/A\u{0}")) == "#N/A")
    }

    @Test(arguments: ["csv-nul-in-text.bin", "xls-nul-in-text.bin", "xlsx-nul-in-text.bin"])
    func aFileWithNULInANameImportsWithoutIt(file: String) throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/fuzz/\(file)")
        var builder = ContactListBuilder(options: ImportOptions(country: .chile, today: CivilDate(year: 2026, month: 3, day: 10)!))
        try Spreadsheet.read([UInt8](try Data(contentsOf: path))) { try builder.add($0) }
        let contacts = try builder.finish().contacts
        #expect(contacts.map(\.name) == ["AnaMaria"])
        #expect(!contacts.contains { $0.name.utf8.contains(0) || ($0.company ?? "").utf8.contains(0) })
    }
}
