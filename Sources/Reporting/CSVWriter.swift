import Time

/// RFC 4180 CSV for spreadsheets: UTF-8 with a byte-order mark (so that Excel shows accents),
/// CRLF line ends, fields quoted when they hold a comma, quote or line break. Text a spreadsheet
/// would evaluate as a formula gets a leading apostrophe, so it is shown, never run.
public struct CSVWriter {
    public static let byteOrderMark: [UInt8] = [0xEF, 0xBB, 0xBF]

    public private(set) var buffer: [UInt8] = []

    public init() {}

    public mutating func writeByteOrderMark() {
        self.buffer.append(contentsOf: CSVWriter.byteOrderMark)
    }

    public mutating func writeRow(_ cells: [ReportCell]) {
        for (index, cell) in cells.enumerated() {
            if index > 0 { self.buffer.append(UInt8(ascii: ",")) }
            self.writeField(cell)
        }
        self.buffer.append(contentsOf: [0x0D, 0x0A])
    }

    /// Hands the written bytes over and starts an empty buffer.
    public mutating func take() -> [UInt8] {
        defer { self.buffer.removeAll(keepingCapacity: true) }
        return self.buffer
    }

    private mutating func writeField(_ cell: ReportCell) {
        switch cell {
        case .empty: break
        case .integer(let value): self.buffer.append(contentsOf: String(value).utf8)
        case .amount(let value): self.buffer.append(contentsOf: value.description.utf8)
        case .date(let value): self.buffer.append(contentsOf: value.iso.utf8)
        case .timestamp(let value): self.buffer.append(contentsOf: value.rfc3339.utf8)
        case .text(let value): self.writeText(value)
        }
    }

    private mutating func writeText(_ text: String) {
        let guarded = ReportCell.looksLikeFormula(text) ? "'" + text : text
        let needsQuotes = guarded.utf8.contains { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == 0x0A || $0 == 0x0D }
        guard needsQuotes else {
            self.buffer.append(contentsOf: guarded.utf8)
            return
        }
        self.buffer.append(UInt8(ascii: "\""))
        for byte in guarded.utf8 {
            if byte == UInt8(ascii: "\"") { self.buffer.append(byte) }
            self.buffer.append(byte)
        }
        self.buffer.append(UInt8(ascii: "\""))
    }
}
