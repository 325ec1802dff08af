import Spreadsheet
import Testing

@testable import Ingestion

// Valid CUITs computed by hand (weights 5,4,3,2,7,6,5,4,3,2; 11 − sum mod 11): 20-12345678-6, 27-12345678-0,
// 30-71234567-1. 23-35813145-? has no valid check digit (the formula gives 10).
@Suite struct ArgentineIDTests {
    @Test(arguments: [
        (Cell.text("12.345.678"), ArgentineID.Kind.dni, "12345678", "12.345.678"),
        (.text("12345678"), .dni, "12345678", "12.345.678"),
        (.number(12_345_678), .dni, "12345678", "12.345.678"),
        (.text(" 1.234.567 "), .dni, "1234567", "1.234.567"),
        (.text("01234567"), .dni, "1234567", "1.234.567"),
        (.text("20-12345678-6"), .cuit, "20123456786", "20-12345678-6"),
        (.text("20123456786"), .cuit, "20123456786", "20-12345678-6"),
        (.text("20123456786.0"), .cuit, "20123456786", "20-12345678-6"),
        (.number(20_123_456_786), .cuit, "20123456786", "20-12345678-6"),
        (.text("27-12345678-0"), .cuit, "27123456780", "27-12345678-0"),
        (.text("30 71234567 1"), .cuit, "30712345671", "30-71234567-1"),
    ] as [(Cell, ArgentineID.Kind, String, String)])
    func acceptsADNIOrAValidCUIT(cell: Cell, kind: ArgentineID.Kind, digits: String, display: String) throws {
        let id = try ArgentineID.parse(cell)
        #expect(id.kind == kind)
        #expect(id.digits == digits)
        #expect(id.display == display)
    }

    @Test(arguments: [
        (Cell.text("20-12345678-5"), "invalid check digit (expected 6)"),
        (.text("27123456781"), "invalid check digit (expected 0)"),
        (.number(30_712_345_672), "invalid check digit (expected 1)"),
        (.text("23-35813145-0"), "invalid CUIT"),
        (.empty, "missing DNI or CUIT"),
        (.text(" "), "missing DNI or CUIT"),
        (.text("123456"), "not a DNI or CUIT"),
        (.text("123456789"), "not a DNI or CUIT"),
        (.text("1234567890"), "not a DNI or CUIT"),
        (.text("123456789012"), "not a DNI or CUIT"),
        (.text("12.345.678a"), "not a DNI or CUIT"),
        (.text("DNI 12345678"), "not a DNI or CUIT"),
        (.number(1_234_567.5), "not a DNI or CUIT"),
        (.number(-12_345_678), "not a DNI or CUIT"),
        (.boolean(false), "not a DNI or CUIT"),
    ])
    func refusesWhatIsNotADNIOrAValidCUIT(cell: Cell, reason: String) {
        #expect(throws: ValueError(reason)) { try ArgentineID.parse(cell) }
    }
}
