/// A non-negative decimal number written in either separator convention, as its whole part and the digits of its
/// fraction. Chilean and Argentine lists write "1.234.567,89"; exports from English-language software
/// "1,234,567.89". Which separator is which:
/// * both "." and "," present: the last one is the decimal separator and must appear once ("1.234,56",
///   "1,234.56"); the other separates thousands;
/// * only one of them, more than once: thousands ("1.234.567", "1,234,567");
/// * only one of them, once: thousands when exactly 3 digits follow it and 1–3 digits not starting with 0 precede
///   it ("1.234" = 1234, "12,500" = 12500), as a Chilean or Argentine list means; otherwise decimal ("1.5",
///   "1234,56", "0.125", "1234.567" — a group of 4 digits cannot be thousands).
/// Thousands groups must be well formed: 1–3 digits not starting with 0, then exactly 3 digits each.
struct DecimalText {
    /// The whole part, held at 10^15 when it is larger (far beyond what any caller accepts).
    let whole: Int64
    /// The ASCII digits after the decimal separator; empty when there is none.
    let fraction: ArraySlice<UInt8>

    /// `text` must consist of digits, "." and "," only.
    init?(separated text: ArraySlice<UInt8>) {
        var dots = 0
        var commas = 0
        var lastSeparator: Int?
        for index in text.indices where !text[index].isASCIIDigit {
            switch text[index] {
            case UInt8(ascii: "."): dots += 1
            case UInt8(ascii: ","): commas += 1
            default: return nil
            }
            lastSeparator = index
        }
        guard let lastSeparator else {
            self.init(text, decimalSeparator: nil, thousandsSeparator: nil)
            return
        }
        let last = text[lastSeparator]
        let lastCount = last == UInt8(ascii: ".") ? dots : commas
        if dots > 0, commas > 0 {
            guard lastCount == 1 else { return nil }
            self.init(
                text, decimalSeparator: lastSeparator,
                thousandsSeparator: last == UInt8(ascii: ".") ? UInt8(ascii: ",") : UInt8(ascii: "."))
        } else if lastCount > 1 {
            self.init(text, decimalSeparator: nil, thousandsSeparator: last)
        } else {
            let digitsBefore = lastSeparator - text.startIndex
            let digitsAfter = text.endIndex - lastSeparator - 1
            if digitsAfter == 3, (1...3).contains(digitsBefore), text.first != UInt8(ascii: "0") {
                self.init(text, decimalSeparator: nil, thousandsSeparator: last)
            } else {
                self.init(text, decimalSeparator: lastSeparator, thousandsSeparator: nil)
            }
        }
    }

    /// Plain notation: "." as the decimal point and no thousands separator, as `plainDecimal` writes.
    init?(plain text: ArraySlice<UInt8>) {
        self.init(text, decimalSeparator: text.firstIndex(of: UInt8(ascii: ".")), thousandsSeparator: nil)
    }

    private init?(_ text: ArraySlice<UInt8>, decimalSeparator: Int?, thousandsSeparator: UInt8?) {
        let wholeText = text[..<(decimalSeparator ?? text.endIndex)]
        var whole: Int64 = 0
        var groupLength = 0
        var isFirstGroup = true
        for byte in wholeText {
            if byte == thousandsSeparator {
                guard isFirstGroup ? (1...3).contains(groupLength) : groupLength == 3 else { return nil }
                isFirstGroup = false
                groupLength = 0
            } else {
                guard byte.isASCIIDigit else { return nil }
                whole = min(whole * 10 + Int64(byte - UInt8(ascii: "0")), 1_000_000_000_000_000)
                groupLength += 1
            }
        }
        guard groupLength > 0, isFirstGroup || (groupLength == 3 && wholeText.first != UInt8(ascii: "0")) else {
            return nil
        }
        let fraction = decimalSeparator.map { text[($0 + 1)...] } ?? text[text.endIndex...]
        guard decimalSeparator == nil || (!fraction.isEmpty && fraction.allSatisfy(\.isASCIIDigit)) else { return nil }
        self.whole = whole
        self.fraction = fraction
    }
}
