import CFreeXL
import Time

#if canImport(Glibc)
import Glibc
#endif

/// Reads the first non-empty worksheet of a legacy .xls (BIFF) workbook with FreeXL. FreeXL reads a
/// whole workbook at once and only from a path, so the bytes go to an anonymous in-memory file
/// first. A BIFF8 sheet has at most 65,536 rows.
///
/// FreeXL converts date cells itself, with the workbook's date system (1900 or 1904): DATE and
/// DATETIME cells arrive as `YYYY-MM-DD[ HH:MM:SS]` text and become `.date`. TIME cells (a number
/// formatted as a time of day) become `.number`, the fraction of a day, as pure times do in .xlsx;
/// FreeXL reports only their time of day, so a duration's whole days are lost.
enum XLSReader {
    static let damaged = SpreadsheetError.corrupt("The .xls file is damaged or password-protected")
    static let encryptedWorkbook = SpreadsheetError.corrupt(
        "The workbook is password-protected; save it without a password and upload it again")

    /// FreeXL allocates every cell of each sheet's declared dimensions when it opens a workbook
    /// (16 bytes a cell), and a tiny hostile file can declare 65,536 × 256 cells per sheet. The
    /// declared total is checked first, with FreeXL's cheap metadata-only open. 4 Mi cells are 64 MB:
    /// a 65,536-row sheet of 64 columns.
    static let maxDeclaredCells = 4 << 20
    /// A BIFF8 sheet's size; a damaged file can declare billions of rows.
    static let maxSheetRows: UInt32 = 65_536
    static let maxSheetColumns: UInt16 = 256

    static func read(_ bytes: [UInt8], limits: SpreadsheetLimits, visit: (SheetRow) throws -> Void) throws {
        let file = try InMemoryFile(bytes)
        defer { file.close() }
        let declaredCells: Int
        do {
            declaredCells = try Self.declaredCells(path: file.path)
        } catch {
            // A password-protected .xlsx is an OLE2 file too, holding an `EncryptedPackage` stream.
            throw Self.isEncryptedOOXML(bytes) ? Self.encryptedWorkbook : error
        }
        guard declaredCells <= Self.maxDeclaredCells else {
            throw SpreadsheetError.tooLarge(
                "The .xls file's sheets are larger than \(Self.maxDeclaredCells) cells; save it as .xlsx and upload it again")
        }
        var opened: UnsafeRawPointer?
        let status = freexl_open(file.path, &opened)
        defer { if let opened { freexl_close(opened) } }
        guard status == FREEXL_OK, let handle = opened else { throw Self.damaged }
        var password: UInt32 = 0
        guard freexl_get_info(handle, UInt16(FREEXL_BIFF_PASSWORD), &password) == FREEXL_OK,
            password != UInt32(FREEXL_BIFF_OBFUSCATED)
        else { throw Self.damaged }
        var sheetCount: UInt32 = 0
        guard freexl_get_info(handle, UInt16(FREEXL_BIFF_SHEET_COUNT), &sheetCount) == FREEXL_OK else {
            throw Self.damaged
        }

        var counter = RowCounter(limits: limits)
        for sheet in 0..<min(sheetCount, UInt32(UInt16.max)) {
            var rows: UInt32 = 0
            var columns: UInt16 = 0
            guard freexl_select_active_worksheet(handle, UInt16(sheet)) == FREEXL_OK,
                freexl_worksheet_dimensions(handle, &rows, &columns) == FREEXL_OK,
                rows <= Self.maxSheetRows, columns <= Self.maxSheetColumns
            else { throw Self.damaged }
            for row in 0..<rows {
                let number = Int(row) + 1
                var cells: [Cell] = []
                for column in 0..<columns {
                    var value = FreeXL_CellValue()
                    guard freexl_get_cell_value(handle, row, column, &value) == FREEXL_OK else { throw Self.damaged }
                    let cell = try Self.cell(value, limits: limits, row: number)
                    if cell.isEmpty {
                        if Int(column) < limits.maxColumns { cells.append(cell) }
                        continue
                    }
                    guard Int(column) < limits.maxColumns else {
                        throw SpreadsheetError.beyondColumnLimit(row: number, limit: limits.maxColumns)
                    }
                    cells.append(cell)
                }
                if let cells = try counter.admit(cells) {
                    try visit(SheetRow(number: number, cells: cells, dateSystem: .excel1900))
                }
            }
            if counter.visited > 0 { return }
        }
    }

