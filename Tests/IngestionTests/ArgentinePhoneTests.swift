import Spreadsheet
import Testing

@testable import Ingestion

@Suite struct ArgentinePhoneTests {
    @Test(arguments: [
        // Buenos Aires (11).
        (Cell.text("011 4123-4567"), PhoneKind.any, "+541141234567"),
        (.text("011 4123-4567"), .landline, "+541141234567"),
        (.text("11 4123 4567"), .any, "+541141234567"),
        (.text("+54 11 4123-4567"), .any, "+541141234567"),
        (.text("0054 11 4123 4567"), .any, "+541141234567"),
        (.text("541141234567"), .landline, "+541141234567"),
        (.text("+54 (011) 4123-4567"), .any, "+541141234567"),
        (.text("011 15 2345-6789"), .any, "+5491123456789"),
        (.text("11 15 2345 6789"), .mobile, "+5491123456789"),
        (.text("+54 9 11 2345-6789"), .any, "+5491123456789"),
        (.text("+5491123456789"), .mobile, "+5491123456789"),
        (.text("0054 9 11 2345 6789"), .any, "+5491123456789"),
        (.text("+54 9 11 15 2345 6789"), .any, "+5491123456789"),
        (.number(5_491_123_456_789), .any, "+5491123456789"),
        (.number(1_123_456_789), .mobile, "+5491123456789"),  // a "celular" column, written without 15
        (.text("11 2345 6789"), .mobile, "+5491123456789"),
        // Córdoba (351).
        (.text("0351 412-3456"), .any, "+543514123456"),
        (.text("+54 351 412 3456"), .landline, "+543514123456"),
        (.text("(0351) 15-523-4567"), .any, "+5493515234567"),
        (.text("351 15 5234567"), .mobile, "+5493515234567"),
        (.text("+54 9 351 523-4567"), .any, "+5493515234567"),
        (.text("5493515234567"), .any, "+5493515234567"),
        // Rosario (341).
        (.text("0341 423-4567"), .landline, "+543414234567"),
        (.text("0341 15 555-1234"), .any, "+5493415551234"),
        (.text("+54 9 341 555 1234"), .mobile, "+5493415551234"),
        // Mendoza (261).
        (.text("0261 420-1234"), .any, "+542614201234"),
        (.text("+54 261 420 1234"), .any, "+542614201234"),
        (.text("261 15 412 3456"), .any, "+5492614123456"),
        (.text("0261-15-4123456"), .mobile, "+5492614123456"),
        // Other codes: La Plata, Mar del Plata, Merlo (220) next to González Catán (2202), Villa Carlos Paz.
        (.text("0221 421-2345"), .any, "+542214212345"),
        (.text("0223 491-2345"), .any, "+542234912345"),
        (.text("0220 482-1234"), .any, "+542204821234"),
        (.text("02202 48-1234"), .any, "+542202481234"),
        (.text("03541 42-1234"), .any, "+543541421234"),
        (.text("3541 15 512345"), .any, "+5493541512345"),
    ] as [(Cell, PhoneKind, String)])
    func normalisesToE164(cell: Cell, kind: PhoneKind, e164: String) {
        let number = ArgentinePhone.normalize(cell, kind: kind)
        #expect(number?.e164 == e164)
        #expect(number?.isMobile == e164.hasPrefix("+549"))
    }

    @Test(arguments: [
        (Cell.text("011 15 2345-6789"), PhoneKind.landline),  // a mobile
        (.text("+54 9 351 523-4567"), .landline),
        (.text("4123-4567"), .any),  // no area code
        (.text("15 2345 6789"), .any),
        (.text("11 234 567"), .any),  // too short
        (.text("0351 412-345"), .any),
        (.text("011 15 2345 678"), .any),
        (.text("0199 123 4567"), .any),  // no such area code
        (.text("0800 333 1234"), .any),
        (.text("12345678901"), .any),
        (.text("011 0123 4567"), .any),  // subscriber numbers never begin with 0 or 1
        (.text("(0351) 15-123-4567"), .any),
        (.text("+56 9 8765 4321"), .any),  // another country
        (.text("0056 9 8765 4321"), .any),
        (.text("011 4123-4567 int. 12"), .any),
        (.text("011 4123-4567 / 011 4123-4568"), .any),
        (.text("x"), .any),
        (.text(""), .any),
        (.empty, .any),
        (.boolean(false), .any),
    ] as [(Cell, PhoneKind)])
    func refusesWhatCannotBePlaced(cell: Cell, kind: PhoneKind) {
        #expect(ArgentinePhone.normalize(cell, kind: kind) == nil)
    }

    @Test func areaCodeTableIsTheRealOne() {
        for code in [11, 220, 221, 223, 261, 341, 351, 2202, 2221, 3541] {
            #expect(ArgentineAreaCodes.all.contains(code), "\(code)")
        }
        for notACode in [1, 12, 22, 35, 54, 3511, 800, 9] {
            #expect(!ArgentineAreaCodes.all.contains(notACode), "\(notACode)")
        }
        #expect(ArgentineAreaCodes.all.allSatisfy { (10...3999).contains($0) })
    }
}
