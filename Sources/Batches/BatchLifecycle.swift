import Accounts
import JSON
import PostgreSQL

/// Changes to a batch by `PATCH /batches/{id}`; nil leaves a field as it is.
public struct BatchChanges: Sendable {
    public var name: String?
    public var description: String?
    public var priority: Int?
    /// `.some(nil)` clears the settings (back to the defaults).
    public var callSettings: CallSettings??
    /// true resumes, false pauses.
    public var isActive: Bool?

    public init() {}

    /// The wire names of the fields that will change, for the response.
    public var fieldNames: [String] {
        var names: [String] = []
        if self.name != nil { names.append("name") }
        if self.description != nil { names.append("description") }
        if self.priority != nil { names.append("priority") }
        if self.callSettings != nil { names.append("call_settings") }
        if self.isActive != nil { names.append("is_active") }
        return names
    }
}

/// What a lifecycle operation did.
public struct BatchOutcome: Sendable {
    public let batch: Batch
    /// Jobs cancelled (cancel, delete) or deleted (delete with its jobs).
    public let jobsChanged: Int
}

extension BatchStore {
    /// Locks the batch row for the rest of the transaction and returns its status. Every
    /// lifecycle change takes this lock first (then job rows), so they never deadlock each other.
    func lockStatus(key: Int64) throws -> BatchStatus {
        let rows = try self.connection.query(
            "SELECT status FROM batches WHERE id = \(key) AND deleted_at IS NULL FOR NO KEY UPDATE")
        guard let row = rows.first, let status = BatchStatus(rawValue: try row.string("status")) else {
            throw BatchError.notFound
        }
        return status
    }

    /// Resume (true) or pause (false), as `PUT …/resume|pause`; idempotent in the allowed states.
    public func setActive(_ active: Bool, key: Int64, accountKey: Int64) throws -> Batch {
        var changes = BatchChanges()
        changes.isActive = active
        return try self.update(key: key, accountKey: accountKey, changes)
    }

    /// Applies `changes` in one transaction (one UPDATE, so `updated_at` moves once).
    public func update(key: Int64, accountKey: Int64, _ changes: BatchChanges) throws -> Batch {
        try self.connection.transaction {
            let current = try self.lockStatus(key: key)
            var status = current
            if let isActive = changes.isActive {
                status = try BatchTransitions.apply(isActive ? .resume : .pause, to: current)
            }
            let clearsSettings = changes.callSettings.map { $0 == nil } ?? false
            let settings = changes.callSettings??.json.serializedString
            let updated = try self.connection.query(
                """
                UPDATE batches SET
                    name = coalesce(\(changes.name), name),
                    description = coalesce(\(changes.description), description),
                    priority = coalesce(\(changes.priority), priority),
                    call_settings = CASE WHEN \(clearsSettings) THEN NULL ELSE coalesce(\(settings)::jsonb, call_settings) END,
                    status = \(status.rawValue),
                    updated_at = now()
                WHERE id = \(key)
                RETURNING batch_id, name
                """)[0]
            if status != current {
                try self.record(
                    accountKey: accountKey, updated, status == .paused ? "batch_paused" : "batch_resumed",
                    status == .paused ? "paused" : "resumed")
            }
            guard let batch = try self.find(key: key) else { throw BatchError.notFound }
            return batch
        }
    }

    /// Cancels the batch for good: every job not yet finished (pending, scheduled, suspended)
    /// becomes cancelled with `reason`; calls in flight finish and are not retried.
    public func cancel(key: Int64, accountKey: Int64, reason: String?) throws -> BatchOutcome {
        try self.connection.transaction {
            _ = try BatchTransitions.apply(.cancel, to: try self.lockStatus(key: key))
            let reason = reason ?? "Batch cancelled"
            // The batch first, so that the job counters' trigger sees it cancelled and leaves its status alone.
            let updated = try self.connection.query(
                """
                UPDATE batches SET status = 'cancelled', cancelled_at = now(), cancellation_reason = \(reason)
                WHERE id = \(key)
                RETURNING batch_id, name
                """)[0]
            let cancelled = try self.cancelUnfinishedJobs(batchKey: key, reason: reason)
            try self.record(accountKey: accountKey, updated, "batch_cancelled", "cancelled", details: reason)
            guard let batch = try self.find(key: key) else { throw BatchError.notFound }
            return BatchOutcome(batch: batch, jobsChanged: cancelled)
        }
    }

    /// Hides the batch. Its unfinished jobs are cancelled, or with `deleteJobs` every job is
    /// deleted (refused while a call is in flight). Ledger rows and call records stay.
    public func delete(key: Int64, accountKey: Int64, deleteJobs: Bool) throws -> Int {
        try self.connection.transaction {
            let status = try BatchTransitions.apply(.delete, to: try self.lockStatus(key: key))
            if deleteJobs {
                let inFlight = try self.connection.query(
                    "SELECT count(*) AS n FROM jobs WHERE batch_id = \(key) AND status = 'in_progress'")[0].int("n")
                guard inFlight == 0 else {
                    throw TransitionRefused(
                        code: "CALLS_IN_PROGRESS",
                        message: "\(inFlight) calls of this batch are in progress; pause it and delete it once they end")
                }
            }
            let updated = try self.connection.query(
                """
                UPDATE batches SET status = \(status.rawValue), deleted_at = now(),
                    cancelled_at = CASE WHEN \(status.rawValue) = 'cancelled' THEN coalesce(cancelled_at, now()) END,
                    cancellation_reason = coalesce(cancellation_reason, 'Batch deleted')
                WHERE id = \(key)
                RETURNING batch_id, name
                """)[0]
            let changed: Int
            if deleteJobs {
                changed = try self.connection.query("DELETE FROM jobs WHERE batch_id = \(key)").affectedRows
            } else {
                changed = try self.cancelUnfinishedJobs(batchKey: key, reason: "Batch deleted")
            }
            try self.record(accountKey: accountKey, updated, "batch_deleted", "deleted", details: deleteJobs ? "with its jobs" : nil)
            return changed
        }
    }

    private func cancelUnfinishedJobs(batchKey: Int64, reason: String) throws -> Int {
        try self.connection.query(
            """
            UPDATE jobs SET status = 'cancelled', cancellation_reason = \(reason)
            WHERE batch_id = \(batchKey) AND status IN ('pending', 'scheduled', 'suspended')
            """
        ).affectedRows
    }

    /// An entry in the activity feed: "Batch 'Cobranza octubre' paused"; `batch` is the changed
    /// row's `batch_id` and `name`, as the UPDATE returned them.
    private func record(accountKey: Int64, _ batch: Row, _ type: String, _ verb: String, details: String? = nil) throws {
        try Events(connection: self.connection).record(
            accountKey: accountKey, type: type,
            message: "Batch '\(try batch.string("name"))' \(verb)\(details.map { ": \($0)" } ?? "")",
            detailsJSON: JSON.object(["batch_id": .string(try batch.string("batch_id"))]).serializedString)
    }
}
