import Time

/// Turns the `<row>…</row>` elements of a worksheet, one at a time (see `XMLElementSplitter`), into
/// cells: the byte-level inner loop of .xlsx reading. The only Strings it builds are cell texts.
struct SheetXMLScanner {
    private let sharedStrings: [String]
    private let dateStyles: DateStyles
    private let dateSystem: DateSystem
    private let maxColumns: Int
    private let maxCellBytes: Int
    /// Rows and cells without an `r` attribute follow the previous one.
    private var previousRowNumber = 0
    /// Reused to assemble texts that need decoding.
    private var scratch: [UInt8] = []
    /// The width of the last row, to size the next row's array in one allocation.
    private var lastRowWidth = 0

    /// Excel's last row.
    static let maxRowNumber = 1_048_576

    init(sharedStrings: [String], dateStyles: DateStyles, dateSystem: DateSystem, limits: SpreadsheetLimits) {
        self.sharedStrings = sharedStrings
        self.dateStyles = dateStyles
        self.dateSystem = dateSystem
        self.maxColumns = limits.maxColumns
        self.maxCellBytes = limits.maxCellBytes
    }

    /// The row number and cells (column A first, gaps padded with `.empty`) of one `<row>` element.
    mutating func parse(row element: UnsafeBufferPointer<UInt8>) throws(SpreadsheetError) -> (number: Int, cells: [Cell]) {
        var tokenizer = XMLTokenizer(element)
        guard case .startTag(_, let attributes, let selfClosing)? = try tokenizer.next() else {
            throw .damagedWorkbook("a row of the sheet is malformed")
        }
        var number = self.previousRowNumber + 1
        var rowAttributes = XMLAttributes(element, attributes)
        while let attribute = try rowAttributes.next() {
            guard element.equals(attribute.name, "r") else { continue }
            guard let value = element.decimalInteger(attribute.value), value >= 1, value <= Self.maxRowNumber else {
                throw .damagedWorkbook("a row number of the sheet is out of range")
            }
            number = value
        }
        self.previousRowNumber = number
        var cells: [Cell] = []
        if selfClosing { return (number, cells) }
        cells.reserveCapacity(self.lastRowWidth)
        var nextColumn = 0
        while let token = try tokenizer.next() {
            switch token {
            case .startTag(let name, let attributes, let selfClosing) where element.equals(name, "c"):
                let column = try self.readCell(
                    &tokenizer, attributes: attributes, selfClosing: selfClosing, defaultColumn: nextColumn,
                    row: number, into: &cells)
                nextColumn = column + 1
            case .endTag(let name) where element.equals(name, "row"):
                self.lastRowWidth = cells.count
                return (number, cells)
            default:
                break
            }
        }
        throw .damagedWorkbook("a row of the sheet is not closed")
    }

    private enum CellType {
        case number, sharedString, inlineString, formulaString, boolean, error, isoDate
    }

    /// Reads one `<c>` (its start tag just returned) up to its end tag, stores its value in `cells`
    /// and returns its column.
    private mutating func readCell(
        _ tokenizer: inout XMLTokenizer, attributes: Range<Int>, selfClosing: Bool, defaultColumn: Int,
        row: Int, into cells: inout [Cell]
    ) throws(SpreadsheetError) -> Int {
        let bytes = tokenizer.bytes
        var column = defaultColumn
        var type = CellType.number
        var style = 0
        var attributeIterator = XMLAttributes(bytes, attributes)
        while let attribute = try attributeIterator.next() {
            let name = attribute.name
            if bytes.equals(name, "r") {
                column = try Self.column(ofReference: bytes, attribute.value)
            } else if bytes.equals(name, "t") {
                type = try Self.cellType(bytes, attribute.value)
            } else if bytes.equals(name, "s") {
                style = bytes.decimalInteger(attribute.value) ?? 0
            }
        }
        if selfClosing { return column }

        var value: Range<Int>?
        var valueIsLiteral = false  // CDATA: no entities to decode
        var inlineText: String?
        var inValue = false
        while let token = try tokenizer.next() {
            switch token {
            case .startTag(let name, _, let selfClosing):
                if selfClosing { continue }
                if bytes.equals(name, "v") {
                    inValue = true
                } else if bytes.equals(name, "is") {
                    inlineText = try RichText.read(
                        &tokenizer, closing: "is", scratch: &self.scratch, maxBytes: self.maxCellBytes,
                        tooLong: .cellTooLong(row: row, limit: self.maxCellBytes))
                }
            case .text(let range) where inValue:
                value = range
            case .cdata(let range) where inValue:
                value = range
                valueIsLiteral = true
            case .endTag(let name):
                if bytes.equals(name, "v") {
                    inValue = false
                } else if bytes.equals(name, "c") {
                    let cell = try self.cell(
                        type: type, style: style, value: value, valueIsLiteral: valueIsLiteral,
                        inlineText: inlineText, bytes: bytes, row: row)
                    try self.store(cell, column: column, row: row, in: &cells)
                    return column
                }
            default:
                break
            }
        }
        throw .damagedWorkbook("a cell of the sheet is not closed")
    }

