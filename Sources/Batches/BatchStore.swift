import Accounts
import JSON
import Money
import PostgreSQL
import Time

/// A batch about to be created.
public struct NewBatch: Sendable {
    public var accountKey: Int64
    public var name: String
    public var description: String
    public var priority: Int
    public var country: String
    public var useCase: UseCase
    public var processingType: ProcessingType
    public var sourceFilename: String?
    public var callSettings: CallSettings?
    public var useCaseSettings: UseCaseSettings
    public var retellAgentId: String?
    /// Set by the `Importer` from its plan.
    public var estimatedCost: Amount = .zero

    public init(
        accountKey: Int64, name: String, description: String, priority: Int, country: String, useCase: UseCase,
        processingType: ProcessingType, sourceFilename: String?, callSettings: CallSettings?,
        useCaseSettings: UseCaseSettings, retellAgentId: String?
    ) {
        self.accountKey = accountKey
        self.name = name
        self.description = description
        self.priority = priority
        self.country = country
        self.useCase = useCase
        self.processingType = processingType
        self.sourceFilename = sourceFilename
        self.callSettings = callSettings
        self.useCaseSettings = useCaseSettings
        self.retellAgentId = retellAgentId
    }
}

/// A job about to be created.
public struct NewJob: Sendable {
    public var contactKey: String
    public var contactName: String
    public var contactDni: String?
    public var phones: [String]
    public var payloadJSON: String
    public var maxAttempts: Int
    public var estimatedCost: Amount
    public var sourceRow: Int?

    public init(
        contactKey: String, contactName: String, contactDni: String?, phones: [String], payloadJSON: String,
        maxAttempts: Int, estimatedCost: Amount, sourceRow: Int?
    ) {
        self.contactKey = contactKey
        self.contactName = contactName
        self.contactDni = contactDni
        self.phones = phones
        self.payloadJSON = payloadJSON
        self.maxAttempts = maxAttempts
        self.estimatedCost = estimatedCost
        self.sourceRow = sourceRow
    }
}

/// Filters of a batch list; nil means "any".
public struct BatchFilter: Sendable {
    public var accountKey: Int64?
    public var status: BatchStatus?
    public var isActive: Bool?

    public init(accountKey: Int64? = nil, status: BatchStatus? = nil, isActive: Bool? = nil) {
        self.accountKey = accountKey
        self.status = status
        self.isActive = isActive
    }
}

/// Batches and jobs in PostgreSQL.
public struct BatchStore {
    let connection: Connection

    public init(connection: Connection) {
        self.connection = connection
    }

    /// Creates the batch and all its jobs in one transaction (joining the caller's): all or nothing.
    /// Jobs go in with one COPY, each made only when it is sent (pass a lazy sequence for large
    /// imports); the database's triggers set the batch's counters.
    public func create<Jobs: Sequence<NewJob>>(_ new: NewBatch, jobs: Jobs) throws -> Batch {
        try self.connection.transaction {
            let key = try self.insertBatch(new)
            var ids = ObjectIdSequence()
            let copied = try self.connection.copy(
                """
                COPY jobs (object_id, batch_id, account_id, contact_key, contact_name, contact_dni, phones, payload,
                           max_attempts, estimated_cost, source_row) FROM STDIN
                """, rows: jobs
            ) { job, row in
                row.field(ids.next())
                row.field(key)
                row.field(new.accountKey)
                row.field(job.contactKey)
                row.field(job.contactName)
                row.field(job.contactDni)
                row.field(array: job.phones)
                row.field(job.payloadJSON)
                row.field(Int64(job.maxAttempts))
                row.field(job.estimatedCost.description)
                row.field(job.sourceRow.map { String($0) })
            }
            try Events(connection: self.connection).record(
                accountKey: new.accountKey, type: "batch_created",
                message: "Batch '\(new.name)' created with \(copied) jobs")
            guard let batch = try self.find(key: key) else { throw BatchError.notFound }
            return batch
        }
    }

