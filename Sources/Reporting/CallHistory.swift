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
    /// turned into instants per account, so a day is midnight to midnight on the account's clock.
    public func list(_ filter: CallFilter, limit: Int, skip: Int) throws -> (calls: [CallListing], total: Int) {
        let matching: SQLQuery = """
            WHERE (\(filter.accountKey)::bigint IS NULL OR c.account_id = \(filter.accountKey))
              AND (\(filter.batchKey)::bigint IS NULL OR c.batch_id = \(filter.batchKey))
              AND (\(filter.jobKey)::bigint IS NULL OR c.job_id = \(filter.jobKey))
              AND (\(filter.status)::text IS NULL OR c.status = \(filter.status))
              AND (\(filter.phone)::text IS NULL OR c.phone = \(filter.phone))
              AND (\(filter.fromDay?.iso)::date IS NULL
                   OR c.created_at >= (\(filter.fromDay?.iso)::date)::timestamp AT TIME ZONE a.timezone)
              AND (\(filter.toDay?.iso)::date IS NULL
                   OR c.created_at < (\(filter.toDay?.iso)::date + 1)::timestamp AT TIME ZONE a.timezone)
            """
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
        let total = try self.connection.query(
            "SELECT count(*) AS total FROM calls c JOIN accounts a ON a.id = c.account_id \(matching)")[0].int("total")
        return (try rows.map(CallListing.init(row:)), Int(total))
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