    private func store(_ cell: Cell, column: Int, row: Int, in cells: inout [Cell]) throws(SpreadsheetError) {
        if case .empty = cell { return }
        try cells.place(cell, at: column, row: row, maxColumns: self.maxColumns)
    }

    private mutating func cell(
        type: CellType, style: Int, value: Range<Int>?, valueIsLiteral: Bool, inlineText: String?,
        bytes: UnsafeBufferPointer<UInt8>, row: Int
    ) throws(SpreadsheetError) -> Cell {
        if type == .inlineString {
            guard let inlineText, !inlineText.isEmpty else { return .empty }
            return .text(inlineText)
        }
        guard let value, !value.isEmpty else { return .empty }
        switch type {
        case .number:
            guard let number = DecimalNumber.parse(bytes, value) else {
                throw .damagedWorkbook("a number cell in row \(row) does not hold a number")
            }
            if self.dateStyles.isDate(style: style), let date = ExcelSerialDate.date(serial: number, system: self.dateSystem) {
                return .date(date)
            }
            return .number(number)
        case .sharedString:
            guard let index = bytes.decimalInteger(value), index < self.sharedStrings.count else {
                throw .damagedWorkbook("a cell in row \(row) refers to a shared text that does not exist")
            }
            let text = self.sharedStrings[index]
            return text.isEmpty ? .empty : .text(text)
        case .formulaString:
            let text = try self.text(bytes, value, literal: valueIsLiteral, row: row)
            return text.isEmpty ? .empty : .text(text)
        case .error:
            return .error(try self.text(bytes, value, literal: valueIsLiteral, row: row))
        case .boolean:
            switch try self.text(bytes, value, literal: valueIsLiteral, row: row) {
            case "1", "true": return .boolean(true)
            case "0", "false": return .boolean(false)
            default: throw .damagedWorkbook("a true/false cell in row \(row) holds something else")
            }
        case .isoDate:
            // `t="d"`: an ISO 8601 date, optionally with a time, written by some generators.
            let text = try self.text(bytes, value, literal: valueIsLiteral, row: row)
            if let date = CivilDate(iso: String(text.prefix(10))) { return .date(date) }
            return .text(text)
        case .inlineString:
            return .empty  // handled above
        }
    }

    private mutating func text(
        _ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, literal: Bool, row: Int
    ) throws(SpreadsheetError) -> String {
        let text = literal
            ? String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self)
            : try XMLText.decode(bytes, range, ooxmlEscapes: true)
        guard text.utf8.count <= self.maxCellBytes else { throw .cellTooLong(row: row, limit: self.maxCellBytes) }
        return text
    }

    private static func cellType(_ bytes: UnsafeBufferPointer<UInt8>, _ value: Range<Int>) throws(SpreadsheetError) -> CellType {
        switch true {
        case bytes.equals(value, "s"): return .sharedString
        case bytes.equals(value, "n"): return .number
        case bytes.equals(value, "str"): return .formulaString
        case bytes.equals(value, "inlineStr"): return .inlineString
        case bytes.equals(value, "b"): return .boolean
        case bytes.equals(value, "e"): return .error
        case bytes.equals(value, "d"): return .isoDate
        default: throw .damagedWorkbook("a cell of the sheet has an unknown type")
        }
    }

    /// The 0-based column of a reference such as `B7` or `$AB$12` (the row part is not needed: the
    /// row element says it). Seven letters at most keep the arithmetic far from overflowing; Excel's
    /// own last column is `XFD`.
    private static func column(ofReference bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) throws(SpreadsheetError) -> Int {
        var column = 0
        var letters = 0
        for index in range {
            let byte = bytes[index]
            if byte == UInt8(ascii: "$") && letters == 0 { continue }
            let upper = byte & ~0x20
            guard upper >= UInt8(ascii: "A") && upper <= UInt8(ascii: "Z") else { break }
            letters += 1
            guard letters <= 7 else { break }
            column = column * 26 + Int(upper - UInt8(ascii: "A") + 1)
        }
        guard letters >= 1 && letters <= 7 else { throw .damagedWorkbook("a cell reference of the sheet is not valid") }
        return column - 1
    }
}
