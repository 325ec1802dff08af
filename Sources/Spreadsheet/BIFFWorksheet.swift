/// One worksheet substream of a BIFF8 Workbook stream: the records from the BOF that BOUNDSHEET8
/// points at to the matching EOF. A substream nested in it (an embedded chart has its own
/// BOF … EOF) is skipped.
struct BIFFWorksheet {
    private let stream: UnsafeBufferPointer<UInt8>
    /// Where the record after the BOF starts.
    private let firstRecord: Int
    /// The bytes the substream takes, its BOF and EOF included.
    let length: Int
    /// Whether the cell records come in row order, as Excel writes them, so that each row can be
    /// handed out as soon as the next one starts. (Within a row the columns may come in any order.)
    let rowsInOrder: Bool

    /// Nil when the BOF at `offset` does not open a worksheet, whatever BOUNDSHEET8 said. This walks
    /// the whole substream once, to find its end and whether its rows are in order.
    init?(_ stream: UnsafeBufferPointer<UInt8>, at offset: Int) throws {
        var records = BIFFRecordReader(stream, at: offset)
        guard try records.beginningOfFile().substream == BIFFRecord.worksheetSubstream else { return nil }
        var lastRow = -1
        var rowsInOrder = true
        let end = try Self.walk(stream, from: records.position) { record in
            guard rowsInOrder, BIFFRecord.isCellValue(record.type), record.body.count >= 2 else { return }
            let row = Int(stream.uint16(at: record.body.lowerBound))
            rowsInOrder = row >= lastRow
            lastRow = row
        }
        self.stream = stream
        self.firstRecord = records.position
        self.length = end - offset
        self.rowsInOrder = rowsInOrder
    }

    /// Hands every record of the substream (after its BOF, before its EOF) to `body`.
    func forEachRecord(_ body: (BIFFRecord) throws -> Void) throws {
        _ = try Self.walk(self.stream, from: self.firstRecord, body)
    }

    /// Returns the offset after the EOF that closes the substream.
    private static func walk(
        _ stream: UnsafeBufferPointer<UInt8>, from offset: Int, _ body: (BIFFRecord) throws -> Void
    ) throws -> Int {
        var records = BIFFRecordReader(stream, at: offset)
        var nesting = 0
        while true {
            let record = try records.next()
            switch record.type {
            case BIFFRecord.bof:
                nesting += 1
            case BIFFRecord.eof:
                if nesting == 0 { return records.position }
                nesting -= 1
            default:
                if nesting == 0 { try body(record) }
            }
        }
    }
}

/// Turns the value records of a worksheet into cells. Each record starts with the cell's row,
/// column and XF index; the XF's number format tells whether a number shows a date.
struct BIFFCellDecoder {
    private let stream: UnsafeBufferPointer<UInt8>
    private let globals: BIFFWorkbookGlobals
    private let maxCellBytes: Int
    /// A FORMULA whose cached result is text: the text comes in the STRING record after it.
    private var pendingTextFormula: (row: Int, column: Int)?
    private var scratch: [UInt16] = []

    init(_ stream: UnsafeBufferPointer<UInt8>, globals: BIFFWorkbookGlobals, limits: SpreadsheetLimits) {
        self.stream = stream
        self.globals = globals
        self.maxCellBytes = limits.maxCellBytes
    }

