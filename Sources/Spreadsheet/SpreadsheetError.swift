/// Why a file could not be read. `message` is plain English that can be shown to the person who
/// uploaded the file: it never carries a stack trace, a C error code or a path on this machine.
public struct SpreadsheetError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable {
        /// Not an .xlsx, .xls or .csv file (the API answers 415).
        case unsupportedFormat
        /// The file claims a format but its content is damaged, encrypted or hostile.
        case corrupt
        /// More non-empty rows than `SpreadsheetLimits.maxRows`.
        case tooManyRows
        /// A size limit other than the row count was exceeded.
        case tooLarge
    }

    public let kind: Kind
    public let message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { self.message }

    static func corrupt(_ message: String) -> SpreadsheetError { SpreadsheetError(.corrupt, message) }
    static func tooLarge(_ message: String) -> SpreadsheetError { SpreadsheetError(.tooLarge, message) }

    /// The workbook is damaged: a sentence about what was wrong, for .xlsx files.
    static func damagedWorkbook(_ detail: String) -> SpreadsheetError {
        SpreadsheetError(.corrupt, "The workbook is damaged: \(detail)")
    }
}

extension SpreadsheetError {
    static func beyondColumnLimit(row: Int, limit: Int) -> SpreadsheetError {
        .tooLarge("Row \(row) has a value beyond column \(limit); at most \(limit) columns are read")
    }

    static func cellTooLong(row: Int, limit: Int) -> SpreadsheetError {
        .tooLarge("A cell in row \(row) holds more than \(limit) bytes of text")
    }

    /// A text of the shared-string table, which is read before the rows.
    static func sharedTextTooLong(limit: Int) -> SpreadsheetError {
        .tooLarge("A text in the workbook is longer than \(limit) bytes")
    }

    static func tooManySharedStrings(limit: Int) -> SpreadsheetError {
        .tooLarge("The workbook has more than \(limit) different texts")
    }

    static func sharedStringsTooLarge(limit: Int) -> SpreadsheetError {
        .tooLarge("The workbook's texts add up to more than \(describeByteCount(limit))")
    }
}

/// "512 MB", "64 KB" or "900 bytes": sizes in messages, rounded down.
func describeByteCount(_ count: Int) -> String {
    if count >= 1 << 20 { return "\(count >> 20) MB" }
    if count >= 1 << 10 { return "\(count >> 10) KB" }
    return "\(count) bytes"
}
