import CXLSXWriter
import Glibc
import Money
import Time

public struct XLSXError: Error, CustomStringConvertible {
    public let description: String
}

/// A workbook written by libxlsxwriter in constant-memory mode: each row goes to a temporary file
/// as it is written, so memory stays flat whatever the row count. Rows must be written in order.
/// Cells are typed: numbers as numbers, dates and times as Excel serial dates with a date format,
/// text as text (a text cell is never evaluated, so formula-looking names are shown as written).
public final class XLSXWorkbook {
    public final class Sheet {
        let sheet: UnsafeMutablePointer<lxw_worksheet>
        let formats: Formats
        private(set) var rows: UInt32 = 0

        init(_ sheet: UnsafeMutablePointer<lxw_worksheet>, formats: Formats) {
            self.sheet = sheet
            self.formats = formats
        }

        public func writeHeader(_ titles: [String], widths: [Double]) {
            for (column, title) in titles.enumerated() {
                worksheet_write_string(self.sheet, self.rows, lxw_col_t(column), title, self.formats.header)
                let width = column < widths.count ? widths[column] : 14
                worksheet_set_column(self.sheet, lxw_col_t(column), lxw_col_t(column), width, nil)
            }
            self.rows += 1
        }

        public func writeRow(_ cells: [ReportCell]) {
            for (column, cell) in cells.enumerated() {
                let col = lxw_col_t(column)
                switch cell {
                case .empty: break
                case .text(let text): worksheet_write_string(self.sheet, self.rows, col, text, nil)
                case .integer(let value): worksheet_write_number(self.sheet, self.rows, col, Double(value), nil)
                case .amount(let value): worksheet_write_number(self.sheet, self.rows, col, Double(value.tenThousandths) / 10_000, self.formats.amount)
                case .date(let date): worksheet_write_number(self.sheet, self.rows, col, XLSXWorkbook.serial(date), self.formats.date)
                case .timestamp(let stamp):
                    worksheet_write_number(self.sheet, self.rows, col, XLSXWorkbook.serial(stamp), self.formats.timestamp)
                }
            }
            self.rows += 1
        }

        /// Keeps the header row in view and puts filter buttons on it.
        public func freezeHeaderWithFilter(columns: Int) {
            worksheet_freeze_panes(self.sheet, 1, 0)
            worksheet_autofilter(self.sheet, 0, 0, max(self.rows, 1) - 1, lxw_col_t(max(columns, 1) - 1))
        }
    }

    struct Formats {
        let header: UnsafeMutablePointer<lxw_format>
        let amount: UnsafeMutablePointer<lxw_format>
        let date: UnsafeMutablePointer<lxw_format>
        let timestamp: UnsafeMutablePointer<lxw_format>
    }

    public let path: String
    private let workbook: UnsafeMutablePointer<lxw_workbook>
    private let formats: Formats
    private var closed = false

    /// A new workbook at a fresh temporary path in `directory`.
    public init(directory: String = "/tmp") throws {
        var template = Array("\(directory)/speechai-report-XXXXXX.xlsx".utf8CString)
        let descriptor = mkstemps(&template, 5)
        guard descriptor >= 0 else { throw XLSXError(description: "cannot create a temporary file: errno \(errno)") }
        close(descriptor)
        let path = String(cString: template)
        self.path = path
        var options = lxw_workbook_options()
        options.constant_memory = UInt8(LXW_TRUE.rawValue)
        let workbook = directory.withCString { tmpdir -> UnsafeMutablePointer<lxw_workbook>? in
            options.tmpdir = UnsafeMutablePointer(mutating: tmpdir)
            return workbook_new_opt(path, &options)
        }
        guard let workbook else {
            unlink(path)
            throw XLSXError(description: "libxlsxwriter could not start a workbook")
        }
        self.workbook = workbook
        func format(_ configure: (UnsafeMutablePointer<lxw_format>) -> Void) -> UnsafeMutablePointer<lxw_format> {
            let format = workbook_add_format(workbook)!
            configure(format)
            return format
        }
        self.formats = Formats(
            header: format { format_set_bold($0) },
            amount: format { format_set_num_format($0, "#,##0.00##") },
            date: format { format_set_num_format($0, "yyyy-mm-dd") },
            timestamp: format { format_set_num_format($0, "yyyy-mm-dd hh:mm:ss") })
    }

    deinit {
        if !self.closed { workbook_close(self.workbook) }
        unlink(self.path)
    }

    /// Sheets must be added, and each written to the end, in the order they appear.
    public func addSheet(_ name: String) throws -> Sheet {
        guard let sheet = workbook_add_worksheet(self.workbook, name) else {
            throw XLSXError(description: "libxlsxwriter refused the sheet \(name)")
        }
        return Sheet(sheet, formats: self.formats)
    }

    /// Finishes the file (zips the sheets) and passes its bytes to `write` piece by piece; the file
    /// is removed when the workbook goes.
    public func finish(into write: (UnsafeRawBufferPointer) -> Void) throws {
        self.closed = true
        let result = workbook_close(self.workbook)
        guard result == LXW_NO_ERROR else {
            throw XLSXError(description: "libxlsxwriter: \(String(cString: lxw_strerror(result)))")
        }
        guard let file = fopen(self.path, "rb") else { throw XLSXError(description: "cannot reopen the workbook") }
        defer { fclose(file) }
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, file) }
            if count == 0 { break }
            chunk.withUnsafeBytes { write(UnsafeRawBufferPointer(rebasing: $0[0..<count])) }
        }
        guard ferror(file) == 0 else { throw XLSXError(description: "reading the workbook failed") }
    }

    /// Excel's serial day number (days since 1899-12-30, the 1900 system).
    static func serial(_ date: CivilDate) -> Double {
        Double(date.daysSinceEpoch + 25_569)
    }

    static func serial(_ stamp: Timestamp) -> Double {
        Double(stamp.microsecondsSinceEpoch) / 86_400_000_000 + 25_569
    }
}
