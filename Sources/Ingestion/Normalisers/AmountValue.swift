import Money
import Spreadsheet

public enum AmountValue {
    /// An amount owed, or nil for an empty cell. Amounts owed are never negative, so a negative one is refused.
    ///
    /// * Numbers as they are: their shortest decimal text (0.1 is 0.1, not 0.1000000000000000055…), rounded half
    ///   away from zero to 4 decimals, the precision of `Amount`.
    /// * Text: "$", "CLP", "ARS" and spaces (NBSP included) around or inside the number are ignored; so is the
    ///   ".-" / ",-" of a round amount ("$1.500.-"). A leading "-" or enclosing parentheses mean negative. The
    ///   separators are read as `DecimalText` explains: "$1.234,56" → 1234.56, "1,234.56" → 1234.56, "1.234.567" →
    ///   1234567, "1234,56" → 1234.56, "1234.56" → 1234.56, "1.234" → 1234, "1,234" → 1234, "1.5" → 1.5, "0.125" →
    ///   0.125.
    ///
    /// Throws "negative amount", "amount too large" (over 10^12) or "not an amount: …".
    public static func parse(_ cell: Cell) throws(ValueError) -> Amount? {
        switch cell {
        case .empty: return nil
        case .number(let number):
            guard number.isFinite, let value = DecimalText(plain: Array(plainDecimal(number.magnitude).utf8)[...]) else {
                throw ValueError("not an amount:", quoting: cellText(cell))
            }
            return try amount(value, isNegative: number < 0)
        case .text(let text):
            let shown = trimmed(text)
            if shown.isEmpty { return nil }
            return try amount(text: shown)
        case .boolean, .date, .error: throw ValueError("not an amount:", quoting: cellText(cell))
        }
    }

    private static func amount(text: String) throws(ValueError) -> Amount {
        let notAnAmount = ValueError("not an amount:", quoting: text)
        let bytes = Array(text.utf8)
        var index = 0

        /// Steps over a space, "$", "CLP" or "ARS" at `index`, if there is one there.
        func skippedDecoration() -> Bool {
            if let length = spaceLength(bytes, at: index) {
                index += length
                return true
            }
            if bytes[index] == UInt8(ascii: "$") {
                index += 1
                return true
            }
            if index + 3 <= bytes.count {
                let code = String(decoding: bytes[index..<index + 3], as: UTF8.self).uppercased()
                if code == "CLP" || code == "ARS" {
                    index += 3
                    return true
                }
            }
            return false
        }

        // Before the number: decoration, one sign, one "(".
        var sign: UInt8?
        var opensParenthesis = false
        while index < bytes.count, !bytes[index].isASCIIDigit {
            if skippedDecoration() { continue }
            let byte = bytes[index]
            if sign == nil, byte == UInt8(ascii: "-") || byte == UInt8(ascii: "+") {
                sign = byte
            } else if !opensParenthesis, byte == UInt8(ascii: "(") {
                opensParenthesis = true
            } else {
                throw notAnAmount
            }
            index += 1
        }
        // The number: digits and separators, without the spaces in it ("1 234 567").
        var number: [UInt8] = []
        while index < bytes.count {
            let byte = bytes[index]
            if byte.isASCIIDigit || byte == UInt8(ascii: ".") || byte == UInt8(ascii: ",") {
                number.append(byte)
                index += 1
            } else if let length = spaceLength(bytes, at: index) {
                index += length
            } else {
                break
            }
        }
        if number.last == UInt8(ascii: ".") || number.last == UInt8(ascii: ","), index < bytes.count,
            bytes[index] == UInt8(ascii: "-")
        {
            number.removeLast()
            index += 1
        }
        // After it: decoration, and the ")" that closes a "(".
        var closesParenthesis = false
        while index < bytes.count {
            if skippedDecoration() { continue }
            guard bytes[index] == UInt8(ascii: ")"), opensParenthesis, !closesParenthesis else { throw notAnAmount }
            closesParenthesis = true
            index += 1
        }
        guard opensParenthesis == closesParenthesis, let value = DecimalText(separated: number[...]) else {
            throw notAnAmount
        }
        return try amount(value, isNegative: sign == UInt8(ascii: "-") || opensParenthesis)
    }

    /// `value` rounded half away from zero to four decimals: the fifth decimal decides.
    private static func amount(_ value: DecimalText, isNegative: Bool) throws(ValueError) -> Amount {
        let limit: Int64 = 1_000_000_000_000
        guard value.whole <= limit else { throw ValueError("amount too large") }
        var decimals = value.fraction.makeIterator()
        var fraction: Int64 = 0
        for _ in 0..<4 { fraction = fraction * 10 + Int64((decimals.next() ?? UInt8(ascii: "0")) - UInt8(ascii: "0")) }
        if let fifth = decimals.next(), fifth >= UInt8(ascii: "5") { fraction += 1 }
        let tenThousandths = value.whole * Amount.scale + fraction
        guard tenThousandths <= limit * Amount.scale else { throw ValueError("amount too large") }
        guard !isNegative || tenThousandths == 0 else { throw ValueError("negative amount") }
        return Amount(tenThousandths: tenThousandths)
    }
}

/// The length in bytes of the space character at `index` of UTF-8 `bytes`, if there is one: space, tab, no-break
/// space, narrow no-break space or thin space (the last three are thousands separators in some locales' exports).
func spaceLength(_ bytes: [UInt8], at index: Int) -> Int? {
    switch bytes[index] {
    case UInt8(ascii: " "), UInt8(ascii: "\t"): return 1
    case 0xC2 where index + 1 < bytes.count && bytes[index + 1] == 0xA0: return 2  // U+00A0
    case 0xE2 where index + 2 < bytes.count && bytes[index + 1] == 0x80 && (bytes[index + 2] == 0xAF || bytes[index + 2] == 0x89):
        return 3  // U+202F, U+2009
    default: return nil
    }
}
