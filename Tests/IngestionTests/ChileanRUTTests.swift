import Spreadsheet
import Testing
import Time

@testable import Ingestion

// Valid RUTs computed by hand (mod 11, weights 2…7 from the right): 12345678-5, 8765432-K, 10000013-K,
// 10000004-0, 7654321-6, 1-9, 99999999-9.
@Suite struct ChileanRUTTests {
    @Test(arguments: [
        (Cell.text("12.345.678-5"), 12_345_678, "5", "12.345.678-5"),
        (.text("12345678-5"), 12_345_678, "5", "12.345.678-5"),
        (.text("123456785"), 12_345_678, "5", "12.345.678-5"),
        (.text(" 12 345 678 - 5 "), 12_345_678, "5", "12.345.678-5"),
        (.text("123456785.0"), 12_345_678, "5", "12.345.678-5"),
        (.number(123_456_785), 12_345_678, "5", "12.345.678-5"),
        (.number(76_543_216), 7_654_321, "6", "7.654.321-6"),
        (.text("8.765.432-k"), 8_765_432, "K", "8.765.432-K"),
        (.text("8765432K"), 8_765_432, "K", "8.765.432-K"),
        (.text("10000013-K"), 10_000_013, "K", "10.000.013-K"),
        (.text("10.000.004-0"), 10_000_004, "0", "10.000.004-0"),
        (.number(100_000_040), 10_000_004, "0", "10.000.004-0"),
        (.text("007654321-6"), 7_654_321, "6", "7.654.321-6"),
        (.text("99.999.999-9"), 99_999_999, "9", "99.999.999-9"),
        (.text("1-9"), 1, "9", "1-9"),
    ] as [(Cell, Int, Character, String)])
    func acceptsAValidRUTWrittenAnyWay(cell: Cell, number: Int, checkDigit: Character, display: String) throws {
        let rut = try ChileanRUT.parse(cell)
        #expect(rut.number == number)
        #expect(rut.checkDigit == checkDigit)
        #expect(rut.display == display)
        #expect(rut.compact == "\(number)\(checkDigit)")
    }

    @Test(arguments: [
        (Cell.text("12.345.678-K"), "invalid check digit (expected 5)"),
        (.text("12345678-4"), "invalid check digit (expected 5)"),
        (.number(123_456_784), "invalid check digit (expected 5)"),
        (.text("8.765.432-1"), "invalid check digit (expected K)"),
        (.text("10000004-9"), "invalid check digit (expected 0)"),
        (.text("12345678"), "invalid check digit (expected 4)"),  // body 1234567, check digit 8
        (.empty, "missing RUT"),
        (.text("   "), "missing RUT"),
        (.text("abc"), "not a RUT"),
        (.text("RUT 12345678-5"), "not a RUT"),
        (.text("12-345678-5"), "not a RUT"),
        (.text("1234567-85"), "not a RUT"),
        (.text("1234K5678"), "not a RUT"),
        (.text("123.456.789-0"), "not a RUT"),
        (.text("5"), "not a RUT"),
        (.text("K"), "not a RUT"),
        (.text("-"), "not a RUT"),
        (.text("0-0"), "not a RUT"),
        (.number(12.5), "not a RUT"),
        (.number(-123_456_785), "not a RUT"),
        (.number(5), "not a RUT"),
        (.boolean(true), "not a RUT"),
        (.date(CivilDate(year: 2025, month: 1, day: 1)!), "not a RUT"),
        (.error("#N/A"), "not a RUT"),
    ])
    func refusesWhatIsNotAValidRUT(cell: Cell, reason: String) {
        #expect(throws: ValueError(reason)) { try ChileanRUT.parse(cell) }
    }

    @Test func isTheSameRUTHoweverItIsWritten() throws {
        let dotted = try ChileanRUT.parse(.text("8.765.432-K"))
        #expect(try ChileanRUT.parse(.text("8765432k")) == dotted)
        #expect(try ChileanRUT.parse(.text("8765432-K")).hashValue == dotted.hashValue)
        #expect(try ChileanRUT.parse(.number(123_456_785)) != dotted)
    }
}
