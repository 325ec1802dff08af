import CLibPQ
import FoundationEssentials
import Money
import Time

/// The rows of one statement: a view over libpq's result, which it owns and frees. Values are
/// read in place from libpq's text; only what a caller asks for becomes a Swift value.
public struct QueryResult: Sendable, RandomAccessCollection {
    /// Owns the `PGresult`; libpq results are immutable, so reading one from several threads is safe.
    final class Storage: @unchecked Sendable {
        let handle: OpaquePointer

        init(_ handle: OpaquePointer) { self.handle = handle }

        deinit { PQclear(self.handle) }
    }

    let storage: Storage
    let shape: ResultShape
    let rowCount: Int
    /// Rows inserted, updated or deleted (`PQcmdTuples`); 0 for other statements.
    public let affectedRows: Int

    init(storage: Storage, shape: ResultShape, rowCount: Int, affectedRows: Int) {
        self.storage = storage
        self.shape = shape
        self.rowCount = rowCount
        self.affectedRows = affectedRows
    }

    public var columns: [String] { self.shape.columns }

    public var startIndex: Int { 0 }
    public var endIndex: Int { self.rowCount }
    public subscript(position: Int) -> Row { Row(result: self, row: position) }
}

/// A result's column names and their positions. A prepared statement always returns the same
/// columns, so its shape is built once and shared by every result of that statement.
final class ResultShape: Sendable {
    let columns: [String]
    let position: [String: Int]

    init(columns: [String]) {
        self.columns = columns
        var position: [String: Int] = Dictionary(minimumCapacity: columns.count)
        for (index, name) in columns.enumerated() where position[name] == nil { position[name] = index }
        self.position = position
    }
}

/// One row, read by column name with typed accessors. The optional accessors return nil for SQL
/// NULL; the plain ones throw `RowDecodingError` when the value is NULL or unreadable.
public struct Row: Sendable {
    let result: QueryResult
    let row: Int

    /// The value's text in libpq's buffer (valid while the result lives), or nil for NULL.
    private func bytes(_ column: String) throws(RowDecodingError) -> UnsafeBufferPointer<UInt8>? {
        guard let position = self.result.shape.position[column] else {
            throw RowDecodingError(column: column, expected: "column (not in the result)")
        }
        let handle = self.result.storage.handle
        if PQgetisnull(handle, Int32(self.row), Int32(position)) == 1 { return nil }
        let length = Int(PQgetlength(handle, Int32(self.row), Int32(position)))
        return PQgetvalue(handle, Int32(self.row), Int32(position)).withMemoryRebound(to: UInt8.self, capacity: length) {
            UnsafeBufferPointer(start: $0, count: length)
        }
    }

    public func raw(_ column: String) throws(RowDecodingError) -> String? {
        try self.bytes(column).map { String(decoding: $0, as: UTF8.self) }
    }

    /// Decodes from the value's bytes in place.
    private func decodeBytes<T>(
        _ column: String, _ expected: String, _ parse: (UnsafeBufferPointer<UInt8>) -> T?
    ) throws(RowDecodingError) -> T? {
        guard let bytes = try self.bytes(column) else { return nil }
        guard let value = parse(bytes) else { throw RowDecodingError(column: column, expected: expected) }
        return value
    }

    /// Decodes from the value's text, for types without a byte-level reader.
    private func decode<T>(_ column: String, _ expected: String, _ parse: (String) -> T?) throws(RowDecodingError) -> T? {
        try self.decodeBytes(column, expected) { parse(String(decoding: $0, as: UTF8.self)) }
    }

    private func required<T>(_ column: String, _ expected: String, _ value: T?) throws(RowDecodingError) -> T {
        guard let value else { throw RowDecodingError(column: column, expected: "non-null \(expected)") }
        return value
    }

    public func optionalString(_ column: String) throws(RowDecodingError) -> String? { try self.raw(column) }
    public func string(_ column: String) throws(RowDecodingError) -> String {
        try self.required(column, "text", try self.raw(column))
    }

    public func optionalInt(_ column: String) throws(RowDecodingError) -> Int64? {
        try self.decodeBytes(column, "integer") { bytes in
            var value: Int64 = 0
            var negative = false
            for (index, byte) in bytes.enumerated() {
                if index == 0 && byte == UInt8(ascii: "-") {
                    negative = true
                    continue
                }
                guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
                let (shifted, overflowA) = value.multipliedReportingOverflow(by: 10)
                let (next, overflowB) = shifted.addingReportingOverflow(Int64(byte - UInt8(ascii: "0")))
                if overflowA || overflowB { return nil }
                value = next
            }
            return bytes.isEmpty || (negative && bytes.count == 1) ? nil : (negative ? -value : value)
        }
    }
    public func int(_ column: String) throws(RowDecodingError) -> Int64 {
        try self.required(column, "integer", try self.optionalInt(column))
    }

    /// `numeric` as an exact decimal.
    public func optionalDecimal(_ column: String) throws(RowDecodingError) -> Decimal? {
        try self.decode(column, "numeric", PostgresText.decimal)
    }
    public func decimal(_ column: String) throws(RowDecodingError) -> Decimal {
        try self.required(column, "numeric", try self.optionalDecimal(column))
    }

    /// `numeric` as an exact fixed-point `Amount` (money, credits, minutes).
    public func optionalAmount(_ column: String) throws(RowDecodingError) -> Amount? {
        try self.decodeBytes(column, "amount") { bytes in
            Amount(numericText: bytes) ?? Amount(String(decoding: bytes, as: UTF8.self))
        }
    }
    public func amount(_ column: String) throws(RowDecodingError) -> Amount {
        try self.required(column, "amount", try self.optionalAmount(column))
    }

