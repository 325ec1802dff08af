import Spreadsheet
import Testing

@testable import Ingestion

@Suite struct IntegerValueTests {
    @Test(arguments: [
        (Cell.number(12.0), 12),  // the previous system read 120
        (.number(15), 15),
        (.number(-3), -3),
        (.number(0), 0),
        (.number(1_000_000), 1_000_000),
        (.text("12"), 12),
        (.text(" 31 "), 31),
        (.text("12.0"), 12),
        (.text("12,00"), 12),
        (.text("-3"), -3),
        (.text("+7"), 7),
        (.text("1.000"), 1000),
        (.text("1,000.0"), 1000),
    ] as [(Cell, Int)])
    func readsWholeNumbers(cell: Cell, value: Int) throws {
        #expect(try IntegerValue.parse(cell) == value)
    }

    @Test(arguments: [
        (Cell.number(5.7), "not a whole number"),
        (.number(.nan), "not a whole number"),
        (.text("12.5"), "not a whole number"),
        (.text("5,7"), "not a whole number"),
        (.text("abc5"), "not a whole number"),
        (.text("3-"), "not a whole number"),
        (.text("--3"), "not a whole number"),
        (.text("-"), "not a whole number"),
        (.boolean(true), "not a whole number"),
        (.number(2_000_000), "number too large"),
        (.number(-1_000_001), "number too large"),
        (.text("1.000.001"), "number too large"),
    ])
    func refusesWhatIsNotAWholeNumber(cell: Cell, reason: String) {
        #expect(throws: ValueError(reason)) { try IntegerValue.parse(cell) }
    }

    @Test(arguments: [Cell.empty, .text("  ")])
    func readsAnEmptyCellAsNoNumber(cell: Cell) throws {
        #expect(try IntegerValue.parse(cell) == nil)
    }
}
