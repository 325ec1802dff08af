/// What every reader does with a row it has built, before handing it to the caller: empty rows are
/// skipped, trailing empty cells dropped, and the non-empty rows counted against `maxRows`.
struct RowCounter {
    let maxRows: Int
    private(set) var visited = 0

    init(limits: SpreadsheetLimits) {
        self.maxRows = limits.maxRows
    }

    /// Nil when the row is to be skipped (every cell `Cell.isEmpty`); otherwise the cells without
    /// their trailing `.empty` padding. Throws `.tooManyRows` past the limit.
    mutating func admit(_ cells: [Cell]) throws(SpreadsheetError) -> [Cell]? {
        guard let lastValue = cells.lastIndex(where: { !$0.isEmpty }) else { return nil }
        self.visited += 1
        guard self.visited <= self.maxRows else {
            let dataRows = max(0, self.maxRows - 1)  // the header is a row, not data
            throw SpreadsheetError(.tooManyRows, "The file has more than \(dataRows) data row\(dataRows == 1 ? "" : "s")")
        }
        var cells = cells
        cells.removeSubrange((lastValue + 1)...)
        return cells
    }
}

extension SpreadsheetError {
    static func beyondColumnLimit(row: Int, limit: Int) -> SpreadsheetError {
        .tooLarge("Row \(row) has a value beyond column \(limit); at most \(limit) columns are read")
    }

    static func cellTooLong(row: Int, limit: Int) -> SpreadsheetError {
        .tooLarge("A cell in row \(row) holds more than \(limit) bytes of text")
    }
}