    /// Inserts the batch row under a fresh `batch-YYYY-MM-DD-HHMMSS-ffffff` id; two batches created in
    /// the same microsecond take the next free microsecond.
    private func insertBatch(_ new: NewBatch) throws -> Int64 {
        var stamp = Timestamp.now()
        let settings = new.callSettings?.json.serializedString
        let useCaseSettings = JSON.object(new.useCaseSettings.json).serializedString
        while true {
            let batchId = BatchStore.batchId(at: stamp)
            let rows = try self.connection.query(
                """
                INSERT INTO batches (batch_id, account_id, name, description, priority, country, use_case,
                                     processing_type, source_filename, call_settings, use_case_settings,
                                     retell_agent_id, estimated_cost)
                VALUES (\(batchId), \(new.accountKey), \(new.name), \(new.description), \(new.priority),
                        \(new.country), \(new.useCase.rawValue), \(new.processingType.rawValue), \(new.sourceFilename),
                        \(settings)::jsonb, \(useCaseSettings)::jsonb,
                        \(new.retellAgentId), \(new.estimatedCost))
                ON CONFLICT (batch_id) DO NOTHING
                RETURNING id
                """)
            if let row = rows.first { return try row.int("id") }
            stamp = Timestamp(microsecondsSinceEpoch: stamp.microsecondsSinceEpoch + 1)
        }
    }

    /// `batch-YYYY-MM-DD-HHMMSS-ffffff` in UTC.
    static func batchId(at stamp: Timestamp) -> String {
        // rfc3339 is `YYYY-MM-DDTHH:MM:SS.ffffffZ`.
        let text = Array(stamp.rfc3339.utf8)
        var id = Array("batch-".utf8)
        id += text[0..<10]
        id.append(UInt8(ascii: "-"))
        id += text[11..<13] + text[14..<16] + text[17..<19]
        id.append(UInt8(ascii: "-"))
        id += text[20..<26]
        return String(decoding: id, as: UTF8.self)
    }

    /// A batch by either id form, hidden (deleted) batches excluded.
    public func find(_ reference: String) throws -> Batch? {
        try self.first("(b.batch_id = \(reference) OR b.object_id = \(reference))")
    }

    public func find(key: Int64) throws -> Batch? {
        try self.first("b.id = \(key)")
    }

    /// The visible batch matching `condition`.
    private func first(_ condition: SQLQuery) throws -> Batch? {
        let rows = try self.connection.query(
            """
            SELECT \(literal: Batch.columns) FROM batches b JOIN accounts a ON a.id = b.account_id
            WHERE \(condition) AND b.deleted_at IS NULL
            """)
        return try rows.first.map(Batch.init(row:))
    }

    /// One page, newest first (ties by id), and the total matching the filter.
    public func list(_ filter: BatchFilter, limit: Int, skip: Int) throws -> (batches: [Batch], total: Int) {
        let status = filter.status?.rawValue
        let matching: SQLQuery = """
            WHERE b.deleted_at IS NULL
              AND (\(filter.accountKey)::bigint IS NULL OR b.account_id = \(filter.accountKey))
              AND (\(status)::text IS NULL OR b.status = \(status))
              AND (\(filter.isActive)::boolean IS NULL OR (b.status = 'active') = \(filter.isActive))
            """
        let rows = try self.connection.query(
            """
            SELECT \(literal: Batch.columns) FROM batches b JOIN accounts a ON a.id = b.account_id
            \(matching)
            ORDER BY b.created_at DESC, b.id DESC
            LIMIT \(limit) OFFSET \(skip)
            """)
        let total = try self.connection.query("SELECT count(*) AS total FROM batches b \(matching)")[0].int("total")
        return (try rows.map(Batch.init(row:)), Int(total))
    }

