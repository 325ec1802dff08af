import PostgreSQL
import Time

/// A number on an account's do-not-call list.
public struct DoNotCallEntry: Sendable {
    public let phone: String
    public let reason: String?
    public let createdAt: Timestamp
}

/// Each account's numbers that are never dialled (the dispatcher skips them to the next phone).
/// For Argentina's marketing campaigns the operator loads the national "No Llame" registry
/// (Ley 26.951) into it.
public struct DoNotCallList {
    let connection: Connection

    public init(connection: Connection) {
        self.connection = connection
    }

    /// Adds E.164 `phones` (already normalised); returns how many were not listed before.
    public func add(accountKey: Int64, phones: [String], reason: String?) throws -> Int {
        var added = 0
        var start = 0
        // Large registries go in slices, each one statement.
        while start < phones.count {
            let slice = Array(phones[start..<min(phones.count, start + 10_000)])
            added += try self.connection.query(
                """
                INSERT INTO do_not_call (account_id, phone, reason)
                SELECT \(accountKey), phone, \(reason) FROM unnest(\(slice)::text[]) AS phone
                ON CONFLICT DO NOTHING
                """
            ).affectedRows
            start += slice.count
        }
        return added
    }

    /// Removes `phone`; false when it was not listed.
    public func remove(accountKey: Int64, phone: String) throws -> Bool {
        try self.connection.query("DELETE FROM do_not_call WHERE account_id = \(accountKey) AND phone = \(phone)").affectedRows > 0
    }

    /// Newest first.
    public func list(accountKey: Int64, limit: Int, skip: Int) throws -> (entries: [DoNotCallEntry], total: Int) {
        let entries = try self.connection.query(
            """
            SELECT phone, reason, created_at FROM do_not_call WHERE account_id = \(accountKey)
            ORDER BY created_at DESC, phone LIMIT \(limit) OFFSET \(skip)
            """
        ).map { row in
            DoNotCallEntry(phone: try row.string("phone"), reason: try row.optionalString("reason"),
                           createdAt: try row.timestamp("created_at"))
        }
        let total = try self.connection.query("SELECT count(*) AS n FROM do_not_call WHERE account_id = \(accountKey)")[0].int("n")
        return (entries, Int(total))
    }
}
