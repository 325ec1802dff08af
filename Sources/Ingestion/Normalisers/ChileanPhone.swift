import Spreadsheet

public enum ChileanPhone {
    /// The number as E.164 "+56" + 9 digits, or nil. Mobiles are 9 digits starting with 9; landlines 9 digits
    /// starting with an area code 2–7 (never 1, 8 or 0: 600/800 numbers are not callable contacts). `.mobile`
    /// accepts only mobiles, `.landline` only landlines, `.any` both.
    ///
    /// The previous system's rules (previous-system.md §3.3), made deterministic and with its bugs fixed. The
    /// digit runs of the text ("+56 (9) 8765-4321" → 56, 9, 8765, 4321) give candidates, tried in this order until
    /// one is valid for `kind`: all the digits together; each run, left to right; the first two runs joined when
    /// the first has at most 3 digits ("(32) 2123456 anexo 45"). So "228151807 / 987654321" gives the landline for
    /// `.any` and the mobile for `.mobile`.
    public static func normalize(_ cell: Cell, kind: PhoneKind) -> PhoneNumber? {
        switch cell {
        case .text, .number: break
        case .empty, .boolean, .date, .error: return nil
        }
        // The digit values of the text, and the runs of consecutive digits as ranges of that array.
        var digits: [UInt8] = []
        var runs: [Range<Int>] = []
        var runStart = 0
        for byte in droppingZeroFraction(cellText(cell)).utf8 {
            if byte.isASCIIDigit {
                digits.append(byte - UInt8(ascii: "0"))
            } else if runStart < digits.count {
                runs.append(runStart..<digits.count)
                runStart = digits.count
            }
        }
        if runStart < digits.count { runs.append(runStart..<digits.count) }

        if let number = number(from: digits[...], kind: kind) { return number }
        for run in runs {
            if let number = number(from: digits[run], kind: kind) { return number }
        }
        // The first two runs are adjacent in `digits`, so joining them is a slice.
        if runs.count >= 2, runs[0].count <= 3,
            let number = number(from: digits[runs[0].lowerBound..<runs[1].upperBound], kind: kind)
        {
            return number
        }
        return nil
    }

    /// One candidate's digit values as a number of `kind`, or nil.
    private static func number(from candidate: ArraySlice<UInt8>, kind: PhoneKind) -> PhoneNumber? {
        var digits = candidate
        // The country code, only when what follows has the length of a national number (9 digits, or 8 in the
        // legacy forms below), so a 9-digit number that happens to begin with 56 keeps those digits.
        if digits.begins(with: 5, 6), digits.count == 10 || digits.count == 11 { digits = digits.dropFirst(2) }
        // The trunk prefix: "09 8765 4321", "02 2345 6789".
        digits = digits.drop(while: { $0 == 0 })
        // The first digit of the national number, when the written number lacks it.
        var missingLeadingDigit: UInt8?
        switch digits.count {
        case 10 where digits.begins(with: 9, 9):
            digits = digits.dropFirst()  // "99 8765 4321": the mobile 9 typed twice
        case 8 where digits.first == 9:
            missingLeadingDigit = 9  // mobiles had 8 digits until 2012, when a 9 was put in front
        case 8 where kind == .mobile && (5...8).contains(digits.first!):
            missingLeadingDigit = 9  // those pre-2012 mobiles began with 5 to 9 ("12345678" is not one)
        case 8 where kind != .mobile:
            missingLeadingDigit = 2  // a Santiago number written without its area code 2, the default area
        default:
            break
        }
        guard digits.count + (missingLeadingDigit == nil ? 0 : 1) == 9, let leading = missingLeadingDigit ?? digits.first
        else { return nil }
        let isMobile = leading == 9
        let isLandline = (2...7).contains(leading)
        switch kind {
        case .mobile: guard isMobile else { return nil }
        case .landline: guard isLandline else { return nil }
        case .any: guard isMobile || isLandline else { return nil }
        }
        let prefix = missingLeadingDigit.map { "56\($0)" } ?? "56"
        return PhoneNumber(e164: e164(prefix, digits), isMobile: isMobile)
    }
}