    /// The contacts among `contactKeys` that already have a live (not cancelled) job in the account,
    /// with the batch_id of the newest such job. Only this account's jobs are ever consulted.
    public func liveContacts(accountKey: Int64, contactKeys: [String]) throws -> [String: String] {
        guard !contactKeys.isEmpty else { return [:] }
        let rows = try self.connection.query(
            """
            SELECT DISTINCT ON (j.contact_key) j.contact_key, b.batch_id
            FROM jobs j JOIN batches b ON b.id = j.batch_id
            WHERE j.account_id = \(accountKey) AND j.status <> 'cancelled'
              AND j.contact_key = ANY (\(contactKeys)::text[])
            ORDER BY j.contact_key, j.id DESC
            """)
        var found: [String: String] = [:]
        for row in rows { found[try row.string("contact_key")] = try row.string("batch_id") }
        return found
    }

    /// Serialises imports into one account, so two uploads of the same list cannot both miss each
    /// other's contacts in the duplicate check. Held until the transaction ends.
    public func lockImports(accountKey: Int64) throws {
        try self.connection.query("SELECT pg_advisory_xact_lock(\(BatchStore.importLockSpace), \(Int(truncatingIfNeeded: accountKey)))")
    }

    /// The first key of the two-key advisory locks taken for imports ("SPBI").
    static let importLockSpace = 0x5350_4249
}

extension BatchStore {
    /// A scalar subquery: one counter of `batches` summed over an account's batches and/or one batch
    /// (every batch with neither), deleted ones included, as their jobs and calls stay listed. The
    /// counters are kept in the transaction that changes what they count, so a page's total needs no
    /// count over its rows.
    public static func counterSum(_ column: StaticString, accountKey: Int64?, batchKey: Int64?) -> SQLQuery {
        var conditions: [SQLQuery] = []
        if let key = accountKey { conditions.append("account_id = \(key)") }
        if let key = batchKey { conditions.append("id = \(key)") }
        return "(SELECT coalesce(sum(\(literal: column)), 0) FROM batches \(SQLQuery.whereAll(conditions)))"
    }
}

/// One hour of a batch's calls, in the batch's time zone (its summary's `hourly_stats`).
public struct HourlyCallStats: Sendable, Equatable {
    public let date: String
    public let hour: Int
    public let totalCalls: Int
    /// Calls with a conversation (outcome `answered`).
    public let successfulCalls: Int
}

extension BatchStore {
    /// The batch's settled calls by local hour of placing. The calls are counted per quarter hour of
    /// UTC over an index-only scan (calls_settled_by_batch), then only those groups are turned into
    /// local hours: every zone's offset is a whole number of quarter hours, so a quarter never
    /// straddles two local hours, and the zone (looked up once) is applied to groups, not to calls.
    public func hourlyStats(batchKey: Int64) throws -> [HourlyCallStats] {
        try self.connection.query(
            """
            SELECT to_char(local_hour, 'YYYY-MM-DD') AS day, extract(hour FROM local_hour)::integer AS hour,
                sum(total) AS total, sum(answered) AS answered
            FROM (SELECT date_trunc('hour', quarter AT TIME ZONE (
                             SELECT coalesce(b.call_settings ->> 'timezone', a.timezone)
                             FROM batches b JOIN accounts a ON a.id = b.account_id WHERE b.id = \(batchKey))) AS local_hour,
                         total, answered
                  FROM (SELECT date_bin('15 minutes', c.created_at, timestamptz 'epoch') AS quarter, count(*) AS total,
                               count(*) FILTER (WHERE c.outcome = 'answered') AS answered
                        FROM calls c
                        WHERE c.batch_id = \(batchKey) AND c.settled_at IS NOT NULL
                        GROUP BY 1) AS quarters) AS hours
            GROUP BY local_hour
            ORDER BY local_hour
            """
        ).map { row in
            HourlyCallStats(
                date: try row.string("day"), hour: Int(try row.int("hour")), totalCalls: Int(try row.int("total")),
                successfulCalls: Int(try row.int("answered")))
        }
    }
}

public enum BatchError: Error, Sendable, Equatable {
    case notFound
}
