/// The one connection a worker keeps for its whole life, reconnecting after an outage.
///
/// Requests during an outage fail fast (the connect attempt is refused, or times out after
/// `connect_timeout`); the first request after PostgreSQL is back gets a fresh connection.
public final class DatabaseSession {
    public let url: String
    private var current: Connection?

    public init(url: String) {
        self.url = url
    }

    /// A usable connection, made anew if the last one was lost.
    public func connection() throws(DatabaseError) -> Connection {
        if let current, current.isUsable { return current }
        self.current = nil
        let connection = try Connection(url: self.url)
        self.current = connection
        return connection
    }

    /// Runs `body` with the connection; drops the connection if it was lost on the way.
    @discardableResult
    public func withConnection<T>(_ body: (Connection) throws -> T) throws -> T {
        let connection = try self.connection()
        do {
            return try body(connection)
        } catch let error as DatabaseError where error.isConnectionLost {
            self.current = nil
            throw error
        }
    }
}
