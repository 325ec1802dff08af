import CLibPQ

/// Rows in PostgreSQL's COPY text format, built in memory and sent with `Connection.copy`.
///
/// Bulk inserts of thousands of rows (a batch's jobs) go through COPY: one round trip for the
/// data, no per-row statement, and still no value ever spliced into SQL text.
public struct CopyRows: Sendable {
    public private(set) var count = 0
    private(set) var bytes: [UInt8] = []
    private var fieldsInRow = 0

    public init(reservingBytes capacity: Int = 0) {
        self.bytes.reserveCapacity(capacity)
    }

    /// Appends one field to the current row; nil is SQL NULL.
    public mutating func field(_ value: String?) {
        if self.fieldsInRow > 0 { self.bytes.append(UInt8(ascii: "\t")) }
        self.fieldsInRow += 1
        guard let value else {
            self.bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "N")])
            return
        }
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\\"): self.bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case UInt8(ascii: "\t"): self.bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case UInt8(ascii: "\n"): self.bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case UInt8(ascii: "\r"): self.bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            default: self.bytes.append(byte)
            }
        }
    }

    public mutating func field(_ value: Int64) { self.field(String(value)) }

    /// Ends the current row.
    public mutating func endRow() {
        self.bytes.append(UInt8(ascii: "\n"))
        self.fieldsInRow = 0
        self.count += 1
    }
}

extension Connection {
    /// Runs `COPY table (columns) FROM STDIN` with `rows`; returns the number of rows copied.
    /// Errors (a constraint, a bad value) arrive after the data, as for any statement.
    @discardableResult
    public func copy(_ statement: StaticString, rows: CopyRows) throws(DatabaseError) -> Int {
        let started = PQexec(self.handle, statement.description)
        guard let started, PQresultStatus(started) == PGRES_COPY_IN else {
            _ = try self.consume(started)  // throws the server's error
            throw DatabaseError(code: .connectionFailure, serverMessage: "COPY did not start")
        }
        PQclear(started)
        let chunkSize = 1 << 20
        var offset = 0
        var sendFailed = false
        rows.bytes.withUnsafeBufferPointer { buffer in
            while offset < buffer.count, !sendFailed {
                let length = min(chunkSize, buffer.count - offset)
                let sent = buffer.baseAddress!.advanced(by: offset).withMemoryRebound(to: CChar.self, capacity: length) {
                    PQputCopyData(self.handle, $0, Int32(length))
                }
                sendFailed = sent != 1
                offset += length
            }
        }
        if sendFailed || PQputCopyEnd(self.handle, nil) != 1 {
            throw DatabaseError(code: .connectionFailure, serverMessage: String(cString: PQerrorMessage(self.handle)))
        }
        // COPY ends with its command result, then a NULL result.
        let result = PQgetResult(self.handle)
        defer { while let extra = PQgetResult(self.handle) { PQclear(extra) } }
        return try self.consume(result).affectedRows
    }
}
