/// A failure talking to PostgreSQL.
///
/// `description` is deliberately generic so that SQL, parameters and server messages never reach
/// a client by accident; `debugDescription` carries the details for logs.
public struct DatabaseError: Error, Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    /// A SQLSTATE, with names for the ones the code reacts to.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        public let sqlState: String

        public init(_ sqlState: String) { self.sqlState = sqlState }

        public var description: String { self.sqlState }

        /// The connection is gone or could not be made (class 08, and libpq failures with no SQLSTATE).
        public static let connectionFailure = Code("08000")
        public static let uniqueViolation = Code("23505")
        public static let foreignKeyViolation = Code("23503")
        public static let checkViolation = Code("23514")
        public static let notNullViolation = Code("23502")
        public static let serializationFailure = Code("40001")
        public static let deadlockDetected = Code("40P01")
        public static let lockNotAvailable = Code("55P03")
        public static let queryCanceled = Code("57014")
        public static let raiseException = Code("P0001")
        public static let insufficientPrivilege = Code("42501")
        /// Server shutting down or restarting (class 57P).
        public static let adminShutdown = Code("57P01")
        public static let crashShutdown = Code("57P02")
        public static let cannotConnectNow = Code("57P03")

        public var isConnectionClass: Bool {
            self.sqlState.hasPrefix("08") || self == .adminShutdown || self == .crashShutdown || self == .cannotConnectNow
        }
    }

    public let code: Code
    /// The server's or libpq's message, for logs only; never a failing row or key (`Connection.loggableMessage`).
    public let serverMessage: String
    /// The constraint named by an integrity violation, if any.
    public let constraint: String?

    public init(code: Code, serverMessage: String, constraint: String? = nil) {
        self.code = code
        self.serverMessage = serverMessage
        self.constraint = constraint
    }

    /// True when the connection cannot be used any more and a new one is needed.
    public var isConnectionLost: Bool { self.code.isConnectionClass }

    public var description: String { "database error \(self.code.sqlState)" }

    public var debugDescription: String {
        "database error \(self.code.sqlState)\(self.constraint.map { " (constraint \($0))" } ?? ""): \(self.serverMessage)"
    }
}

/// A value in a result that is missing or cannot be read as the requested type: a programming
/// error between the SQL and the code that reads it, never the client's fault.
public struct RowDecodingError: Error, Sendable, CustomStringConvertible {
    public let column: String
    public let expected: String

    public init(column: String, expected: String) {
        self.column = column
        self.expected = expected
    }

    public var description: String { "column \(self.column) is not a readable \(self.expected)" }
}
