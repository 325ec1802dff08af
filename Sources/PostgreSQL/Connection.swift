import CLibPQ
import Glibc
import Time

/// One libpq connection. Statements run with bound parameters and are prepared once per
/// connection (named by their SQL), so a hot query is parsed and planned only the first time.
///
/// Not thread-safe: each worker process owns exactly one.
public final class Connection {
    let handle: OpaquePointer
    /// A statement prepared on this connection: its name as a C string (running it allocates
    /// nothing) and, once known, the shape of its results.
    private final class PreparedStatement {
        let name: [CChar]
        var shape: ResultShape?

        init(name: [CChar]) { self.name = name }
    }

    /// Prepared statements by SQL text.
    private var preparedStatements: [String: PreparedStatement] = [:]
    private var transactionDepth = 0

    /// How long a statement may wait for a row lock, and may run at all, unless the caller says
    /// otherwise. Every writer follows one lock order (sql/migrations/004_dispatch.sql), so a wait
    /// is short; the limits make sure that no request or dispatcher pass can wait forever if that
    /// order is ever broken (a lock timeout is SQLSTATE 55P03, a cancelled statement 57014).
    public struct Timeouts: Sendable {
        public var lock: Duration
        public var statement: Duration

        public init(lock: Duration = .seconds(5), statement: Duration = .seconds(120)) {
            self.lock = lock
            self.statement = statement
        }
    }

    /// Connects and pins the session settings the decoders rely on (ISO dates, UTC) and `timeouts`.
    /// - Parameter url: a libpq connection URI or key/value string (`DATABASE_URL`).
    public init(url: String, applicationName: String = "speechai", timeouts: Timeouts = Timeouts()) throws(DatabaseError) {
        let keywords = ["connect_timeout", "application_name", "dbname"]
        let values = ["3", applicationName, url]
        // Keywords before `dbname` are defaults: the URL's own settings override them.
        let handle = withCStrings(keywords) { keywordPointers in
            withCStrings(values) { valuePointers in
                PQconnectdbParams(keywordPointers, valuePointers, 1)
            }
        }
        guard let handle else {
            throw DatabaseError(code: .connectionFailure, serverMessage: "out of memory creating the connection")
        }
        self.handle = handle
        // Server notices (NOTICE, the FATAL of a terminated session) are not errors; libpq would
        // print them on stderr, in the middle of the request log.
        PQsetNoticeProcessor(handle, { _, _ in }, nil)
        guard PQstatus(handle) == CONNECTION_OK else {
            let message = String(cString: PQerrorMessage(handle))
            throw DatabaseError(code: .connectionFailure, serverMessage: message)
        }
        _ = try self.execute(
            script: "SET DateStyle = 'ISO, YMD'; SET TimeZone = 'UTC'; SET IntervalStyle = 'iso_8601'; "
                + "SET lock_timeout = \(timeouts.lock.wholeMilliseconds); SET statement_timeout = \(timeouts.statement.wholeMilliseconds)")
    }

    deinit {
        PQfinish(self.handle)
    }

    /// False once the server has closed the connection (restart, crash, idle timeout). Costs one
    /// non-blocking poll: a closed socket is readable, and libpq then notices the end.
    public var isUsable: Bool {
        guard PQstatus(self.handle) == CONNECTION_OK else { return false }
        var descriptor = pollfd(fd: PQsocket(self.handle), events: Int16(POLLIN), revents: 0)
        if poll(&descriptor, 1, 0) > 0 {
            if PQconsumeInput(self.handle) == 0 { return false }
            while let notice = PQnotifies(self.handle) { PQfreemem(notice) }
        }
        return PQstatus(self.handle) == CONNECTION_OK
    }

    public var isInTransaction: Bool { self.transactionDepth > 0 }

    /// Runs one statement with bound parameters.
    @discardableResult
    public func query(_ query: SQLQuery) throws(DatabaseError) -> QueryResult {
        let statement = try self.prepare(query)
        let result = withOptionalCStrings(query.parameters) { parameterPointers in
            statement.name.withUnsafeBufferPointer { namePointer in
                PQexecPrepared(
                    self.handle, namePointer.baseAddress, Int32(query.parameters.count), parameterPointers, nil, nil, 0)
            }
        }
        let rows = try self.consume(result, shape: statement.shape)
        statement.shape = rows.shape
        return rows
    }

    /// Runs SQL text that may hold several statements and takes no parameters (migrations, setup).
    @discardableResult
    public func execute(script: String) throws(DatabaseError) -> QueryResult {
        try self.consume(PQexec(self.handle, script))
    }

    /// Runs `body` in a transaction: committed if it returns, rolled back if it throws anything.
    /// Nested calls join the outer transaction.
    public func transaction<T>(_ body: () throws -> T) throws -> T {
        try self.transaction(begin: "BEGIN", body)
    }

