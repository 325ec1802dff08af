import Spreadsheet

/// The text a cell shows, trimmed of white space (NBSP included) and without NUL characters: integral numbers
/// without ".0" and never in scientific notation (938773910.0 → "938773910", 1e10 → "10000000000"), other numbers
/// as the shortest decimal that reads back as the same double (0.1 → "0.1"), booleans "TRUE"/"FALSE", dates ISO,
/// errors as their code ("#N/A"), empty → "".
public func cellText(_ cell: Cell) -> String {
    switch cell {
    case .empty: return ""
    case .text(let text): return trimmed(withoutNUL(text))
    case .number(let number): return plainDecimal(number)
    case .boolean(let value): return value ? "TRUE" : "FALSE"
    case .date(let date): return date.iso
    case .error(let code): return withoutNUL(code)
    }
}

/// `text` without U+0000. Every reader can hand one over (xlsx's `_x0000_` escape, a BIFF string, a
/// UTF-16 CSV), PostgreSQL can store none in text or jsonb, and in a contact list it is padding,
/// never meaning: it is dropped rather than failing the whole import (found by scripts/fuzz.sh's
/// harnesses; Tests/Fixtures/fuzz/*-nul-in-text.bin).
func withoutNUL(_ text: String) -> String {
    guard text.utf8.contains(0) else { return text }
    return String(String.UnicodeScalarView(text.unicodeScalars.lazy.filter { $0 != "\u{0}" }))
}

/// `text` without leading and trailing Unicode white space; the same string, uncopied, when there is none.
func trimmed(_ text: String) -> String {
    // Nearly every cell starts and ends with an ASCII letter or digit: decide that from the bytes,
    // without Unicode property lookups (a profile of a 100,000-row import put them at 7 %).
    let utf8 = text.utf8
    if let first = utf8.first, let last = utf8.last, isVisibleASCII(first), isVisibleASCII(last) { return text }
    let scalars = text.unicodeScalars
    guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
        let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })
    else { return "" }
    if first == scalars.startIndex, scalars.index(after: last) == scalars.endIndex { return text }
    return String(scalars[first...last])
}

/// A printable ASCII byte other than the space: never white space at either end of a cell.
@inline(__always)
private func isVisibleASCII(_ byte: UInt8) -> Bool { byte > 0x20 && byte < 0x7F }

/// `number` in plain decimal notation. Integral values go through Int64 (no ".0"); the rest start from Swift's
/// `description`, the shortest digits that read back as the same double, which switches to an exponent for large
/// and tiny magnitudes ("1e+20", "1.5e-07") — that exponent is written out as zeros. NaN and ±∞ stay "nan"/"inf".
func plainDecimal(_ number: Double) -> String {
    if number == number.rounded(), abs(number) < 9.2e18 { return String(Int64(number)) }
    let shortest = number.description
    let bytes = Array(shortest.utf8)
    guard let exponentMarker = bytes.firstIndex(of: UInt8(ascii: "e")),
        let exponent = Int(String(decoding: bytes[(exponentMarker + 1)...], as: UTF8.self))
    else { return shortest }
    let mantissa = bytes[..<exponentMarker]
    let negative = mantissa.first == UInt8(ascii: "-")
    let digits = mantissa.filter { $0 != UInt8(ascii: "-") && $0 != UInt8(ascii: ".") }
    let point = (mantissa.firstIndex(of: UInt8(ascii: ".")) ?? mantissa.endIndex) - (negative ? 1 : 0) + exponent
    let zero = UInt8(ascii: "0")
    var plain: [UInt8] = negative ? [UInt8(ascii: "-")] : []
    if point <= 0 {
        plain += [zero, UInt8(ascii: ".")] + Array(repeating: zero, count: -point) + digits
    } else if point >= digits.count {
        plain += digits + Array(repeating: zero, count: point - digits.count)
    } else {
        plain += digits[..<point] + [UInt8(ascii: ".")] + digits[point...]
    }
    return String(decoding: plain, as: UTF8.self)
}
