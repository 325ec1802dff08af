import Spreadsheet

public enum ArgentinePhone {
    /// The number as E.164 on Argentina's numbering plan, or nil — never guessed. The national significant number
    /// is an area code (2–4 digits, `ArgentineAreaCodes`) + the subscriber number, 10 digits together; mobiles are
    /// dialled from abroad with a 9 after the country code: mobile "+549" + area + number, fixed "+54" + area +
    /// number.
    ///
    /// Accepted around those 10 digits: the international prefix (+54, 0054, 54) with or without the mobile 9
    /// ("+54 9 11 2345-6789", "5493514123456"); the national trunk 0 ("011 4123-4567", "0351 412-3456"), also
    /// after the country code ("+54 (011) …"); the "15" that marks a mobile dialled nationally, after the area
    /// code ("011 15 2345-6789", "(0351) 15-523-4567"), which is dropped; spaces, dashes, dots and parentheses.
    /// Anything else (letters, a second number, another country code) gives nil.
    ///
    /// A number written with the 9 or the 15 is a mobile. A plain national number is a mobile for `.mobile`
    /// (columns named "celular" hold mobiles written without 15) and fixed otherwise. `.landline` refuses mobiles.
    /// The area code is the longest one in the table the digits begin with; the subscriber number must then make
    /// up 10 digits and begin with 2–9 (0 and 1 open no subscriber number: they are the trunk prefix and the
    /// "15"/short codes).
    public static func normalize(_ cell: Cell, kind: PhoneKind) -> PhoneNumber? {
        switch cell {
        case .text, .number: break
        case .empty, .boolean, .date, .error: return nil
        }
        var written: [UInt8] = []
        var hasPlus = false
        for byte in droppingZeroFraction(cellText(cell)).utf8 {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): written.append(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "+") where written.isEmpty && !hasPlus: hasPlus = true
            case UInt8(ascii: " "), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "("), UInt8(ascii: ")"): continue
            default: return nil
            }
        }
        var digits = written[...]
        let isInternational = hasPlus || digits.begins(with: 0, 0)
        if digits.begins(with: 0, 0) { digits = digits.dropFirst(2) }
        // The country code; without "+" or "00" a leading 54 is one too, as no area code begins with 5.
        if digits.begins(with: 5, 4) {
            digits = digits.dropFirst(2)
        } else if isInternational {
            return nil
        }
        // The mobile 9 (written after the country code, or without one: no area code begins with 9 either),
        // then the trunk 0 of national dialling.
        var isMobile = false
        if digits.first == 9 {
            isMobile = true
            digits = digits.dropFirst()
        }
        if digits.first == 0 { digits = digits.dropFirst() }

        guard let areaCodeLength = areaCodeLength(digits) else { return nil }
        let afterAreaCode = digits.startIndex + areaCodeLength
        if digits.count == 12, digits[afterAreaCode...].begins(with: 1, 5) {
            isMobile = true
            digits.removeSubrange(afterAreaCode..<afterAreaCode + 2)
        }
        guard digits.count == 10, digits[afterAreaCode] >= 2 else { return nil }

        if kind == .mobile { isMobile = true }
        if kind == .landline, isMobile { return nil }
        return PhoneNumber(e164: e164(isMobile ? "549" : "54", digits), isMobile: isMobile)
    }

    /// The length of the area code `digits` begin with, by longest match: 2202 (González Catán) before 220 (Merlo).
    private static func areaCodeLength(_ digits: ArraySlice<UInt8>) -> Int? {
        for length in stride(from: 4, through: 2, by: -1) where digits.count >= length {
            if ArgentineAreaCodes.all.contains(value(of: digits.prefix(length))) { return length }
        }
        return nil
    }
}
