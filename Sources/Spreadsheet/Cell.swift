import Time

/// One cell as the workbook stored it, before any normalisation.
public enum Cell: Sendable, Equatable {
    case empty
    case text(String)
    /// A numeric cell (Excel keeps every number as a binary double).
    case number(Double)
    case boolean(Bool)
    /// A numeric cell whose number format shows a date (the time of day is dropped), already
    /// converted with the workbook's date system; never produced from CSV text.
    case date(CivilDate)
    /// An error value such as `#N/A`.
    case error(String)

    public var isEmpty: Bool {
        switch self {
        case .empty: return true
        case .text(let text):
            // Only spaces, tabs and no-break spaces (U+00A0, C2 A0 in UTF-8). Checked on the UTF-8
            // bytes, which is equivalent (none of the three combines with anything into one
            // Character) and spares a grapheme breaker on every cell of every row.
            var bytes = text.utf8.makeIterator()
            while let byte = bytes.next() {
                switch byte {
                case 0x20, 0x09: continue
                case 0xC2: if bytes.next() != 0xA0 { return false }
                default: return false
                }
            }
            return true
        default: return false
        }
    }
}

/// How a workbook counts days: Excel for Windows counts from 1899-12-30 (with the fictitious
/// 1900-02-29), old Mac workbooks from 1904-01-01.
public enum DateSystem: Sendable, Equatable {
    case excel1900
    case excel1904
}

/// One non-empty row of the sheet being read.
public struct SheetRow: Sendable {
    /// 1-based row number as a spreadsheet program shows it (CSV: the record's ordinal).
    public let number: Int
    /// Cells by column (index 0 = column A); trailing empty cells may be absent.
    public let cells: [Cell]
    /// Needed to read plain numbers in a date column as Excel serials.
    public let dateSystem: DateSystem

    public init(number: Int, cells: [Cell], dateSystem: DateSystem) {
        self.number = number
        self.cells = cells
        self.dateSystem = dateSystem
    }
}
