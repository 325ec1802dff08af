/// Reads customers' contact lists: .xlsx, .xls and .csv files, held in memory, one row at a time.
public enum Spreadsheet {
    /// By content (magic bytes), never by file name. xlsx = a ZIP whose entries include
    /// `xl/workbook.xml` (a ZIP without it → nil); xls = an OLE2 compound file; csv = text (no NUL
    /// bytes and almost no other control characters in the first 64 KiB; an empty file is an empty
    /// CSV). Anything else → nil.
    public static func detectFormat(_ bytes: [UInt8]) -> SpreadsheetFormat? {
        FormatDetection.detect(bytes)
    }

    /// Reads the first sheet that has a non-empty row (workbook order; hidden sheets are skipped) and
    /// calls `visit` for every non-empty row in order (a row whose cells are all `Cell.isEmpty` is
    /// skipped). Errors thrown by `visit` propagate unchanged (the caller uses that to stop early);
    /// every other failure is a `SpreadsheetError`. Returns the detected format.
    @discardableResult
    public static func read(
        _ bytes: [UInt8], limits: SpreadsheetLimits = SpreadsheetLimits(), visit: (SheetRow) throws -> Void
    ) throws -> SpreadsheetFormat {
        // Excel's "Unicode Text" (and "CSV" on some systems) is UTF-16 with a byte-order mark.
        if let utf8 = try WideText.utf8(from: bytes) {
            try CSVReader.read(utf8, limits: limits, visit: visit)
            return .csv
        }
        guard let format = Self.detectFormat(bytes) else {
            if FormatDetection.isMarkup(bytes) {
                throw SpreadsheetError(
                    .unsupportedFormat,
                    "The file is a web page or an XML document, not a spreadsheet, whatever its name says: open it in "
                        + "Excel and save it as an Excel workbook (.xlsx) or as \"CSV UTF-8\", then upload it again")
            }
            throw SpreadsheetError(
                .unsupportedFormat, "The file is not an Excel workbook (.xlsx or .xls) or a CSV file")
        }
        switch format {
        case .xlsx: try XLSXReader.read(bytes, limits: limits, visit: visit)
        case .xls: try XLSReader.read(bytes, limits: limits, visit: visit)
        case .csv: try CSVReader.read(bytes, limits: limits, visit: visit)
        }
        return format
    }
}
