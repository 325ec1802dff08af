import Spreadsheet

/// An Argentine DNI (7–8 digits) or CUIT/CUIL (11 digits whose last is a mod-11 check digit).
public struct ArgentineID: Sendable, Hashable {
    public enum Kind: Sendable { case dni, cuit }
    public let kind: Kind
    /// "12345678" / "20123456786": the grouping key of a contact.
    public let digits: String

    /// DNI "12.345.678", CUIT "20-12345678-6".
    public var display: String {
        switch self.kind {
        case .dni: return groupedInThousands(self.digits)
        case .cuit:
            let utf8 = Array(self.digits.utf8)
            return "\(String(decoding: utf8[0..<2], as: UTF8.self))-\(String(decoding: utf8[2..<10], as: UTF8.self))-"
                + String(decoding: utf8[10...], as: UTF8.self)
        }
    }

    /// Reads "12.345.678", "12345678", "20-12345678-6", "20 12345678 6" and numeric cells (12345678, 20123456786.0).
    /// Dots, dashes and spaces are ignored and leading zeros are padding: what is left must be 7–8 digits (a DNI)
    /// or 11 (a CUIT or CUIL, whose check digit is verified). Throws "missing DNI or CUIT" for an empty cell,
    /// "invalid check digit (expected N)" or "invalid CUIT" (no digit can be right) for a bad CUIT, and
    /// "not a DNI or CUIT" for anything else.
    public static func parse(_ cell: Cell) throws(ValueError) -> ArgentineID {
        let notAnID = ValueError("not a DNI or CUIT")
        let number: UInt64
        switch cell {
        case .empty: throw ValueError("missing DNI or CUIT")
        case .number(let value):
            guard value == value.rounded(), value >= 1, value < 100_000_000_000 else { throw notAnID }
            number = UInt64(value)
        case .text(let text):
            let shown = trimmed(text)
            guard !shown.isEmpty else { throw ValueError("missing DNI or CUIT") }
            var accumulated: UInt64 = 0
            for byte in droppingZeroFraction(shown).utf8 {
                switch byte {
                case UInt8(ascii: "."), UInt8(ascii: "-"), UInt8(ascii: " "): continue
                case UInt8(ascii: "0")...UInt8(ascii: "9"):
                    accumulated = accumulated * 10 + UInt64(byte - UInt8(ascii: "0"))
                    guard accumulated < 100_000_000_000 else { throw notAnID }
                default: throw notAnID
                }
            }
            number = accumulated
        case .boolean, .date, .error: throw notAnID
        }
        let digits = String(number)
        switch digits.utf8.count {
        case 7, 8: return ArgentineID(kind: .dni, digits: digits)
        case 11:
            try verifyCUITCheckDigit(digits)
            return ArgentineID(kind: .cuit, digits: digits)
        default: throw notAnID
        }
    }

    /// AFIP's mod-11: the first ten digits times 5, 4, 3, 2, 7, 6, 5, 4, 3, 2, summed; the check digit is
    /// 11 − (sum mod 11), with 11 written 0. A result of 10 fits no digit: AFIP never issues such a number (it
    /// changes the 20/27/30 prefix to 23/33 instead), so it is refused.
    private static func verifyCUITCheckDigit(_ digits: String) throws(ValueError) {
        let values = digits.utf8.map { Int($0 - UInt8(ascii: "0")) }
        let weights = [5, 4, 3, 2, 7, 6, 5, 4, 3, 2]
        let sum = zip(values, weights).reduce(0) { $0 + $1.0 * $1.1 }
        let expected = (11 - sum % 11) % 11
        guard expected != 10 else { throw ValueError("invalid CUIT") }
        guard values[10] == expected else { throw ValueError("invalid check digit (expected \(expected))") }
    }
}
