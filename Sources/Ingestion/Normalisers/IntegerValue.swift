import Spreadsheet

public enum IntegerValue {
    /// A count such as "días de retraso", or nil for an empty cell. Bounded to ±1,000,000.
    ///
    /// * Numbers: whole values as they are — 12.0 is 12 (the previous system read it as 120, and pandas makes a
    ///   whole column float as soon as one cell is blank); 5.7 is refused.
    /// * Text: an optional sign, then digits with the separators read as amounts read them (`DecimalText`), and a
    ///   fraction only of zeros: "12", "-3", "12.0", "12,00", "1.000" (one thousand, as in a Chilean list).
    ///
    /// Throws "not a whole number" ("12.5", "abc5", "3-") or "number too large".
    public static func parse(_ cell: Cell) throws(ValueError) -> Int? {
        let notAWholeNumber = ValueError("not a whole number")
        switch cell {
        case .empty: return nil
        case .number(let number):
            guard number == number.rounded() else { throw notAWholeNumber }
            guard abs(number) <= 1_000_000 else { throw ValueError("number too large") }
            return Int(number)
        case .text(let text):
            var bytes = Array(trimmed(text).utf8)[...]
            if bytes.isEmpty { return nil }
            let isNegative = bytes.first == UInt8(ascii: "-")
            if isNegative || bytes.first == UInt8(ascii: "+") { bytes = bytes.dropFirst() }
            guard let value = DecimalText(separated: bytes), value.fraction.allSatisfy({ $0 == UInt8(ascii: "0") }) else {
                throw notAWholeNumber
            }
            guard value.whole <= 1_000_000 else { throw ValueError("number too large") }
            return isNegative ? -Int(value.whole) : Int(value.whole)
        case .boolean, .date, .error: throw notAWholeNumber
        }
    }
}
