import Batches
import PostgreSQL
import Time

/// Filters of the call history; nil means "any". Days are the account's own (its time zone).
public struct CallFilter: Sendable {
    public var accountKey: Int64?
    public var batchKey: Int64?
    public var jobKey: Int64?
    public var status: String?
    public var phone: String?
    /// First and last day, both included, in the time zone of each call's account.
    public var fromDay: CivilDate?
    public var toDay: CivilDate?

    public init() {}

    /// The statuses `calls.status` takes (sql/migrations/004_dispatch.sql).
    public static let statuses: Set<String> = ["placing", "placed", "ended", "not_placed", "lost"]
}

/// A call with what it belongs to, as the history lists it.
public struct CallListing: Sendable {
    public let call: CallRecord
    public let jobId: String?
    public let batchId: String
    public let accountId: String
    public let contactName: String?
    /// Only read for one call's detail.
    public let transcript: String?

    init(row: Row) throws {
        guard let call = try CallRecord(row: row) else { throw RowDecodingError(column: "call_attempt_id", expected: "a call") }
        self.call = call
        self.jobId = try row.optionalString("job_ref")
        self.batchId = try row.string("batch_ref")
        self.accountId = try row.string("account_ref")
        self.contactName = try row.optionalString("contact_name")
        self.transcript = try row.optionalString("transcript")
    }
}

public struct CallHistoryStore {
    let connection: Connection

    public init(connection: Connection) {
        self.connection = connection
    }

    /// One page, newest first (ties by id), and the total matching the filter. A day filter is
    /// turned into instants in the account's time zone, so a day is midnight to midnight on its clock.
    public func list(_ filter: CallFilter, limit: Int, skip: Int) throws -> (calls: [CallListing], total: Int) {
        let (conditions, readsAccountZone) = Self.conditions(filter)
        let matching = SQLQuery.whereAll(conditions)
        let rows = try self.connection.query(
            """
            SELECT \(literal: CallRecord.columns), j.job_id AS job_ref, b.batch_id AS batch_ref, a.account_id AS account_ref,
                j.contact_name, NULL::text AS transcript
            FROM calls c JOIN accounts a ON a.id = c.account_id JOIN batches b ON b.id = c.batch_id
            LEFT JOIN jobs j ON j.id = c.job_id
            \(matching)
            ORDER BY c.created_at DESC, c.id DESC
            LIMIT \(limit) OFFSET \(skip)
            """)
        return (try rows.map(CallListing.init(row:)), try self.total(filter, conditions, readsAccountZone: readsAccountZone))
    }

    /// The conditions of `filter`, each sargable where an index serves it (sql/migrations/010_read_speed.sql),
    /// and whether they compare with each call's account's zone (`a.timezone`: days without one account).
    private static func conditions(_ filter: CallFilter) -> (conditions: [SQLQuery], readsAccountZone: Bool) {
        var conditions: [SQLQuery] = []
        if let key = filter.accountKey { conditions.append("c.account_id = \(key)") }
        if let key = filter.batchKey { conditions.append("c.batch_id = \(key)") }
        if let key = filter.jobKey { conditions.append("c.job_id = \(key)") }
        if let status = filter.status { conditions.append("c.status = \(status)") }
        if let phone = filter.phone { conditions.append("c.phone = \(phone)") }
        guard filter.fromDay != nil || filter.toDay != nil else { return (conditions, false) }
        // The filter's one account (named, or the batch's or the job's) gives the zone as a value
        // computed once, so the bounds are constants an index range can use.
        let zone: SQLQuery? =
            if let key = filter.accountKey { "(SELECT timezone FROM accounts WHERE id = \(key))" }
            else if let key = filter.batchKey { "(SELECT timezone FROM accounts WHERE id = (SELECT account_id FROM batches WHERE id = \(key)))" }
            else if let key = filter.jobKey { "(SELECT timezone FROM accounts WHERE id = (SELECT account_id FROM jobs WHERE id = \(key)))" }
            else { nil }
        for (day, isEnd) in [(filter.fromDay, false), (filter.toDay, true)] {
            guard let day else { continue }
            let midnight: SQLQuery = isEnd ? "(\(day.iso)::date + 1)::timestamp" : "(\(day.iso)::date)::timestamp"
            let comparison: SQLQuery = isEnd ? "<" : ">="
            if let zone {
                conditions.append("c.created_at \(comparison) \(midnight) AT TIME ZONE \(zone)")
            } else {
                // Each call's own account's zone, plus the widest bound any zone allows (UTC-12 to
                // UTC+14) for the index.
                let widest: SQLQuery = isEnd ? "\(midnight) AT TIME ZONE 'UTC' + interval '12 hours'"
                    : "\(midnight) AT TIME ZONE 'UTC' - interval '14 hours'"
                conditions.append("c.created_at \(comparison) \(midnight) AT TIME ZONE a.timezone")
                conditions.append("c.created_at \(comparison) \(widest)")
            }
        }
        return (conditions, zone == nil)
    }

    /// How many calls match. A filter of nothing but an account and/or a batch is answered from the
    /// batches' settled-call counters plus the few open calls (partial indexes on `settled_at IS NULL`);
    /// anything else is counted.
    private func total(_ filter: CallFilter, _ conditions: [SQLQuery], readsAccountZone: Bool) throws -> Int {
        let counted = filter.jobKey != nil || filter.status != nil || filter.phone != nil
            || filter.fromDay != nil || filter.toDay != nil
        if counted {
            let source: SQLQuery = readsAccountZone ? "calls c JOIN accounts a ON a.id = c.account_id" : "calls c"
            return Int(try self.connection.query(
                "SELECT count(*) AS total FROM \(source) \(SQLQuery.whereAll(conditions))")[0].int("total"))
        }
        // Here the conditions are the account's and the batch's, which the open-call indexes serve.
        let settled = BatchStore.counterSum("settled_calls", accountKey: filter.accountKey, batchKey: filter.batchKey)
        let open = SQLQuery.whereAll(conditions + ["c.settled_at IS NULL"])
        return Int(try self.connection.query(
            "SELECT \(settled) + (SELECT count(*) FROM calls c \(open)) AS total")[0].int("total"))
    }

    /// A call by our attempt id (`att_…`) or the provider's call id, with its transcript, and the
    /// key of its account (for the caller's visibility check).
    public func find(_ reference: String) throws -> (listing: CallListing, accountKey: Int64)? {
        let rows = try self.connection.query(
            """
            SELECT \(literal: CallRecord.columns), j.job_id AS job_ref, b.batch_id AS batch_ref, a.account_id AS account_ref,
                j.contact_name, c.transcript, c.account_id AS account_key
            FROM calls c JOIN accounts a ON a.id = c.account_id JOIN batches b ON b.id = c.batch_id
            LEFT JOIN jobs j ON j.id = c.job_id
            WHERE c.attempt_id = \(reference) OR c.provider_call_id = \(reference)
            LIMIT 1
            """)
        guard let row = rows.first else { return nil }
        return (try CallListing(row: row), try row.int("account_key"))
    }
}
