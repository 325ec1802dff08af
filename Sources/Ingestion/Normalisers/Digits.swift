// Byte-level helpers shared by the normalisers, which read cells as UTF-8 and digit values 0–9 rather than
// through regular expressions or Foundation (they run for every row × column of a 200,000-row upload).

extension UInt8 {
    var isASCIIDigit: Bool { self >= UInt8(ascii: "0") && self <= UInt8(ascii: "9") }
}

/// "938773910.0" → "938773910": a whole number that went through a float on its way into a text cell (pandas,
/// some CSV exports) comes back without its zero fraction; any other text comes back unchanged.
func droppingZeroFraction(_ text: String) -> Substring {
    let utf8 = text.utf8
    guard let point = utf8.firstIndex(of: UInt8(ascii: ".")), point != utf8.startIndex,
        utf8.index(after: point) != utf8.endIndex,
        utf8[..<point].allSatisfy(\.isASCIIDigit),
        utf8[utf8.index(after: point)...].allSatisfy({ $0 == UInt8(ascii: "0") })
    else { return text[...] }
    return text[..<point]
}

/// The number that digit values 0–9 spell (at most 18 of them).
func value(of digits: ArraySlice<UInt8>) -> Int {
    digits.reduce(0) { $0 * 10 + Int($1) }
}

extension ArraySlice<UInt8> {
    /// Whether these digit values begin with `first` and `second`.
    func begins(with first: UInt8, _ second: UInt8) -> Bool {
        self.count >= 2 && self[self.startIndex] == first && self[self.startIndex + 1] == second
    }
}

/// "+" + `countryAndPrefix` + the digit values: ("569", [8,7,6,5,4,3,2,1]) → "+56987654321". E.164 numbers are
/// at most 16 bytes, so the string stays inline (Swift keeps strings of up to 15 bytes without allocating).
func e164(_ countryAndPrefix: String, _ digits: ArraySlice<UInt8>) -> String {
    var text = "+" + countryAndPrefix
    for digit in digits { text.unicodeScalars.append(Unicode.Scalar(UInt8(ascii: "0") + digit)) }
    return text
}

/// `digits` grouped in threes from the right with dots, as Chileans and Argentines write ids: "12345678" →
/// "12.345.678".
func groupedInThousands(_ digits: String) -> String {
    var grouped = ""
    for (position, digit) in digits.enumerated() {
        if position > 0, (digits.count - position) % 3 == 0 { grouped.append(".") }
        grouped.append(digit)
    }
    return grouped
}
