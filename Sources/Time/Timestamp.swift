import Glibc

/// An instant with microsecond precision (PostgreSQL's `timestamptz` resolution), kept as an exact
/// integer so it survives a round trip through the database and JSON unchanged.
public struct Timestamp: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let microsecondsSinceEpoch: Int64

    public init(microsecondsSinceEpoch: Int64) {
        self.microsecondsSinceEpoch = microsecondsSinceEpoch
    }

    public static func now() -> Timestamp {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Timestamp(microsecondsSinceEpoch: Int64(spec.tv_sec) * 1_000_000 + Int64(spec.tv_nsec) / 1000)
    }

    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool {
        lhs.microsecondsSinceEpoch < rhs.microsecondsSinceEpoch
    }

    /// RFC 3339 in UTC with microseconds: `2025-10-25T17:41:29.895169Z`. Written digit by digit:
    /// it is on every response and log line, and `String(format:)` costs more than the query.
    public var rfc3339: String {
        let (seconds, micros) = self.microsecondsSinceEpoch.floorDivided(by: 1_000_000)
        let (days, secondOfDay) = seconds.floorDivided(by: 86_400)
        let (year, month, day) = Gregorian.from(daysSinceEpoch: days)
        return String(unsafeUninitializedCapacity: 27) { buffer in
            var position = 0
            func digits(_ value: Int64, _ count: Int) {
                var remaining = value
                for offset in stride(from: count - 1, through: 0, by: -1) {
                    buffer[position + offset] = UInt8(ascii: "0") + UInt8(remaining % 10)
                    remaining /= 10
                }
                position += count
            }
            func character(_ byte: UInt8) {
                buffer[position] = byte
                position += 1
            }
            digits(year, 4)
            character(UInt8(ascii: "-"))
            digits(month, 2)
            character(UInt8(ascii: "-"))
            digits(day, 2)
            character(UInt8(ascii: "T"))
            digits(secondOfDay / 3600, 2)
            character(UInt8(ascii: ":"))
            digits(secondOfDay / 60 % 60, 2)
            character(UInt8(ascii: ":"))
            digits(secondOfDay % 60, 2)
            character(UInt8(ascii: "."))
            digits(micros, 6)
            character(UInt8(ascii: "Z"))
            return position
        }
    }

    public var description: String { self.rfc3339 }

    /// Parses PostgreSQL's ISO output (`2025-10-25 17:41:29.895169+00`, offsets `+HH`, `+HH:MM`)
    /// and RFC 3339 (`T` separator, `Z`).
    public init?(parsing text: String) {
        var text = text
        guard let parsed = text.withUTF8({ Timestamp(utf8: $0) }) else { return nil }
        self = parsed
    }

    /// The same, from UTF-8 bytes (a database value read in place).
    public init?(utf8 bytes: UnsafeBufferPointer<UInt8>) {
        var index = 0
        func number(_ count: Int) -> Int64? {
            guard index + count <= bytes.count else { return nil }
            var value: Int64 = 0
            for byte in bytes[index..<index + count] {
                guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
                value = value * 10 + Int64(byte - UInt8(ascii: "0"))
            }
            index += count
            return value
        }
        func skip(_ allowed: [UInt8]) -> Bool {
            guard index < bytes.count, allowed.contains(bytes[index]) else { return false }
            index += 1
            return true
        }
        guard let year = number(4), skip([UInt8(ascii: "-")]), let month = number(2), skip([UInt8(ascii: "-")]),
            let day = number(2), skip([UInt8(ascii: " "), UInt8(ascii: "T")]), let hour = number(2),
            skip([UInt8(ascii: ":")]), let minute = number(2), skip([UInt8(ascii: ":")]), let second = number(2),
            (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61
        else { return nil }
        var micros: Int64 = 0
        if skip([UInt8(ascii: ".")]) {
            var digits = 0
            while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) {
                if digits < 6 { micros = micros * 10 + Int64(bytes[index] - UInt8(ascii: "0")) }
                digits += 1
                index += 1
            }
            guard digits > 0 else { return nil }
            for _ in min(digits, 6)..<6 { micros *= 10 }
        }
        var offsetSeconds: Int64 = 0
        if skip([UInt8(ascii: "Z")]) {
            offsetSeconds = 0
        } else if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
            let sign: Int64 = bytes[index] == UInt8(ascii: "-") ? -1 : 1
            index += 1
            guard let offsetHours = number(2) else { return nil }
            var offsetMinutes: Int64 = 0
            if skip([UInt8(ascii: ":")]) {
                guard let minutes = number(2) else { return nil }
                offsetMinutes = minutes
            }
            offsetSeconds = sign * (offsetHours * 3600 + offsetMinutes * 60)
        } else {
            return nil
        }
        guard index == bytes.count else { return nil }
        let days = Gregorian.daysSinceEpoch(year: year, month: month, day: day)
        let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offsetSeconds
        self.init(microsecondsSinceEpoch: seconds * 1_000_000 + micros)
    }
}

/// Proleptic Gregorian calendar arithmetic (Howard Hinnant's days-from-civil algorithms).
enum Gregorian {
    static func daysSinceEpoch(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    static func from(daysSinceEpoch days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
        let month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}

extension Int64 {
    /// Division rounding towards negative infinity, with a non-negative remainder.
    func floorDivided(by divisor: Int64) -> (quotient: Int64, remainder: Int64) {
        let quotient = self / divisor
        let remainder = self % divisor
        return remainder < 0 ? (quotient - 1, remainder + divisor) : (quotient, remainder)
    }
}

extension Duration {
    /// The duration in whole milliseconds (rounded down), as timeouts are given to C libraries.
    public var wholeMilliseconds: Int64 {
        self.components.seconds * 1000 + self.components.attoseconds / 1_000_000_000_000_000
    }
}

extension Timestamp {
    /// This instant moved by `duration` (microsecond resolution).
    public func advanced(by duration: Duration) -> Timestamp {
        Timestamp(
            microsecondsSinceEpoch: self.microsecondsSinceEpoch + duration.components.seconds * 1_000_000
                + duration.components.attoseconds / 1_000_000_000_000)
    }

    /// From Unix milliseconds, as providers send times.
    public init(unixMilliseconds: Int64) {
        self.init(microsecondsSinceEpoch: unixMilliseconds * 1000)
    }
}
