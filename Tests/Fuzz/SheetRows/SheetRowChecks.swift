// What every spreadsheet reader promises of the rows it visits (RowCounter, `[Cell].place`),
// checked by the CSV, .xlsx and .xls harnesses on every row: compiled into each of them by
// scripts/fuzz.sh.
@testable import Spreadsheet

/// Keeps the optimiser from dropping the reads of the cells.
nonisolated(unsafe) var sink = 0

/// How a reader numbers and types its rows, beyond what every reader promises.
struct RowRules {
    /// The largest row number the format can hold.
    var maxRowNumber = Int.max
    /// Rows come in increasing order of their numbers.
    var increasing = false
    /// Every non-empty cell is text (CSV).
    var textOnly = false
}

/// Reads `bytes` with `reader` under `limits`, checks every row it visits and how many there were.
/// Thrown errors are expected: the findings are crashes, traps, hangs, leaks, running out of memory
/// and a broken promise.
func readChecked(
    _ bytes: [UInt8], limits: SpreadsheetLimits, rules: RowRules = RowRules(),
    reader: ([UInt8], SpreadsheetLimits, (SheetRow) throws -> Void) throws -> Void
) {
    var rows = 0
    var previous = 0
    do {
        try reader(bytes, limits) { row in
            precondition(row.number >= 1 && row.number <= rules.maxRowNumber, "row number \(row.number)")
            precondition(!rules.increasing || row.number > previous, "row \(row.number) after row \(previous)")
            previous = row.number
            precondition(!row.cells.isEmpty && !row.cells[row.cells.count - 1].isEmpty, "an empty row or trailing empty cell")
            precondition(row.cells.count <= limits.maxColumns, "a row wider than maxColumns")
            for cell in row.cells {
                switch cell {
                case .text(let text), .error(let text):
                    precondition(text.utf8.count <= limits.maxCellBytes, "a cell longer than maxCellBytes")
                    sink &+= text.utf8.count
                case .number(let number): sink &+= number.isNaN ? 1 : 2
                case .date(let date): sink &+= date.day
                case .boolean, .empty: sink &+= 1
                }
                if rules.textOnly {
                    switch cell {
                    case .text, .empty: break
                    default: preconditionFailure("a non-text cell in a text file")
                    }
                }
            }
            rows += 1
        }
    } catch {}
    precondition(rows <= limits.maxRows, "more rows than maxRows")
}
