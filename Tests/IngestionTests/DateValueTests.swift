import Spreadsheet
import Testing
import Time

@testable import Ingestion

@Suite struct DateValueTests {
    static let christmas2024 = CivilDate(year: 2024, month: 12, day: 25)!

    @Test(arguments: [
        (Cell.text("25/12/2024"), DateSystem.excel1900),
        (.text(" 25/12/2024 "), .excel1900),
        (.text("25-12-2024"), .excel1900),
        (.text("25-12-24"), .excel1900),
        (.text("25/12/24"), .excel1900),
        (.text("25.12.2024"), .excel1900),
        (.text("2024-12-25"), .excel1900),
        (.text("2024/12/25"), .excel1900),
        (.text("2024-12-25T10:30:00Z"), .excel1900),
        (.text("2024-12-25T10:30:00.000-03:00"), .excel1900),
        (.text("2024-12-25 00:00:00"), .excel1900),
        (.text("25/12/2024 0:00"), .excel1900),
        (.text("45651"), .excel1900),
        (.text("45651.0"), .excel1900),
        (.text("44189"), .excel1904),
        (.number(45651), .excel1900),
        (.number(45651.75), .excel1900),  // the time of day is dropped
        (.number(44189), .excel1904),
        (.date(christmas2024), .excel1900),
        (.date(christmas2024), .excel1904),
    ] as [(Cell, DateSystem)])
    func readsChristmas2024InEveryAcceptedForm(cell: Cell, dateSystem: DateSystem) throws {
        #expect(try DateValue.parse(cell, dateSystem: dateSystem) == Self.christmas2024)
    }

    @Test(arguments: [
        (Cell.text("5/1/25"), DateSystem.excel1900, "2025-01-05"),
        (.text("03/04/2025"), .excel1900, "2025-04-03"),  // day first, always
        (.text("29/02/2024"), .excel1900, "2024-02-29"),
        (.number(1), .excel1900, "1900-01-01"),
        (.number(59), .excel1900, "1900-02-28"),
        (.number(61), .excel1900, "1900-03-01"),
        (.number(1), .excel1904, "1904-01-02"),
        (.number(45678), .excel1900, "2025-01-21"),
    ] as [(Cell, DateSystem, String)])
    func readsDayFirstAndExcelSerials(cell: Cell, dateSystem: DateSystem, iso: String) throws {
        #expect(try DateValue.parse(cell, dateSystem: dateSystem)?.iso == iso)
    }

    @Test(arguments: [
        (Cell.text("31/02/2025"), "impossible date 31/02/2025"),
        (.text("29/02/2025"), "impossible date 29/02/2025"),
        (.text("00/01/2025"), "impossible date 00/01/2025"),
        (.text("12/13/2025"), "impossible date 12/13/2025"),
        (.text("2025-02-30"), "impossible date 2025-02-30"),
        (.text("31/04/2025 10:00"), "impossible date 31/04/2025"),
        (.number(60), "impossible date 29/02/1900 (Excel serial 60)"),
        (.text("01/01/2300"), "date out of range: 01/01/2300"),
        (.text("1899-12-31"), "date out of range: 1899-12-31"),
        (.date(CivilDate(year: 1800, month: 1, day: 1)!), "date out of range: 1800-01-01"),
        (.number(2_958_465), "date out of range: 2958465"),
        (.text("abc"), "not a date: abc"),
        (.text("1/1/125"), "not a date: 1/1/125"),
        (.text("25/12-2024"), "not a date: 25/12-2024"),
        (.text("25/12/2024/1"), "not a date: 25/12/2024/1"),
        (.text("25/12/2024 mañana"), "not a date: 25/12/2024 mañana"),
        (.text("12/2025"), "not a date: 12/2025"),
        (.text("Mon, 25 Dec 2024"), "not a date: Mon, 25 Dec 2024"),
        (.text("2024-12-25T"), "not a date: 2024-12-25T"),
        (.text("2024-12-25 10"), "not a date: 2024-12-25 10"),
        (.number(0), "not a date: 0"),
        (.number(0.5), "not a date: 0.5"),
        (.number(-5), "not a date: -5"),
        (.number(3_000_000), "not a date: 3000000"),
        (.number(.nan), "not a date: nan"),
        (.boolean(true), "not a date: TRUE"),
        (.text("vence el 25 de diciembre de 2024, sin falta"), "not a date: vence el 25 de diciembre de 2024, sin f…"),
    ])
    func refusesImpossibleAndUnreadableDates(cell: Cell, reason: String) {
        #expect(throws: ValueError(reason)) { try DateValue.parse(cell, dateSystem: .excel1900) }
    }

    @Test(arguments: [Cell.empty, .text(""), .text("  ")])
    func readsAnEmptyCellAsNoDate(cell: Cell) throws {
        #expect(try DateValue.parse(cell, dateSystem: .excel1900) == nil)
    }
}
