/// Reads the decimal numbers of cell values (`<v>1234.5</v>`, `1.5E-3`) from bytes.
enum DecimalNumber {
    /// Powers of ten that a Double holds exactly.
    private static let exactPowersOfTen: [Double] = (0...22).map { power in
        (0..<power).reduce(1.0) { value, _ in value * 10 }
    }

    /// The value of `[-+]digits[.digits][(e|E)[-+]digits]`; nil for anything else (including `inf`
    /// and `nan`, which Swift's own parser would accept). Numbers of at most 15 significant digits
    /// with a small exponent — nearly all of them — are computed exactly from their integer digits
    /// (one multiplication or division of two exact doubles is correctly rounded); the rest go
    /// through the standard library's correctly rounded parser.
    static func parse(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Double? {
        var index = range.lowerBound
        let end = range.upperBound
        var negative = false
        if index < end, bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+") {
            negative = bytes[index] == UInt8(ascii: "-")
            index += 1
        }
        var mantissa: UInt64 = 0
        var significantDigits = 0
        var digits = 0
        var decimalExponent = 0
        var seenPoint = false
        while index < end {
            let byte = bytes[index]
            if byte >= 0x30 && byte <= 0x39 {
                digits += 1
                if mantissa != 0 || byte != 0x30 { significantDigits += 1 }
                if significantDigits <= 19 {
                    mantissa = mantissa &* 10 &+ UInt64(byte - 0x30)
                    if seenPoint { decimalExponent -= 1 }
                } else if !seenPoint {
                    decimalExponent += 1
                }
            } else if byte == UInt8(ascii: "."), !seenPoint {
                seenPoint = true
            } else {
                break
            }
            index += 1
        }
        guard digits > 0 else { return nil }
        if index < end {
            guard bytes[index] | 0x20 == UInt8(ascii: "e") else { return nil }
            index += 1
            var exponentNegative = false
            if index < end, bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+") {
                exponentNegative = bytes[index] == UInt8(ascii: "-")
                index += 1
            }
            var exponent = 0
            let exponentStart = index
            while index < end, bytes[index] >= 0x30, bytes[index] <= 0x39 {
                if exponent < 100_000 { exponent = exponent * 10 + Int(bytes[index] - 0x30) }
                index += 1
            }
            guard index == end, index > exponentStart else { return nil }
            decimalExponent += exponentNegative ? -exponent : exponent
        }
        if significantDigits <= 15, abs(decimalExponent) <= 22 {
            let value = Double(mantissa)
            let scaled = decimalExponent >= 0
                ? value * Self.exactPowersOfTen[decimalExponent] : value / Self.exactPowersOfTen[-decimalExponent]
            return negative ? -scaled : scaled
        }
        return Double(String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self))
    }
}
