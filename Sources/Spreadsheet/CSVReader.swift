/// Reads a CSV file (RFC 4180): fields separated by `,`, `;` or tab — whichever occurs most outside
/// quotes in the first record — quoted fields with `""` for a quote and with delimiters and line
/// breaks inside, CRLF, LF or CR line ends, and a last line with or without one. Excel's `sep=;`
/// first line is honoured. Every non-empty field is `.text`, kept exactly as written.
enum CSVReader {
    private static let quote = UInt8(ascii: "\"")
    private static let lineFeed = UInt8(ascii: "\n")
    private static let carriageReturn = UInt8(ascii: "\r")

    static func read(_ bytes: [UInt8], limits: SpreadsheetLimits, visit: (SheetRow) throws -> Void) throws {
        try bytes.withUnsafeBufferPointer { buffer in
            var reader = Reader(buffer, limits: limits)
            try reader.readRecords(visit: visit)
        }
    }

    private struct Reader {
        let bytes: UnsafeBufferPointer<UInt8>
        let limits: SpreadsheetLimits
        let encoding: TextEncoding
        var position: Int
        var delimiter = UInt8(ascii: ",")
        /// The physical line `position` is on, for error messages.
        var line = 1
        /// The ordinal of the record being read (the header is 1).
        var ordinal = 0
        /// The previous record's width, to size the next one's cells at once.
        var lastRecordWidth = 0
        var scratch: [UInt8] = []
        var decodingScratch: [UInt8] = []

        init(_ bytes: UnsafeBufferPointer<UInt8>, limits: SpreadsheetLimits) {
            self.bytes = bytes
            self.limits = limits
            let hasBOM = bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF
            self.position = hasBOM ? 3 : 0
            self.encoding = TextEncoding.detect(UnsafeBufferPointer(rebasing: bytes[self.position...]))
        }

        mutating func readRecords(visit: (SheetRow) throws -> Void) throws {
            if let declared = self.sepLineDelimiter() {
                self.delimiter = declared
            } else {
                self.delimiter = self.mostFrequentDelimiterInFirstRecord()
            }
            var counter = RowCounter(limits: self.limits)
            while self.position < self.bytes.count {
                self.ordinal += 1
                let cells = try self.readRecord()
                if let cells = try counter.admit(cells) {
                    try visit(SheetRow(number: self.ordinal, cells: cells, dateSystem: .excel1900))
                }
            }
        }

        /// Excel writes (and reads) a first line `sep=;` naming the delimiter; it is not a record.
        private mutating func sepLineDelimiter() -> UInt8? {
            let start = self.position
            guard self.bytes[start...].starts(with: "sep=".utf8), start + 4 < self.bytes.count else { return nil }
            let delimiter = self.bytes[start + 4]
            var end = start + 5
            if end < self.bytes.count, self.bytes[end] == CSVReader.carriageReturn { end += 1 }
            guard end == self.bytes.count || self.bytes[end] == CSVReader.lineFeed else { return nil }
            self.position = min(end + 1, self.bytes.count)
            self.line += 1
            return delimiter
        }

        private func mostFrequentDelimiterInFirstRecord() -> UInt8 {
            let candidates = [UInt8(ascii: ","), UInt8(ascii: ";"), UInt8(ascii: "\t")]
            var counts = [0, 0, 0]
            var inQuotes = false
            var index = self.position
            let end = min(self.bytes.count, self.position + FormatDetection.textSampleBytes)
            while index < end {
                let byte = self.bytes[index]
                if byte == CSVReader.quote {
                    inQuotes.toggle()
                } else if !inQuotes {
                    if byte == CSVReader.lineFeed || byte == CSVReader.carriageReturn { break }
                    if let which = candidates.firstIndex(of: byte) { counts[which] += 1 }
                }
                index += 1
            }
            // Ties go to the earlier candidate; no delimiter at all means one column.
            var best = 0
            for which in 1..<candidates.count where counts[which] > counts[best] { best = which }
            return candidates[best]
        }

        /// Reads the record at `position` and moves past its line end.
        private mutating func readRecord() throws -> [Cell] {
            var cells: [Cell] = []
            cells.reserveCapacity(self.lastRecordWidth)
            var column = 0
            defer { self.lastRecordWidth = cells.count }
            while true {
                try cells.place(try self.readField(), at: column, row: self.ordinal, maxColumns: self.limits.maxColumns)
                column += 1
                guard self.position < self.bytes.count else { return cells }
                let byte = self.bytes[self.position]
                self.position += 1
                if byte == self.delimiter { continue }
                // A line end: CR LF, LF or CR.
                if byte == CSVReader.carriageReturn, self.position < self.bytes.count,
                    self.bytes[self.position] == CSVReader.lineFeed
                {
                    self.position += 1
                }
                self.line += 1
                return cells
            }
        }

        /// Reads one field and stops at the delimiter or line end after it (not consumed).
        private mutating func readField() throws -> Cell {
            let start = self.position
            guard start < self.bytes.count, self.bytes[start] == CSVReader.quote else {
                var end = start
                while end < self.bytes.count {
                    let byte = self.bytes[end]
                    if byte == self.delimiter || byte == CSVReader.lineFeed || byte == CSVReader.carriageReturn { break }
                    end += 1
                }
                self.position = end
                return try self.cell(UnsafeBufferPointer(rebasing: self.bytes[start..<end]))
            }
            // Quoted: up to the closing quote, `""` standing for one quote; anything between the
            // closing quote and the delimiter is kept as Excel does (`"ab"c` → `abc`).
            let openingLine = self.line
            self.scratch.removeAll(keepingCapacity: true)
            var index = start + 1
            while true {
                guard let closing = self.bytes.index(of: CSVReader.quote, from: index) else {
                    throw SpreadsheetError.corrupt("The CSV file has an unclosed quote that starts on line \(openingLine)")
                }
                let piece = UnsafeBufferPointer(rebasing: self.bytes[index..<closing])
                self.line += piece.reduce(0) { $0 + ($1 == CSVReader.lineFeed ? 1 : 0) }
                self.scratch.append(contentsOf: piece)
                if closing + 1 < self.bytes.count, self.bytes[closing + 1] == CSVReader.quote {
                    self.scratch.append(CSVReader.quote)
                    index = closing + 2
                    continue
                }
                index = closing + 1
                break
            }
            while index < self.bytes.count {
                let byte = self.bytes[index]
                if byte == self.delimiter || byte == CSVReader.lineFeed || byte == CSVReader.carriageReturn { break }
                self.scratch.append(byte)
                index += 1
            }
            self.position = index
            let field = self.scratch
            return try field.withUnsafeBufferPointer { try self.cell($0) }
        }

        private mutating func cell(_ field: UnsafeBufferPointer<UInt8>) throws -> Cell {
            if field.isEmpty { return .empty }
            let text = self.encoding.string(field, scratch: &self.decodingScratch)
            guard text.utf8.count <= self.limits.maxCellBytes else {
                throw SpreadsheetError.cellTooLong(row: self.ordinal, limit: self.limits.maxCellBytes)
            }
            return .text(text)
        }
    }
}
