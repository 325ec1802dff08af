import Batches
import Money
import PostgreSQL
import Time

/// The dashboard's figures for one account or all of them, summed from the batches' counters
/// (kept by the jobs trigger and by settlement): one query over batches, none over jobs or calls.
public struct DashboardFigures: Sendable {
    public struct Batches: Sendable {
        public let total, active, paused, completed, cancelled: Int64
    }
    public struct Jobs: Sendable {
        public let total: Int64
        /// Every status, in `JobStatus.allCases` order.
        public let byStatus: [(status: JobStatus, count: Int64)]

        public func count(_ status: JobStatus) -> Int64 { self.byStatus.first { $0.status == status }?.count ?? 0 }
    }

    public let batches: Batches
    public let jobs: Jobs
    public let totalCost: Amount
    public let totalMinutes: Amount
    public let settledCalls: Int64

    /// completed / (completed + failed) × 100, to two decimals; 0 when nothing has finished.
    public var successRate: Amount {
        let completed = self.jobs.count(.completed)
        let finished = completed + self.jobs.count(.failed)
        guard finished > 0 else { return .zero }
        return Amount(tenThousandths: (completed * 10_000 + finished / 2) / finished * 100)
    }

    /// The spend per settled call, to four decimals; 0 without calls.
    public var averagePerCall: Amount {
        guard self.settledCalls > 0 else { return .zero }
        return Amount(tenThousandths: (self.totalCost.tenThousandths + self.settledCalls / 2) / self.settledCalls)
    }
}

public struct DashboardStore {
    let connection: Connection

    public init(connection: Connection) {
        self.connection = connection
    }

    /// Batches counted are the visible ones; jobs, costs and calls include those a deleted batch
    /// kept, because that money was spent and those people were called.
    public func figures(accountKey: Int64?) throws -> DashboardFigures {
        let row = try self.connection.query(
            """
            SELECT count(*) FILTER (WHERE deleted_at IS NULL) AS batches,
                count(*) FILTER (WHERE deleted_at IS NULL AND status = 'active') AS active,
                count(*) FILTER (WHERE deleted_at IS NULL AND status = 'paused') AS paused,
                count(*) FILTER (WHERE deleted_at IS NULL AND status = 'completed') AS completed,
                count(*) FILTER (WHERE deleted_at IS NULL AND status = 'cancelled') AS cancelled,
                coalesce(sum(total_jobs), 0) AS total_jobs, coalesce(sum(pending_jobs), 0) AS pending_jobs,
                coalesce(sum(scheduled_jobs), 0) AS scheduled_jobs, coalesce(sum(in_progress_jobs), 0) AS in_progress_jobs,
                coalesce(sum(completed_jobs), 0) AS completed_jobs, coalesce(sum(failed_jobs), 0) AS failed_jobs,
                coalesce(sum(suspended_jobs), 0) AS suspended_jobs, coalesce(sum(cancelled_jobs), 0) AS cancelled_jobs,
                coalesce(sum(total_cost), 0) AS total_cost, coalesce(sum(total_minutes), 0) AS total_minutes,
                coalesce(sum(settled_calls), 0) AS settled_calls
            FROM batches
            WHERE (\(accountKey)::bigint IS NULL OR account_id = \(accountKey))
            """)[0]
        return DashboardFigures(
            batches: .init(
                total: try row.int("batches"), active: try row.int("active"), paused: try row.int("paused"),
                completed: try row.int("completed"), cancelled: try row.int("cancelled")),
            jobs: .init(
                total: try row.int("total_jobs"),
                byStatus: try JobStatus.allCases.map { ($0, try row.int($0.counterColumn.description)) }),
            totalCost: try row.amount("total_cost"), totalMinutes: try row.amount("total_minutes"),
            settledCalls: try row.int("settled_calls"))
    }
}
