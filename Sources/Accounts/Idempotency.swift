import PostgreSQL

/// Stripe-style idempotency keys: the first response to a key is stored in the same transaction
/// as the work it describes and replayed for 24 hours; the same key with other parameters is refused.
public struct IdempotencyStore {
    public enum Claim: Sendable, Equatable {
        /// First use: do the work, then `complete`, in the same transaction.
        case new
        /// Seen before: answer with the stored response.
        case replay(status: Int, body: String)
        /// Seen before with a different request.
        case mismatch
    }

    let connection: Connection

    public init(connection: Connection) {
        self.connection = connection
    }

    /// Claims `key` in `scope` inside the caller's transaction. A concurrent request with the same
    /// key waits here until the first one commits, then replays its response: the work runs once.
    public func claim(scope: String, key: String, requestHash: String) throws -> Claim {
        // A key older than 24 hours is free again: the stale row is taken over in the same statement.
        let inserted = try self.connection.query(
            """
            INSERT INTO idempotency_keys (scope, key, request_hash, response_status, response_body)
            VALUES (\(scope), \(key), \(requestHash), 0, '')
            ON CONFLICT (scope, key) DO UPDATE
                SET request_hash = EXCLUDED.request_hash, response_status = 0, response_body = '', created_at = now()
                WHERE idempotency_keys.created_at < now() - interval '24 hours'
            RETURNING 1 AS claimed
            """)
        if !inserted.isEmpty { return .new }
        let row = try self.connection.query(
            """
            SELECT request_hash, response_status, response_body FROM idempotency_keys
            WHERE scope = \(scope) AND key = \(key)
            """)[0]
        guard try row.string("request_hash") == requestHash else { return .mismatch }
        return .replay(status: Int(try row.int("response_status")), body: try row.string("response_body"))
    }

    public func complete(scope: String, key: String, status: Int, body: String) throws {
        try self.connection.query(
            """
            UPDATE idempotency_keys SET response_status = \(status), response_body = \(body)
            WHERE scope = \(scope) AND key = \(key)
            """)
    }
}