    /// Calls `emit` with the 0-based row and column of each cell `record` holds (none for the
    /// records that hold no value).
    mutating func decode(_ record: BIFFRecord, emit: (_ row: Int, _ column: Int, Cell) throws -> Void) throws {
        let stream = self.stream
        if record.type == BIFFRecord.string {
            guard let formula = self.pendingTextFormula else { return }
            self.pendingTextFormula = nil
            var reader = BIFFContinuedRecord(record, in: stream)
            let text = try reader.string(richExtended: false, scratch: &self.scratch)
            guard text.utf8.count <= self.maxCellBytes else {
                throw SpreadsheetError.cellTooLong(row: formula.row + 1, limit: self.maxCellBytes)
            }
            try emit(formula.row, formula.column, Self.text(text))
            return
        }
        guard BIFFRecord.isCellValue(record.type) else { return }
        self.pendingTextFormula = nil
        guard record.body.count >= 6 else { throw XLSReader.damaged }
        let body = record.body.lowerBound
        let row = Int(stream.uint16(at: body))
        let column = Int(stream.uint16(at: body + 2))
        let style = Int(stream.uint16(at: body + 4))
        switch record.type {
        case BIFFRecord.labelSST:
            guard record.body.count >= 10 else { throw XLSReader.damaged }
            let index = Int(stream.uint32(at: body + 6))
            guard index < self.globals.sharedStrings.count else { throw XLSReader.damaged }
            try emit(row, column, Self.text(self.globals.sharedStrings[index]))
        case BIFFRecord.label, BIFFRecord.richString:
            // RSTRING's formatting runs come after the string and are left unread.
            var reader = BIFFContinuedRecord(record, in: stream)
            try reader.skip(6)
            let text = try reader.string(richExtended: false, scratch: &self.scratch)
            guard text.utf8.count <= self.maxCellBytes else {
                throw SpreadsheetError.cellTooLong(row: row + 1, limit: self.maxCellBytes)
            }
            try emit(row, column, Self.text(text))
        case BIFFRecord.number:
            guard record.body.count >= 14 else { throw XLSReader.damaged }
            try emit(row, column, self.number(Double(bitPattern: stream.uint64(at: body + 6)), style: style))
        case BIFFRecord.rk:
            guard record.body.count >= 10 else { throw XLSReader.damaged }
            try emit(row, column, self.number(Self.rkNumber(stream.uint32(at: body + 6)), style: style))
        case BIFFRecord.mulRK:
            // The first column, then an XF index and an RK number for each cell, then the last column.
            for index in 0..<((record.body.count - 6) / 6) {
                let cell = body + 4 + 6 * index
                try emit(
                    row, column + index,
                    self.number(Self.rkNumber(stream.uint32(at: cell + 2)), style: Int(stream.uint16(at: cell))))
            }
        case BIFFRecord.boolErr:
            guard record.body.count >= 8 else { throw XLSReader.damaged }
            let value = stream[body + 6]
            try emit(row, column, stream[body + 7] == 0 ? .boolean(value != 0) : .error(Self.errorText(value)))
        case BIFFRecord.formula:
            guard record.body.count >= 14 else { throw XLSReader.damaged }
            // The cached result: a double, unless its last two bytes are FFFF; then the first byte
            // says which kind of result it is.
            guard stream.uint16(at: body + 12) == 0xFFFF else {
                try emit(row, column, self.number(Double(bitPattern: stream.uint64(at: body + 6)), style: style))
                return
            }
            switch stream[body + 6] {
            case 0: self.pendingTextFormula = (row, column)
            case 1: try emit(row, column, .boolean(stream[body + 8] != 0))
            case 2: try emit(row, column, .error(Self.errorText(stream[body + 8])))
            default: break  // 3 is an empty text; nothing else is defined
            }
        default:
            break  // BIFFRecord.isCellValue lists no other type
        }
    }

    private func number(_ value: Double, style: Int) -> Cell {
        if self.globals.dateStyles.isDate(style: style),
            let date = ExcelSerialDate.date(serial: value, system: self.globals.dateSystem)
        {
            return .date(date)
        }
        return .number(value)
    }

    private static func text(_ text: String) -> Cell {
        text.isEmpty ? .empty : .text(text)
    }

    /// An RK number ([MS-XLS] 2.5.217): bit 1 says whether the upper 30 bits are a signed integer
    /// or the upper 30 bits of a double (the rest of it zero); bit 0 says to divide by 100.
    private static func rkNumber(_ rk: UInt32) -> Double {
        let value = rk & 0x02 != 0
            ? Double(Int32(bitPattern: rk) >> 2)
            : Double(bitPattern: UInt64(rk & 0xFFFF_FFFC) << 32)
        return rk & 0x01 != 0 ? value / 100 : value
    }

    /// The text Excel shows for an error code; 0x2A, and any code it does not define, is `#N/A`.
    private static func errorText(_ code: UInt8) -> String {
        switch code {
        case 0x00: return "#NULL!"
        case 0x07: return "#DIV/0!"
        case 0x0F: return "#VALUE!"
        case 0x17: return "#REF!"
        case 0x1D: return "#NAME?"
        case 0x24: return "#NUM!"
        case 0x2B: return "#GETTING_DATA"
        default: return "#N/A"
        }
    }
}
