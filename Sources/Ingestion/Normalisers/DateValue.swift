import Spreadsheet
import Time

public enum DateValue {
    /// A due date or similar, or nil for an empty cell.
    ///
    /// * Date cells as they are.
    /// * Numbers, and whole numbers written as text ("45678"), as Excel serials in `dateSystem`; the fraction is
    ///   the time of day and is dropped. 1900 system: serial 1 is 1900-01-01, but Excel counts a fictitious
    ///   1900-02-29 as serial 60 (refused), so from 61 on a serial is days since 1899-12-30. 1904 system: days
    ///   since 1904-01-01. Serials below 1 (0 is no date; a fraction alone is a bare time) or above 2958465
    ///   (9999-12-31) are refused.
    /// * Text, always day first (Chile and Argentina never write month first, and "03/04/2025" must not turn
    ///   into March): day and month of 1–2 digits and a year of 2 or 4 separated by "/", "-" or "." (the same
    ///   one twice) — "25/12/2024", "5/1/25", "25-12-24", "25.12.2024"; a 2-digit year is 20YY. With a 4-digit
    ///   year first, year-month-day: ISO "2024-12-25" (also "2024/12/25", "2024.12.25"). Either may be followed by
    ///   a time of day after "T" or a space ("2024-12-25T10:30:00Z", "25/12/2024 0:00"), which is dropped.
    ///
    /// Throws "impossible date 31/02/2025" for a day or month that does not exist, "date out of range: …" for
    /// years outside 1900–2200 (typing errors such as 2205 or 1025), and "not a date: …" for anything else.
    public static func parse(_ cell: Cell, dateSystem: DateSystem) throws(ValueError) -> CivilDate? {
        let date: CivilDate
        switch cell {
        case .empty: return nil
        case .date(let value): date = value
        case .number(let serial): date = try self.date(serial: serial, dateSystem: dateSystem)
        case .text(let text):
            let shown = trimmed(text)
            if shown.isEmpty { return nil }
            date = try self.date(text: shown, dateSystem: dateSystem)
        case .boolean, .error: throw ValueError("not a date:", quoting: cellText(cell))
        }
        guard (1900...2200).contains(date.year) else { throw ValueError("date out of range:", quoting: cellText(cell)) }
        return date
    }

    /// Excel's own reading of a serial (`ExcelSerialDate`), refused below 1 and at the fictitious
    /// 1900-02-29 rather than passed on as a number.
    private static func date(serial: Double, dateSystem: DateSystem) throws(ValueError) -> CivilDate {
        // Lotus 1-2-3 took 1900 for a leap year and Excel kept it: serial 60 is 1900-02-29, a day that never was.
        if dateSystem == .excel1900, serial >= 60, serial < 61 {
            throw ValueError("impossible date 29/02/1900 (Excel serial 60)")
        }
        guard serial >= 1, let date = ExcelSerialDate.date(serial: serial, system: dateSystem) else {
            throw ValueError("not a date:", quoting: plainDecimal(serial))
        }
        return date
    }

    private static func date(text: String, dateSystem: DateSystem) throws(ValueError) -> CivilDate {
        let notADate = ValueError("not a date:", quoting: text)
        let serialText = droppingZeroFraction(text)
        if serialText.utf8.count <= 7, serialText.utf8.allSatisfy(\.isASCIIDigit), let serial = Int(serialText) {
            return try date(serial: Double(serial), dateSystem: dateSystem)
        }
        let bytes = Array(text.utf8)
        var index = 0
        /// The number at `index` and how many digits it has (up to 4; more is no date).
        func readNumber() -> (value: Int, width: Int)? {
            let start = index
            var value = 0
            while index < bytes.count, bytes[index].isASCIIDigit, index - start < 5 {
                value = value * 10 + Int(bytes[index] - UInt8(ascii: "0"))
                index += 1
            }
            let width = index - start
            return (1...4).contains(width) ? (value, width) : nil
        }
        guard let first = readNumber(), index < bytes.count else { throw notADate }
        let separator = bytes[index]
        guard separator == UInt8(ascii: "/") || separator == UInt8(ascii: "-") || separator == UInt8(ascii: ".")
        else { throw notADate }
        index += 1
        guard let second = readNumber(), index < bytes.count, bytes[index] == separator else { throw notADate }
        index += 1
        guard let third = readNumber() else { throw notADate }
        if index < bytes.count {
            guard bytes[index] == UInt8(ascii: "T") || bytes[index] == UInt8(ascii: " "),
                isTimeOfDay(bytes[(index + 1)...])
            else { throw notADate }
        }

        let year: Int
        let month: Int
        let day: Int
        if first.width == 4, second.width <= 2, third.width <= 2 {
            (year, month, day) = (first.value, second.value, third.value)
        } else if first.width <= 2, second.width <= 2, third.width == 2 || third.width == 4 {
            (year, month, day) = (third.width == 2 ? 2000 + third.value : third.value, second.value, first.value)
        } else {
            throw notADate
        }
        guard let date = CivilDate(year: year, month: month, day: day) else {
            throw ValueError("impossible date", quoting: String(decoding: bytes[..<index], as: UTF8.self))
        }
        return date
    }

    /// "H:MM", "HH:MM:SS" or "HH:MM:SS.fff", optionally followed by a zone "Z", "±HH:MM" or "±HHMM".
    private static func isTimeOfDay(_ bytes: ArraySlice<UInt8>) -> Bool {
        var rest = bytes
        func digits(_ range: ClosedRange<Int>) -> Bool {
            let count = rest.prefix(while: \.isASCIIDigit).count
            guard range.contains(count) else { return false }
            rest = rest.dropFirst(count)
            return true
        }
        func symbol(_ character: Character) -> Bool {
            guard rest.first == character.asciiValue else { return false }
            rest = rest.dropFirst()
            return true
        }
        guard digits(1...2), symbol(":"), digits(2...2) else { return false }
        if symbol(":") {
            guard digits(2...2) else { return false }
            if symbol("."), !digits(1...9) { return false }
        }
        if symbol("Z") { return rest.isEmpty }
        if symbol("+") || symbol("-") {
            guard digits(2...2) else { return false }
            _ = symbol(":")
            return digits(2...2) && rest.isEmpty
        }
        return rest.isEmpty
    }
}
