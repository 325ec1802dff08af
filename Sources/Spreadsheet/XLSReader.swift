/// Reads the first non-empty visible worksheet of a legacy .xls workbook: BIFF8 records in the
/// "Workbook" stream of an OLE2 compound file. A BIFF8 sheet has at most 65,536 rows × 256 columns.
///
/// We read BIFF8 ourselves: FreeXL 1.0.6 (Debian's), used before, converts each date cell to text
/// by counting days one at a time, which made a 65,535-row list with one date column read 20×
/// slower than calamine. Here a number whose cell style has a date format becomes `.date` through
/// `ExcelSerialDate`, with the workbook's date system; a pure time of day stays `.number` (the
/// fraction of a day), as in .xlsx.
enum XLSReader {
    static let damaged = SpreadsheetError.corrupt("The .xls file is damaged or password-protected")
    static let encryptedWorkbook = SpreadsheetError.corrupt(
        "The workbook is password-protected; save it without a password and upload it again")
    static let excel95 = SpreadsheetError.corrupt("Excel 5.0/95 workbooks are not supported; save as .xlsx")

    static func read(_ bytes: [UInt8], limits: SpreadsheetLimits, visit: (SheetRow) throws -> Void) throws {
        let workbook = try bytes.withUnsafeBufferPointer { file throws(SpreadsheetError) in
            let compoundFile = try CompoundFile(file)
            if let stream = try compoundFile.stream(named: "Workbook") { return try compoundFile.read(stream) }
            if try compoundFile.stream(named: "Book") != nil { throw Self.excel95 }
            // A password-protected .xlsx is an OLE2 file too, holding an `EncryptedPackage` stream.
            throw try compoundFile.stream(named: "EncryptedPackage") != nil ? Self.encryptedWorkbook : Self.damaged
        }
        try workbook.withUnsafeBufferPointer { stream in
            let globals = try BIFFWorkbookGlobals(stream, limits: limits)
            var counter = RowCounter(limits: limits)
            // Sheets do not overlap, so together they are no longer than the stream; a hostile file
            // could point every sheet at one long substream to make the reading quadratic.
            var unread = stream.count
            for sheet in globals.sheets where sheet.isVisibleWorksheet {
                guard let worksheet = try BIFFWorksheet(stream, at: sheet.offset) else { continue }
                unread -= worksheet.length
                guard unread >= 0 else { throw Self.damaged }
                try Self.read(worksheet, of: stream, globals: globals, limits: limits, counter: &counter, visit: visit)
                if counter.visited > 0 { return }
            }
        }
    }

    private static func read(
        _ worksheet: BIFFWorksheet, of stream: UnsafeBufferPointer<UInt8>, globals: BIFFWorkbookGlobals,
        limits: SpreadsheetLimits, counter: inout RowCounter, visit: (SheetRow) throws -> Void
    ) throws {
        var decoder = BIFFCellDecoder(stream, globals: globals, limits: limits)
        var rows = RowAssembler(maxColumns: limits.maxColumns, dateSystem: globals.dateSystem)
        if worksheet.rowsInOrder {
            try worksheet.forEachRecord { record in
                try decoder.decode(record) { row, column, cell in
                    try rows.add(cell, row: row, column: column, counter: &counter, visit: visit)
                }
            }
        } else {
            // Rows out of order: the sheet's cells are sorted by row first, keeping the record
            // order within a row (so a repeated cell keeps its last value, as when streaming).
            var cells: [(order: UInt64, column: Int, cell: Cell)] = []
            try worksheet.forEachRecord { record in
                try decoder.decode(record) { row, column, cell in
                    cells.append((UInt64(row) << 32 | UInt64(cells.count), column, cell))
                }
            }
            cells.sort { $0.order < $1.order }
            for (order, column, cell) in cells {
                try rows.add(cell, row: Int(order >> 32), column: column, counter: &counter, visit: visit)
            }
        }
        try rows.finish(counter: &counter, visit: visit)
    }
}

/// Builds one row at a time from cells that arrive in row order (columns in any order), padding
/// the gaps with `.empty`, and hands each finished row to the row counter and the caller.
private struct RowAssembler {
    let maxColumns: Int
    let dateSystem: DateSystem
    private var row = -1
    private var cells: [Cell] = []

    init(maxColumns: Int, dateSystem: DateSystem) {
        self.maxColumns = maxColumns
        self.dateSystem = dateSystem
    }

    mutating func add(
        _ cell: Cell, row: Int, column: Int, counter: inout RowCounter, visit: (SheetRow) throws -> Void
    ) throws {
        if row != self.row {
            try self.finish(counter: &counter, visit: visit)
            self.row = row
        }
        try self.cells.place(cell, at: column, row: row + 1, maxColumns: self.maxColumns)
    }

    /// Hands out the row being built, if any.
    mutating func finish(counter: inout RowCounter, visit: (SheetRow) throws -> Void) throws {
        guard !self.cells.isEmpty else { return }
        let cells = self.cells
        self.cells = []
        self.cells.reserveCapacity(cells.count)
        if let cells = try counter.admit(cells) {
            try visit(SheetRow(number: self.row + 1, cells: cells, dateSystem: self.dateSystem))
        }
    }
}
