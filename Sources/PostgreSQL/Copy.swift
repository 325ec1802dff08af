import CLibPQ

/// Rows in PostgreSQL's COPY text format, written by `Connection.copy`'s encoder.
///
/// Bulk inserts of thousands of rows (a batch's jobs) go through COPY: no per-row statement, and
/// still no value ever spliced into SQL text.
public struct CopyRows: Sendable {
    var bytes: [UInt8] = []
    private var fieldsInRow = 0
    /// Reused for array literals, so a row allocates nothing of its own.
    private var scratch: [UInt8] = []

    init(reservingBytes capacity: Int) {
        self.bytes.reserveCapacity(capacity)
    }

    /// Appends one field to the current row; nil is SQL NULL.
    public mutating func field(_ value: String?) {
        if self.fieldsInRow > 0 { self.bytes.append(UInt8(ascii: "\t")) }
        self.fieldsInRow += 1
        guard let value else {
            self.bytes.append(UInt8(ascii: "\\"))
            self.bytes.append(UInt8(ascii: "N"))
            return
        }
        self.append(escaping: value.utf8)
    }

    /// Appends one text[] field: the array literal, in COPY's escaping.
    public mutating func field(array values: [String]) {
        if self.fieldsInRow > 0 { self.bytes.append(UInt8(ascii: "\t")) }
        self.fieldsInRow += 1
        self.scratch.removeAll(keepingCapacity: true)
        PostgresArray.appendLiteral(values, to: &self.scratch)
        self.append(escaping: self.scratch)
    }

    /// Text in COPY's escaping: backslash, tab, newline and carriage return are written as escapes.
    private mutating func append(escaping text: some Collection<UInt8>) {
        // Most values need no escape at all: copy them in one go.
        if !text.contains(where: { $0 == 0x5C || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }) {
            self.bytes.append(contentsOf: text)
            return
        }
        for byte in text {
            switch byte {
            case 0x5C: self.bytes.append(0x5C); self.bytes.append(0x5C)
            case 0x09: self.bytes.append(0x5C); self.bytes.append(UInt8(ascii: "t"))
            case 0x0A: self.bytes.append(0x5C); self.bytes.append(UInt8(ascii: "n"))
            case 0x0D: self.bytes.append(0x5C); self.bytes.append(UInt8(ascii: "r"))
            default: self.bytes.append(byte)
            }
        }
    }

    public mutating func field(_ value: Int64) { self.field(String(value)) }

    /// Ends the current row (`Connection.copy` does, after each element's encoder).
    mutating func endRow() {
        self.bytes.append(UInt8(ascii: "\n"))
        self.fieldsInRow = 0
    }
}

extension Connection {
    /// Runs `COPY table (columns) FROM STDIN` with one row per element of `rows`, written by
    /// `encode`; returns the number of rows copied. The data goes out in 1 MB chunks while later
    /// rows are still being encoded, so the server works in parallel and memory stays flat.
    /// Errors (a constraint, a bad value) arrive after the data, as for any statement.
    @discardableResult
    public func copy<Rows: Sequence>(
        _ statement: StaticString, rows: Rows, encode: (Rows.Element, inout CopyRows) -> Void
    ) throws(DatabaseError) -> Int {
        let started = PQexec(self.handle, statement.description)
        guard let started, PQresultStatus(started) == PGRES_COPY_IN else {
            _ = try self.consume(started)  // throws the server's error
            throw DatabaseError(code: .connectionFailure, serverMessage: "COPY did not start")
        }
        PQclear(started)
        let chunkSize = 1 << 20
        var buffer = CopyRows(reservingBytes: chunkSize + 64 * 1024)
        var sent = true
        for row in rows {
            encode(row, &buffer)
            buffer.endRow()
            if buffer.bytes.count >= chunkSize {
                sent = self.send(buffer.bytes)
                if !sent { break }
                buffer.bytes.removeAll(keepingCapacity: true)
            }
        }
        if !sent || !self.send(buffer.bytes) || PQputCopyEnd(self.handle, nil) != 1 {
            throw DatabaseError(code: .connectionFailure, serverMessage: String(cString: PQerrorMessage(self.handle)))
        }
        // COPY ends with its command result, then a NULL result.
        let result = PQgetResult(self.handle)
        defer { while let extra = PQgetResult(self.handle) { PQclear(extra) } }
        return try self.consume(result).affectedRows
    }

    private func send(_ bytes: [UInt8]) -> Bool {
        guard !bytes.isEmpty else { return true }
        return bytes.withUnsafeBufferPointer { buffer in
            buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buffer.count) {
                PQputCopyData(self.handle, $0, Int32(buffer.count)) == 1
            }
        }
    }
}