    /// The cells the sheets' dimensions declare, summed over the sheets.
    private static func declaredCells(path: String) throws -> Int {
        var opened: UnsafeRawPointer?
        let status = freexl_open_info(path, &opened)
        defer { if let opened { freexl_close(opened) } }
        guard status == FREEXL_OK, let handle = opened else { throw Self.damaged }
        var sheetCount: UInt32 = 0
        guard freexl_get_info(handle, UInt16(FREEXL_BIFF_SHEET_COUNT), &sheetCount) == FREEXL_OK else {
            throw Self.damaged
        }
        var total = 0
        for sheet in 0..<min(sheetCount, UInt32(UInt16.max)) {
            var rows: UInt32 = 0
            var columns: UInt16 = 0
            guard freexl_select_active_worksheet(handle, UInt16(sheet)) == FREEXL_OK,
                freexl_worksheet_dimensions(handle, &rows, &columns) == FREEXL_OK,
                rows <= Self.maxSheetRows, columns <= Self.maxSheetColumns
            else { throw Self.damaged }
            total += Int(rows) * Int(columns)
        }
        return total
    }

    private static func cell(_ value: FreeXL_CellValue, limits: SpreadsheetLimits, row: Int) throws -> Cell {
        switch Int32(value.type) {
        case FREEXL_CELL_INT:
            return .number(Double(value.value.int_value))
        case FREEXL_CELL_DOUBLE:
            return .number(value.value.double_value)
        case FREEXL_CELL_TEXT, FREEXL_CELL_SST_TEXT:
            guard let pointer = value.value.text_value else { return .empty }
            let text = String(cString: pointer)
            guard text.utf8.count <= limits.maxCellBytes else {
                throw SpreadsheetError.cellTooLong(row: row, limit: limits.maxCellBytes)
            }
            return text.isEmpty ? .empty : .text(text)
        case FREEXL_CELL_DATE, FREEXL_CELL_DATETIME:
            guard let pointer = value.value.text_value else { return .empty }
            let text = String(cString: pointer)
            guard let date = CivilDate(iso: String(text.prefix(10))) else { return .text(text) }
            return .date(date)
        case FREEXL_CELL_TIME:
            guard let pointer = value.value.text_value else { return .empty }
            return Self.dayFraction(String(cString: pointer)).map(Cell.number) ?? .empty
        default:
            return .empty
        }
    }

    /// `HH:MM:SS` as a fraction of a day.
    private static func dayFraction(_ time: String) -> Double? {
        let parts = time.split(separator: ":").compactMap { Double($0) }
        guard parts.count == 3 else { return nil }
        return (parts[0] * 3600 + parts[1] * 60 + parts[2]) / 86_400
    }

    private static func isEncryptedOOXML(_ bytes: [UInt8]) -> Bool {
        let name = Array("EncryptedPackage".utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] })
        guard bytes.count >= name.count else { return false }
        return (0...(bytes.count - name.count)).contains { start in
            bytes[start] == name[0] && bytes[start..<(start + name.count)].elementsEqual(name)
        }
    }
}

/// The bytes of an upload as a file that only this process can reach: an anonymous `memfd`
/// (opened by path through `/proc/self/fd`), or failing that a private temporary file that is
/// unlinked as soon as it is created.
private struct InMemoryFile {
    let descriptor: Int32
    let path: String

    init(_ bytes: [UInt8]) throws {
        var descriptor = Self.memfdCreate?("speechai-upload", Self.memfdCloseOnExec) ?? -1
        if descriptor < 0 {
            var template = Array("/tmp/speechai-upload-XXXXXX".utf8CString)
            descriptor = template.withUnsafeMutableBufferPointer { path in path.baseAddress.map { mkstemp($0) } ?? -1 }
            guard descriptor >= 0 else { throw SpreadsheetError.corrupt("The .xls file could not be opened") }
            template.withUnsafeBufferPointer { path in _ = path.baseAddress.map { unlink($0) } }
        }
        self.descriptor = descriptor
        self.path = "/proc/self/fd/\(descriptor)"
        var written = 0
        while written < bytes.count {
            let result = bytes.withUnsafeBytes { raw in
                write(descriptor, raw.baseAddress.map { $0 + written }, raw.count - written)
            }
            guard result > 0 else {
                Glibc.close(descriptor)
                throw SpreadsheetError.corrupt("The .xls file could not be opened")
            }
            written += result
        }
    }

    /// glibc's `memfd_create` (2.27+); Swift's Glibc module does not declare it, so it is looked up.
    private static let memfdCreate: (@convention(c) (UnsafePointer<CChar>, UInt32) -> Int32)? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "memfd_create") else { return nil }
        return unsafeBitCast(symbol, to: (@convention(c) (UnsafePointer<CChar>, UInt32) -> Int32).self)
    }()
    private static let memfdCloseOnExec: UInt32 = 1  // MFD_CLOEXEC

    func close() {
        _ = Glibc.close(self.descriptor)
    }
}
