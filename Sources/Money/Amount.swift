/// An exact quantity of credits, money or minutes with four decimal places, kept as a whole number
/// of ten-thousandths. Every amount in the system is one of these: binary floating point never
/// touches money, and — unlike Foundation's `Decimal`, whose parsing, printing and arithmetic cost
/// hundreds of nanoseconds to microseconds each — adding, comparing and printing are integer work.
///
/// The schema bounds every stored amount to ±10^14 (the `amount` domain), far inside `Int64`'s
/// range at this scale (±9.2 × 10^14 units); arithmetic beyond the range traps.
public struct Amount: Sendable, Hashable, Comparable, CustomStringConvertible, ExpressibleByIntegerLiteral {
    /// Ten-thousandths of a unit.
    public let tenThousandths: Int64

    public static let scale: Int64 = 10_000
    public static let zero = Amount(tenThousandths: 0)

    public init(tenThousandths: Int64) {
        self.tenThousandths = tenThousandths
    }

    /// Whole units.
    public init(integerLiteral value: Int64) {
        self.tenThousandths = value * Amount.scale
    }

    public enum ParseError: Error, Sendable, Equatable {
        case notANumber
        /// More than four significant decimal places.
        case tooPrecise
        case outOfRange
    }

    /// Parses plain decimal text: `-123.4500`, `7`, `0.5`. Trailing zeros past the fourth decimal
    /// are fine; any other fifth decimal is `tooPrecise`. Exponents (`1e5`) are accepted when the
    /// value is exact at four decimals, because JSON clients write them.
    public static func parse(_ text: some StringProtocol) -> Result<Amount, ParseError> {
        var bytes = Array(text.utf8)
        var exponent = 0
        if let marker = bytes.firstIndex(where: { $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") }) {
            guard let value = Int(String(decoding: bytes[(marker + 1)...], as: UTF8.self)), abs(value) < 40 else {
                return .failure(.notANumber)
            }
            exponent = value
            bytes.removeSubrange(marker...)
        }
        var negative = false
        var index = 0
        if index < bytes.count, bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+") {
            negative = bytes[index] == UInt8(ascii: "-")
            index += 1
        }
        var digits: [UInt8] = []
        var pointPosition: Int?
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "."), pointPosition == nil {
                pointPosition = digits.count
            } else if (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) {
                digits.append(byte - UInt8(ascii: "0"))
            } else {
                return .failure(.notANumber)
            }
            index += 1
        }
        guard !digits.isEmpty else { return .failure(.notANumber) }
        // The position of the decimal point after applying the exponent, then the digits that
        // fall past the fourth decimal, which must all be zero.
        let point = (pointPosition ?? digits.count) + exponent
        let kept = point + 4
        if kept < digits.count {
            guard digits[max(kept, 0)...].allSatisfy({ $0 == 0 }) else { return .failure(.tooPrecise) }
        }
        var value: Int64 = 0
        for position in 0..<max(kept, 0) {
            let digit = position < digits.count ? Int64(digits[position]) : 0
            let (shifted, overflowA) = value.multipliedReportingOverflow(by: 10)
            let (next, overflowB) = shifted.addingReportingOverflow(digit)
            guard !overflowA, !overflowB else { return .failure(.outOfRange) }
            value = next
        }
        return .success(Amount(tenThousandths: negative ? -value : value))
    }

    /// PostgreSQL's `numeric` output (`-123.4500`: an optional minus, digits, and at most four
    /// decimals), read in place without allocating; anything else goes to `parse`.
    public init?(numericText bytes: UnsafeBufferPointer<UInt8>) {
        var value: Int64 = 0
        var negative = false
        var decimals = -1
        var digits = 0
        for (index, byte) in bytes.enumerated() {
            switch byte {
            case UInt8(ascii: "-") where index == 0: negative = true
            case UInt8(ascii: ".") where decimals < 0: decimals = 0
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                digits += 1
                if decimals >= 0 {
                    decimals += 1
                    if decimals > 4 { return nil }
                }
                let (shifted, overflowA) = value.multipliedReportingOverflow(by: 10)
                let (next, overflowB) = shifted.addingReportingOverflow(Int64(byte - UInt8(ascii: "0")))
                if overflowA || overflowB { return nil }
                value = next
            default: return nil
            }
        }
        // A number has a digit: "", "-", "." and "-." are not one (found by fuzzing).
        guard digits > 0 else { return nil }
        for _ in max(decimals, 0)..<4 {
            let (scaled, overflow) = value.multipliedReportingOverflow(by: 10)
            if overflow { return nil }
            value = scaled
        }
        self.tenThousandths = negative ? -value : value
    }

    public init?(_ text: some StringProtocol) {
        guard case .success(let amount) = Amount.parse(text) else { return nil }
        self = amount
    }

    /// Plain decimal text without trailing zeros: `123.45`, `-0.5`, `0`.
    public var description: String {
        let magnitude = self.tenThousandths.magnitude
        var text = self.tenThousandths < 0 ? "-" : ""
        text += String(magnitude / UInt64(Amount.scale))
        var fraction = magnitude % UInt64(Amount.scale)
        if fraction != 0 {
            var width = 4
            while fraction % 10 == 0 {
                fraction /= 10
                width -= 1
            }
            let digits = String(fraction)
            text += "." + String(repeating: "0", count: width - digits.count) + digits
        }
        return text
    }

    public static func < (lhs: Amount, rhs: Amount) -> Bool { lhs.tenThousandths < rhs.tenThousandths }
    public static func + (lhs: Amount, rhs: Amount) -> Amount { Amount(tenThousandths: lhs.tenThousandths + rhs.tenThousandths) }
    public static func - (lhs: Amount, rhs: Amount) -> Amount { Amount(tenThousandths: lhs.tenThousandths - rhs.tenThousandths) }
    public static prefix func - (amount: Amount) -> Amount { Amount(tenThousandths: -amount.tenThousandths) }
    public static func += (lhs: inout Amount, rhs: Amount) { lhs = lhs + rhs }

    /// The product, rounded half away from zero to four decimals (minutes × rate).
    public func multiplied(by other: Amount) -> Amount {
        let product = Int128(self.tenThousandths) * Int128(other.tenThousandths)
        let scale = Int128(Amount.scale)
        let half = scale / 2
        let rounded = product >= 0 ? (product + half) / scale : (product - half) / scale
        return Amount(tenThousandths: Int64(rounded))
    }
}