    /// A read-only transaction that sees one snapshot throughout (REPEATABLE READ): a report read
    /// in many statements adds up, whatever commits meanwhile.
    public func readOnlySnapshot<T>(_ body: () throws -> T) throws -> T {
        try self.transaction(begin: "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", body)
    }

    private func transaction<T>(begin: String, _ body: () throws -> T) throws -> T {
        if self.transactionDepth > 0 { return try body() }
        try self.execute(script: begin)
        self.transactionDepth = 1
        defer { self.transactionDepth = 0 }
        do {
            let value = try body()
            try self.execute(script: "COMMIT")
            return value
        } catch {
            if PQstatus(self.handle) == CONNECTION_OK { _ = try? self.execute(script: "ROLLBACK") }
            throw error
        }
    }

    private func prepare(_ query: SQLQuery) throws(DatabaseError) -> PreparedStatement {
        if let statement = self.preparedStatements[query.sql] { return statement }
        let statement = PreparedStatement(name: Array("s\(self.preparedStatements.count + 1)".utf8CString))
        let result = statement.name.withUnsafeBufferPointer { namePointer in
            PQprepare(self.handle, namePointer.baseAddress, query.sql, Int32(query.parameters.count), nil)
        }
        _ = try self.consume(result)
        self.preparedStatements[query.sql] = statement
        return statement
    }

    func consume(_ result: OpaquePointer?, shape: ResultShape? = nil) throws(DatabaseError) -> QueryResult {
        guard let result else {
            throw DatabaseError(code: .connectionFailure, serverMessage: String(cString: PQerrorMessage(self.handle)))
        }
        switch PQresultStatus(result) {
        case PGRES_TUPLES_OK, PGRES_COMMAND_OK, PGRES_EMPTY_QUERY:
            return Connection.wrap(result, shape: shape)
        default:
            defer { PQclear(result) }
            func field(_ code: Character) -> String? {
                PQresultErrorField(result, Int32(code.asciiValue!)).map { String(cString: $0) }
            }
            let sqlState = field("C")
            let constraint = field("n")
            let message = Connection.loggableMessage(
                sqlState: sqlState, primary: field("M") ?? String(cString: PQresultErrorMessage(result)),
                table: field("t"), column: field("c"))
            let code: DatabaseError.Code
            if PQstatus(self.handle) != CONNECTION_OK {
                code = .connectionFailure
            } else {
                code = sqlState.map(DatabaseError.Code.init) ?? .connectionFailure
            }
            throw DatabaseError(code: code, serverMessage: message, constraint: constraint)
        }
    }

    /// What a failed statement may put in a log: the primary message and the names of the table and
    /// column, never the DETAIL (a CHECK or unique violation quotes the failing row or key: names,
    /// e-mail addresses), and no message at all for data exceptions (class 22), whose primary
    /// message quotes the offending input.
    static func loggableMessage(sqlState: String?, primary: String, table: String?, column: String?) -> String {
        var message = sqlState?.hasPrefix("22") == true ? "invalid data" : primary
        if let table { message += " (table \(table)\(column.map { ", column \($0)" } ?? ""))" }
        return message
    }

    /// Takes ownership of a successful result.
    private static func wrap(_ result: OpaquePointer, shape known: ResultShape?) -> QueryResult {
        let columnCount = Int(PQnfields(result))
        let shape =
            known.flatMap { $0.columns.count == columnCount ? $0 : nil }
            ?? ResultShape(columns: (0..<columnCount).map { String(cString: PQfname(result, Int32($0))) })
        var affected = 0
        for byte in UnsafeBufferPointer(start: PQcmdTuples(result), count: strlen(PQcmdTuples(result))) {
            affected = affected * 10 + Int(UInt8(bitPattern: byte) &- UInt8(ascii: "0"))
        }
        return QueryResult(
            storage: QueryResult.Storage(result), shape: shape, rowCount: Int(PQntuples(result)), affectedRows: affected)
    }
}

/// Calls `body` with a C array of C strings that live for the duration of the call.
private func withCStrings<R>(_ strings: [String], _ body: ([UnsafePointer<CChar>?]) -> R) -> R {
    withOptionalCStrings(strings.map { Optional($0) }) { pointers in
        body(pointers + [nil])
    }
}

private func withOptionalCStrings<R>(_ strings: [String?], _ body: ([UnsafePointer<CChar>?]) -> R) -> R {
    if strings.isEmpty { return body([]) }
    let copies: [UnsafeMutablePointer<CChar>?] = strings.map { $0.map { strdup($0)! } }
    defer { copies.forEach { free($0) } }
    return body(copies.map { $0.map { UnsafePointer($0) } })
}
