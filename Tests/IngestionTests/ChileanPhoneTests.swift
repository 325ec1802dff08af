import Spreadsheet
import Testing

@testable import Ingestion

@Suite struct ChileanPhoneTests {
    @Test(arguments: [
        // Mobiles: 9 digits starting with 9, with and without +56, spaced, dashed, in parentheses, as numbers.
        (Cell.text("987654321"), PhoneKind.mobile, "+56987654321"),
        (.text("987654321"), .any, "+56987654321"),
        (.text("+56987654321"), .mobile, "+56987654321"),
        (.text("+56 9 8765 4321"), .mobile, "+56987654321"),
        (.text("56 9 8765 4321"), .mobile, "+56987654321"),
        (.text("56987654321"), .any, "+56987654321"),
        (.text("+56 (9) 8765-4321"), .mobile, "+56987654321"),
        (.text("9-8765-4321"), .mobile, "+56987654321"),
        (.text("09 8765 4321"), .mobile, "+56987654321"),  // trunk 0
        (.text("9987654321"), .mobile, "+56987654321"),  // the 9 typed twice
        (.number(938_773_910.0), .mobile, "+56938773910"),
        (.number(56_938_773_910), .mobile, "+56938773910"),
        (.text("938773910.0"), .mobile, "+56938773910"),
        // Pre-2012 mobiles: 8 digits, starting 5–9.
        (.text("98765432"), .mobile, "+56998765432"),
        (.text("09-8765432"), .any, "+56998765432"),
        (.text("88765432"), .mobile, "+56988765432"),
        (.text("5876 5432"), .mobile, "+56958765432"),
        // Landlines: area code 2 (Santiago) or 3–7.
        (.text("223456789"), .landline, "+56223456789"),
        (.text("+56 2 2345 6789"), .landline, "+56223456789"),
        (.text("(2) 2345 6789"), .landline, "+56223456789"),
        (.text("02 2345 6789"), .any, "+56223456789"),
        (.text("32 212 3456"), .landline, "+56322123456"),
        (.text("(41) 221-2345"), .any, "+56412212345"),
        (.number(722_123_456), .landline, "+56722123456"),
        // 8 digits not starting with 9 outside a mobile column: a Santiago number without its area code 2.
        (.text("2345 6789"), .landline, "+56223456789"),
        (.text("22345678"), .any, "+56222345678"),
        (.text("88765432"), .any, "+56288765432"),
        (.text("5622345678"), .landline, "+56222345678"),
        (.text("+56 9 8765 432"), .any, "+56998765432"),
        // "56" is only a country code when 8 or 9 digits follow it.
        (.text("562345678"), .landline, "+56562345678"),
        // Candidates in order: all digits, each run, then the first two runs joined.
        (.text("228151807 / 987654321"), .any, "+56228151807"),
        (.text("228151807 / 987654321"), .mobile, "+56987654321"),
        (.text("987654321 / 228151807"), .landline, "+56228151807"),
        (.text("987654321 / 228151807"), .any, "+56987654321"),
        (.text("(32) 2123456 anexo 45"), .landline, "+56322123456"),
    ] as [(Cell, PhoneKind, String)])
    func normalisesToE164(cell: Cell, kind: PhoneKind, e164: String) {
        let number = ChileanPhone.normalize(cell, kind: kind)
        #expect(number?.e164 == e164)
        #expect(number?.isMobile == e164.hasPrefix("+569"))
    }

    @Test(arguments: [
        (Cell.text("987654321"), PhoneKind.landline),
        (.text("98765432"), .landline),
        (.text("223456789"), .mobile),
        (.text("12345678"), .mobile),  // the previous system made it +56912345678
        (.text("2345 6789"), .mobile),
        (.text("8765432"), .any),  // 7 digits: the area code is unknown
        (.text("2345678"), .landline),
        (.text("112345678"), .any),
        (.text("800123456"), .any),
        (.text("600 600 1234"), .any),
        (.text("9876543210"), .any),
        (.text("+56 9 8765 43"), .mobile),
        (.text("+56 99 8765 4321"), .mobile),  // 56 is a country code only before 8 or 9 digits
        (.text("-"), .any),
        (.text("x"), .any),
        (.text("123"), .any),
        (.text("0"), .any),
        (.text("000000000"), .any),
        (.text("sin teléfono"), .any),
        (.text("   "), .any),
        (.empty, .any),
        (.boolean(true), .any),
    ] as [(Cell, PhoneKind)])
    func refusesWhatIsNotANumberOfTheKind(cell: Cell, kind: PhoneKind) {
        #expect(ChileanPhone.normalize(cell, kind: kind) == nil)
    }
}
