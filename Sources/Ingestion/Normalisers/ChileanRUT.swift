import Spreadsheet

/// A Chilean RUT (Rol Único Tributario) whose mod-11 check digit is right.
public struct ChileanRUT: Sendable, Hashable {
    /// The body, e.g. 12345678.
    public let number: Int
    /// "0"..."9" or "K".
    public let checkDigit: Character

    /// "12345678K": the grouping key of a debtor and the job's `contact.dni`.
    public var compact: String { "\(self.number)\(self.checkDigit)" }
    /// "12.345.678-K".
    public var display: String { groupedInThousands(String(self.number)) + "-" + String(self.checkDigit) }

    /// Reads a RUT written any of the usual ways: "12.345.678-5", "12345678-5", "123456785", "12 345 678 5",
    /// "1234567-k"; a numeric cell 123456785 (or 123456785.0, also as text) is body 12345678 with check digit 5 —
    /// how Excel stores a RUT typed without dots and dash (a K one stays text). Leading zeros are padding.
    ///
    /// The body may have 1 to 8 digits. Real people's RUTs are ≥ 1,000,000, but nothing smaller is refused here:
    /// the check digit is what catches typing errors, and refusing a valid (if odd) RUT would drop a debtor.
    ///
    /// Throws "missing RUT" for an empty cell, "invalid check digit (expected X)" for a wrong check digit and
    /// "not a RUT" for anything else (letters other than a final K, a dash not just before the check digit, a body
    /// of more than 8 digits, a negative or fractional number).
    public static func parse(_ cell: Cell) throws(ValueError) -> ChileanRUT {
        switch cell {
        case .empty: throw ValueError("missing RUT")
        case .number(let number):
            guard number == number.rounded(), number >= 10, number <= 999_999_999 else { throw ValueError("not a RUT") }
            let compact = Int(number)
            return try validated(body: compact / 10, checkDigit: UInt8(ascii: "0") + UInt8(compact % 10))
        case .text(let text):
            let shown = trimmed(text)
            guard !shown.isEmpty else { throw ValueError("missing RUT") }
            return try parse(text: droppingZeroFraction(shown))
        case .boolean, .date, .error: throw ValueError("not a RUT")
        }
    }

    private static func parse(text: Substring) throws(ValueError) -> ChileanRUT {
        let notARUT = ValueError("not a RUT")
        // Every digit or K read so far except the last one is part of the body; the last one read is the
        // candidate check digit.
        var body = 0
        var last: UInt8?
        var symbolCount = 0
        var dashPosition: Int?
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "."), UInt8(ascii: " "): continue
            case UInt8(ascii: "-"):
                guard dashPosition == nil else { throw notARUT }
                dashPosition = symbolCount
            case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "k"), UInt8(ascii: "K"):
                if let previous = last {
                    guard previous.isASCIIDigit else { throw notARUT }  // a K before the end
                    body = body * 10 + Int(previous - UInt8(ascii: "0"))
                    guard body <= 99_999_999 else { throw notARUT }
                }
                last = byte == UInt8(ascii: "k") ? UInt8(ascii: "K") : byte
                symbolCount += 1
            default: throw notARUT
            }
        }
        // "12345678-5": a dash may only separate the check digit.
        guard let checkDigit = last, symbolCount >= 2, dashPosition == nil || dashPosition == symbolCount - 1
        else { throw notARUT }
        return try validated(body: body, checkDigit: checkDigit)
    }

    private static func validated(body: Int, checkDigit: UInt8) throws(ValueError) -> ChileanRUT {
        guard body >= 1 else { throw ValueError("not a RUT") }
        let expected = self.checkDigit(forBody: body)
        guard Character(Unicode.Scalar(checkDigit)) == expected else {
            throw ValueError("invalid check digit (expected \(expected))")
        }
        return ChileanRUT(number: body, checkDigit: expected)
    }

    /// The mod-11 check digit: the body's digits from the right times 2, 3, 4, 5, 6, 7, 2, 3…, summed;
    /// 11 − (sum mod 11), where 11 is written "0" and 10 "K".
    public static func checkDigit(forBody body: Int) -> Character {
        var sum = 0
        var weight = 2
        var rest = body
        while rest > 0 {
            sum += rest % 10 * weight
            rest /= 10
            weight = weight == 7 ? 2 : weight + 1
        }
        switch 11 - sum % 11 {
        case 11: return "0"
        case 10: return "K"
        case let digit: return Character(Unicode.Scalar(UInt8(ascii: "0") + UInt8(digit)))
        }
    }
}
