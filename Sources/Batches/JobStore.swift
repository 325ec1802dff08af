import PostgreSQL
import Time

/// Filters of a job list; nil means "any".
public struct JobFilter: Sendable {
    public var accountKey: Int64?
    public var batchKey: Int64?
    public var status: JobStatus?
    public var createdFrom: Timestamp?
    /// Exclusive.
    public var createdTo: Timestamp?

    public init() {}
}

/// Jobs in PostgreSQL: reads and the client's transitions (retry, cancel).
public struct JobStore {
    let connection: Connection

    public init(connection: Connection) {
        self.connection = connection
    }

    /// A job by `job_id` (`job-` + its `_id`) or `_id`. Jobs of a deleted batch stay readable
    /// (cancelled) unless they were deleted with it.
    public func find(_ reference: String) throws -> Job? {
        let objectId = reference.hasPrefix("job-") ? String(reference.dropFirst(4)) : reference
        return try self.first("j.object_id = \(objectId)")
    }

    public func find(key: Int64) throws -> Job? {
        try self.first("j.id = \(key)")
    }

    private func first(_ condition: SQLQuery) throws -> Job? {
        let rows = try self.connection.query(
            """
            SELECT \(literal: Job.columns) FROM \(Job.source)
            WHERE \(condition)
            """)
        return try rows.first.map(Job.init(row:))
    }

    /// One page, newest first, and the total matching the filter. Jobs a deleted batch kept are
    /// listed (cancelled), like any other.
    public func list(_ filter: JobFilter, limit: Int, skip: Int) throws -> (jobs: [Job], total: Int) {
        var conditions: [SQLQuery] = []
        if let key = filter.accountKey { conditions.append("j.account_id = \(key)") }
        if let key = filter.batchKey { conditions.append("j.batch_id = \(key)") }
        if let status = filter.status { conditions.append("j.status = \(status.rawValue)") }
        if let from = filter.createdFrom { conditions.append("j.created_at >= \(from)") }
        if let to = filter.createdTo { conditions.append("j.created_at < \(to)") }
        let matching = SQLQuery.whereAll(conditions)
        let rows = try self.connection.query(
            """
            SELECT \(literal: Job.columns) FROM \(Job.source)
            \(matching)
            ORDER BY j.id DESC
            LIMIT \(limit) OFFSET \(skip)
            """)
        let total: Int64
        if filter.createdFrom == nil && filter.createdTo == nil {
            // From the batches' counters (the jobs triggers keep them): a page must not count a million
            // jobs to say how many there are.
            let counter = BatchStore.counterSum(
                filter.status?.counterColumn ?? "total_jobs", accountKey: filter.accountKey, batchKey: filter.batchKey)
            total = try self.connection.query("SELECT \(counter) AS total")[0].int("total")
        } else {
            total = try self.connection.query("SELECT count(*) AS total FROM jobs j \(matching)")[0].int("total")
        }
        return (try rows.map(Job.init(row:)), Int(total))
    }

    /// A failed or cancelled job back to pending, from its first phone with no attempts; refused
    /// in a cancelled batch.
    public func retry(key: Int64, batchKey: Int64) throws -> Job {
        try self.change(key: key, batchKey: batchKey, .retry) { batchStatus in
            guard batchStatus != .cancelled else {
                throw TransitionRefused(code: "BATCH_CANCELLED", message: "The job's batch is cancelled; its jobs cannot be retried")
            }
            try self.connection.query(
                """
                UPDATE jobs SET status = 'pending', attempts = 0, next_phone_index = 0, next_attempt_at = now(),
                    last_error = NULL, last_outcome = NULL, cancellation_reason = NULL, started_at = NULL,
                    completed_at = NULL
                WHERE id = \(key)
                """)
        }
    }

    /// A job that has not been called yet (pending, scheduled, suspended) will not be; the row stays.
    public func cancel(key: Int64, batchKey: Int64, reason: String?) throws -> Job {
        try self.change(key: key, batchKey: batchKey, .cancel) { _ in
            try self.connection.query(
                "UPDATE jobs SET status = 'cancelled', cancellation_reason = \(reason ?? "Cancelled by the user") WHERE id = \(key)")
        }
    }

    /// Before a top-up locks its account: the batches that hold the account's suspended jobs, so
    /// that `unsuspend` keeps the lock order (batches before accounts; sql/migrations/004_dispatch.sql).
    public func lockBatchesOfSuspendedJobs(accountKey: Int64) throws {
        try self.connection.query(
            """
            SELECT id FROM batches
            WHERE id IN (SELECT DISTINCT batch_id FROM jobs WHERE account_id = \(accountKey) AND status = 'suspended')
            ORDER BY id FOR NO KEY UPDATE
            """)
    }

    /// After a top-up: the account's suspended jobs are due again (the dispatcher suspends a job
    /// whose call the account could not pay for). Returns how many.
    @discardableResult
    public func unsuspend(accountKey: Int64) throws -> Int {
        try self.connection.query(
            """
            UPDATE jobs SET status = 'pending', next_attempt_at = now(), last_error = NULL
            WHERE account_id = \(accountKey) AND status = 'suspended'
            """
        ).affectedRows
    }

    /// Locks the batch, then the job (the order every lifecycle change uses), checks the
    /// transition against the job's current status, and runs `update`.
    private func change(
        key: Int64, batchKey: Int64, _ action: JobAction, _ update: (BatchStatus) throws -> Void
    ) throws -> Job {
        try self.connection.transaction {
            let batchStatus = try BatchStore(connection: self.connection).lockStatus(key: batchKey)
            guard let job = try self.connection.query(
                    "SELECT status FROM jobs WHERE id = \(key) AND batch_id = \(batchKey) FOR UPDATE").first,
                let status = JobStatus(rawValue: try job.string("status"))
            else { throw BatchError.notFound }
            _ = try JobTransitions.apply(action, to: status)
            try update(batchStatus)
            guard let changed = try self.find(key: key) else { throw BatchError.notFound }
            return changed
        }
    }
}
