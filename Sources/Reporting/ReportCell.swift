import Money
import Time

/// One typed cell of a report, written as its type by each format: numbers stay numbers and dates
/// stay dates in the workbook; the CSV writes their plain text.
public enum ReportCell: Sendable, Equatable {
    case empty
    case text(String)
    case integer(Int64)
    case amount(Amount)
    case date(CivilDate)
    case timestamp(Timestamp)

    static func text(_ value: String?) -> ReportCell { value.map(ReportCell.text) ?? .empty }
    static func amount(_ value: Amount?) -> ReportCell { value.map(ReportCell.amount) ?? .empty }
    static func date(_ value: CivilDate?) -> ReportCell { value.map(ReportCell.date) ?? .empty }
    static func timestamp(_ value: Timestamp?) -> ReportCell { value.map(ReportCell.timestamp) ?? .empty }

    /// Whether a spreadsheet would read this text as a formula (OWASP's CSV injection list: `=`,
    /// `+`, `-`, `@`, and a leading tab or carriage return that some readers skip before them).
    static func looksLikeFormula(_ text: String) -> Bool {
        guard let first = text.utf8.first else { return false }
        return first == UInt8(ascii: "=") || first == UInt8(ascii: "+") || first == UInt8(ascii: "-")
            || first == UInt8(ascii: "@") || first == 0x09 || first == 0x0D
    }
}
