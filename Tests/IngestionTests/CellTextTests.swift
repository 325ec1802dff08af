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
