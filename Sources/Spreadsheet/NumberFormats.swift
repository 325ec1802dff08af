/// Which cell styles of a workbook show their number as a date. Excel stores a date as a plain
/// number (days since the epoch of its date system); only the cell's number format, reached through
/// its style, says it is one.
struct DateStyles {
    /// By style index: in .xlsx the `s` attribute of a cell (an index into `cellXfs`), in .xls the
    /// index of a cell's XF record.
    private let isDate: [Bool]

    static let none = DateStyles(formatIDs: [], customDateFormats: [:])

    /// `formatIDs[style]` is the number-format id of each style; `customDateFormats` tells, for the
    /// formats the workbook defines itself (by id), whether they show a date.
    init(formatIDs: [Int], customDateFormats: [Int: Bool]) {
        self.isDate = formatIDs.map { customDateFormats[$0] ?? NumberFormat.isBuiltInDate(id: $0) }
    }

    func isDate(style: Int) -> Bool {
        style >= 0 && style < self.isDate.count && self.isDate[style]
    }

    /// Reads `xl/styles.xml`: the custom formats of `<numFmts>` and the format of each `<xf>` in
    /// `<cellXfs>` (the `<xf>`s of `<cellStyleXfs>` are named styles, not what cells point at).
    init(stylesXML bytes: UnsafeBufferPointer<UInt8>) throws(SpreadsheetError) {
        var customDateFormats: [Int: Bool] = [:]
        var formatIDs: [Int] = []
        var inCellFormats = false
        var tokenizer = XMLTokenizer(bytes)
        while let token = try tokenizer.next() {
            switch token {
            case .startTag(let name, let attributes, let selfClosing):
                if bytes.equals(name, "numFmt") {
                    var id: Int?
                    var code: String?
                    var iterator = XMLAttributes(bytes, attributes)
                    while let attribute = try iterator.next() {
                        if bytes.equals(attribute.name, "numFmtId") {
                            id = bytes.decimalInteger(attribute.value)
                        } else if bytes.equals(attribute.name, "formatCode") {
                            code = try XMLText.decode(bytes, attribute.value, ooxmlEscapes: false)
                        }
                    }
                    if let id, let code { customDateFormats[id] = NumberFormat.isDate(code: code) }
                } else if bytes.equals(name, "cellXfs") {
                    inCellFormats = !selfClosing
                } else if inCellFormats, bytes.equals(name, "xf") {
                    var formatID = 0
                    var iterator = XMLAttributes(bytes, attributes)
                    while let attribute = try iterator.next() {
                        if bytes.equals(attribute.name, "numFmtId") { formatID = bytes.decimalInteger(attribute.value) ?? 0 }
                    }
                    formatIDs.append(formatID)
                }
            case .endTag(let name) where bytes.equals(name, "cellXfs"):
                inCellFormats = false
            default:
                break
            }
        }
        self.init(formatIDs: formatIDs, customDateFormats: customDateFormats)
    }
}

enum NumberFormat {
    /// Excel's built-in date formats. Of the ids the OOXML standard lists as date/time, the pure
    /// times (18–21: `h:mm AM/PM` … `h:mm:ss`) and durations (45–47: `mm:ss`, `[h]:mm:ss`, `mmss.0`)
    /// are left as numbers; 27–36 and 50–58 are the East Asian locales' dates.
    static func isBuiltInDate(id: Int) -> Bool {
        switch id {
        case 14...17, 22, 27...36, 50...58: return true
        default: return false
        }
    }

    /// Whether a custom format code shows a date: it has a day, month or year part outside quoted
    /// literals, escaped characters, `AM/PM` and `[…]` sections. An `m` right after `h` or right
    /// before `s` is minutes, not a month. Formats with only time parts stay numbers, and so do
    /// durations (`[h]:mm:ss`, `[mm]:ss`).
    static func isDate(code: String) -> Bool {
        let code = Array(code.lowercased().utf8)
        var parts: [UInt8] = []  // the d, y, m, h, s letters in order, repeats collapsed (`yyyy` → y)
        var index = 0
        while index < code.count {
            let byte = code[index]
            switch byte {
            case UInt8(ascii: "\""):
                index = (code[(index + 1)...].firstIndex(of: UInt8(ascii: "\"")) ?? code.count) + 1
            case UInt8(ascii: "\\"), UInt8(ascii: "_"), UInt8(ascii: "*"):
                index += 2  // an escaped literal, a padding or a fill character
            case UInt8(ascii: "["):
                let close = code[(index + 1)...].firstIndex(of: UInt8(ascii: "]")) ?? code.count
                let section = code[(index + 1)..<close]
                if !section.isEmpty, section.allSatisfy({ $0 == UInt8(ascii: "h") || $0 == UInt8(ascii: "m") || $0 == UInt8(ascii: "s") }) {
                    return false
                }
                index = close + 1
            default:
                if code[index...].starts(with: "am/pm".utf8) {
                    index += 5
                } else if code[index...].starts(with: "a/p".utf8) {
                    index += 3
                } else {
                    if "dymhs".utf8.contains(byte), parts.last != byte { parts.append(byte) }
                    index += 1
                }
            }
        }
        for (position, part) in parts.enumerated() {
            switch part {
            case UInt8(ascii: "d"), UInt8(ascii: "y"):
                return true
            case UInt8(ascii: "m"):
                let isMinutes = (position > 0 && parts[position - 1] == UInt8(ascii: "h"))
                    || (position + 1 < parts.count && parts[position + 1] == UInt8(ascii: "s"))
                if !isMinutes { return true }
            default:
                continue
            }
        }
        return false
    }
}

extension UnsafeBufferPointer<UInt8> {
    /// A non-negative decimal integer, nil when the range holds anything else or more than 9 digits
    /// (every index in a workbook is far below that, and it keeps the arithmetic from overflowing).
    func decimalInteger(_ range: Range<Int>) -> Int? {
        guard !range.isEmpty, range.count <= 9 else { return nil }
        var value = 0
        for index in range {
            let digit = Int(self[index]) - 0x30
            guard digit >= 0 && digit <= 9 else { return nil }
            value = value * 10 + digit
        }
        return value
    }
}
