/// What every reader does with a row it has built, before handing it to the caller: empty rows are
/// skipped, trailing empty cells dropped, and the non-empty rows counted against `maxRows`.
struct RowCounter {
    let maxRows: Int
    private(set) var visited = 0

    init(limits: SpreadsheetLimits) {
        self.maxRows = limits.maxRows
    }

    /// Nil when the row is to be skipped (every cell `Cell.isEmpty`); otherwise the cells up to the
    /// last non-empty one. Throws `.tooManyRows` past the limit.
    mutating func admit(_ cells: [Cell]) throws(SpreadsheetError) -> [Cell]? {
        guard let lastValue = cells.lastIndex(where: { !$0.isEmpty }) else { return nil }
        self.visited += 1
        guard self.visited <= self.maxRows else {
            let dataRows = max(0, self.maxRows - 1)  // the header is a row, not data
            throw SpreadsheetError(.tooManyRows, "The file has more than \(dataRows) data row\(dataRows == 1 ? "" : "s")")
        }
        return lastValue + 1 == cells.count ? cells : Array(cells[...lastValue])
    }
}

extension [Cell] {
    /// Puts `cell` in `column` (0-based), padding with empty cells. Past `maxColumns` an empty cell
    /// is dropped and any other is `.beyondColumnLimit`: the same rule for every reader.
    mutating func place(_ cell: Cell, at column: Int, row: Int, maxColumns: Int) throws(SpreadsheetError) {
        guard column < maxColumns else {
            if cell.isEmpty { return }
            throw .beyondColumnLimit(row: row, limit: maxColumns)
        }
        if column < self.count {
            self[column] = cell
        } else {
            self.append(contentsOf: repeatElement(.empty, count: column - self.count))
            self.append(cell)
        }
    }
}