    public func optionalBool(_ column: String) throws(RowDecodingError) -> Bool? {
        try self.decode(column, "boolean", PostgresText.bool)
    }
    public func bool(_ column: String) throws(RowDecodingError) -> Bool {
        try self.required(column, "boolean", try self.optionalBool(column))
    }

    public func optionalTimestamp(_ column: String) throws(RowDecodingError) -> Timestamp? {
        try self.decodeBytes(column, "timestamptz") { Timestamp(utf8: $0) }
    }
    public func timestamp(_ column: String) throws(RowDecodingError) -> Timestamp {
        try self.required(column, "timestamptz", try self.optionalTimestamp(column))
    }

    /// A one-dimensional array (`text[]`, `int[]`, …) as its elements' text; NULL elements are nil.
    public func array(_ column: String) throws(RowDecodingError) -> [String?] {
        try self.required(column, "array", try self.decode(column, "array", PostgresArray.parse))
    }

    /// `json`/`jsonb` as its UTF-8 text, for the JSON module to parse.
    public func optionalJSONText(_ column: String) throws(RowDecodingError) -> String? { try self.raw(column) }
}

/// Readers for PostgreSQL's text output format.
public enum PostgresText {
    /// `numeric` text (`-123.4500`) as an exact decimal. Values of up to 18 digits, which is every
    /// amount this schema holds, are assembled from their digits directly: `Decimal(string:)` costs
    /// about 1.4 µs, a dozen times per account read.
    public static func decimal(_ text: String) -> Decimal? {
        var significand: UInt64 = 0
        var digits = 0
        var fractionDigits = 0
        var negative = false
        var seenPoint = false
        for (index, byte) in text.utf8.enumerated() {
            switch byte {
            case UInt8(ascii: "-") where index == 0: negative = true
            case UInt8(ascii: ".") where !seenPoint: seenPoint = true
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                if digits < 18 { significand = significand * 10 + UInt64(byte - UInt8(ascii: "0")) }
                digits += 1
                if seenPoint { fractionDigits += 1 }
            default: return nil  // also NaN and Infinity, which no amount may be
            }
        }
        guard digits > 0 else { return nil }
        if digits <= 18 {
            return Decimal(sign: negative ? .minus : .plus, exponent: -fractionDigits, significand: Decimal(significand))
        }
        // Longer values (numeric allows them) take the general parser; the text is known to be well formed.
        return Decimal(string: text, locale: Locale(identifier: "en_US_POSIX"))
    }

    public static func bool(_ text: String) -> Bool? {
        switch text {
        case "t", "true": return true
        case "f", "false": return false
        default: return nil
        }
    }
}

/// PostgreSQL's array text format: `{a,"b c",NULL,"with \"quote\""}`.
public enum PostgresArray {
    public static func parse(_ text: String) -> [String?]? {
        let bytes = Array(text.utf8)
        guard bytes.first == UInt8(ascii: "{"), bytes.last == UInt8(ascii: "}") else { return nil }
        var elements: [String?] = []
        var index = 1
        let end = bytes.count - 1
        if index == end { return [] }
        while index <= end {
            var element: [UInt8] = []
            var quoted = false
            if bytes[index] == UInt8(ascii: "\"") {
                quoted = true
                index += 1
                while index < end, bytes[index] != UInt8(ascii: "\"") {
                    if bytes[index] == UInt8(ascii: "\\") { index += 1 }
                    guard index < end else { return nil }
                    element.append(bytes[index])
                    index += 1
                }
                guard index < end else { return nil }
                index += 1
            } else {
                while index < end, bytes[index] != UInt8(ascii: ",") {
                    if bytes[index] == UInt8(ascii: "{") { return nil }  // nested arrays are not supported
                    element.append(bytes[index])
                    index += 1
                }
            }
            let value = String(decoding: element, as: UTF8.self)
            elements.append(!quoted && value == "NULL" ? nil : value)
            guard index == end || bytes[index] == UInt8(ascii: ",") else { return nil }
            index += 1
        }
        return elements
    }

    /// The literal for a one-dimensional array of text values, every element quoted.
    public static func literal(_ values: [String]) -> String {
        self.literal(values.map(Optional.some))
    }

    /// The literal for a one-dimensional array whose `nil` elements are NULL.
    public static func literal(_ values: [String?]) -> String {
        var bytes: [UInt8] = []
        self.appendLiteral(values, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends the literal of `values` (`{"a","b\"c"}`) to `bytes`.
    public static func appendLiteral(_ values: [String], to bytes: inout [UInt8]) {
        self.appendLiteral(values.lazy.map(Optional.some), to: &bytes)
    }

    /// Appends the literal of `values` (`{"a",NULL}`): every value quoted, `nil` as NULL.
    public static func appendLiteral(_ values: some Sequence<String?>, to bytes: inout [UInt8]) {
        bytes.append(UInt8(ascii: "{"))
        for (index, element) in values.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            guard let value = element else {
                bytes.append(contentsOf: "NULL".utf8)
                continue
            }
            bytes.append(UInt8(ascii: "\""))
            for byte in value.utf8 {
                if byte == UInt8(ascii: "\\") || byte == UInt8(ascii: "\"") { bytes.append(UInt8(ascii: "\\")) }
                bytes.append(byte)
            }
            bytes.append(UInt8(ascii: "\""))
        }
        bytes.append(UInt8(ascii: "}"))
    }
}
