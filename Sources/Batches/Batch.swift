import Money
import PostgreSQL
import Time

/// A campaign: its settings and the counters the database keeps in step with its jobs.
public struct Batch: Sendable {
    /// The row's primary key (never on the wire).
    public let key: Int64
    public let batchId: String
    public let objectId: String
    public let accountKey: Int64
    public let accountId: String
    /// The account's time zone: the default of `call_settings.timezone`.
    public let accountTimezone: String
    public let name: String
    public let description: String
    public let status: BatchStatus
    public let priority: Int
    public let country: String
    public let useCase: UseCase
    public let processingType: ProcessingType
    public let sourceFilename: String?
    /// Canonical `CallSettings` JSON, or nil for the defaults.
    public let callSettingsJSON: String?
    public let useCaseSettingsJSON: String
    public let retellAgentId: String?
    public let estimatedCost: Amount
    public let counts: JobCounts
    public let totalCost: Amount
    public let totalMinutes: Amount
    public let cancellationReason: String?
    public let createdAt: Timestamp
    public let updatedAt: Timestamp
    public let startedAt: Timestamp?
    public let completedAt: Timestamp?
    public let cancelledAt: Timestamp?
    /// Why the dispatcher does not dial this active batch right now (its window, the law's hours,
    /// a public holiday, a suspended account), or nil (sql/migrations/006_held_back_reasons.sql).
    public let callingHeldBackBy: String?

    public var isActive: Bool { self.status == .active }

    /// The columns `init(row:)` reads; the query must join `accounts a` on `b.account_id = a.id`.
    static let columns: StaticString = """
        b.id, b.batch_id, b.object_id, b.account_id AS account_key, a.account_id, a.timezone AS account_timezone, b.name, b.description, b.status,
        b.priority, b.country, b.use_case, b.processing_type, b.source_filename, b.call_settings::text AS call_settings,
        b.use_case_settings::text AS use_case_settings, b.retell_agent_id, b.estimated_cost, b.total_jobs,
        b.pending_jobs, b.scheduled_jobs, b.in_progress_jobs, b.completed_jobs, b.failed_jobs, b.suspended_jobs,
        b.cancelled_jobs, b.total_cost, b.total_minutes, b.cancellation_reason, b.created_at, b.updated_at,
        b.started_at, b.completed_at, b.cancelled_at,
        speechai_batch_held_back(b, a.status, a.timezone, now()) AS calling_held_back_by
        """

    init(row: Row) throws {
        self.key = try row.int("id")
        self.batchId = try row.string("batch_id")
        self.objectId = try row.string("object_id")
        self.accountKey = try row.int("account_key")
        self.accountId = try row.string("account_id")
        self.accountTimezone = try row.string("account_timezone")
        self.name = try row.string("name")
        self.description = try row.string("description")
        guard let status = BatchStatus(rawValue: try row.string("status")),
            let useCase = UseCase(rawValue: try row.string("use_case")),
            let processing = ProcessingType(rawValue: try row.string("processing_type"))
        else { throw RowDecodingError(column: "status/use_case/processing_type", expected: "known value") }
        self.status = status
        self.useCase = useCase
        self.processingType = processing
        self.priority = Int(try row.int("priority"))
        self.country = try row.string("country")
        self.sourceFilename = try row.optionalString("source_filename")
        self.callSettingsJSON = try row.optionalJSONText("call_settings")
        self.useCaseSettingsJSON = try row.string("use_case_settings")
        self.retellAgentId = try row.optionalString("retell_agent_id")
        self.estimatedCost = try row.amount("estimated_cost")
        self.counts = JobCounts(
            total: Int(try row.int("total_jobs")), pending: Int(try row.int("pending_jobs")),
            scheduled: Int(try row.int("scheduled_jobs")), inProgress: Int(try row.int("in_progress_jobs")),
            completed: Int(try row.int("completed_jobs")), failed: Int(try row.int("failed_jobs")),
            suspended: Int(try row.int("suspended_jobs")), cancelled: Int(try row.int("cancelled_jobs")))
        self.totalCost = try row.amount("total_cost")
        self.totalMinutes = try row.amount("total_minutes")
        self.cancellationReason = try row.optionalString("cancellation_reason")
        self.createdAt = try row.timestamp("created_at")
        self.updatedAt = try row.timestamp("updated_at")
        self.startedAt = try row.optionalTimestamp("started_at")
        self.completedAt = try row.optionalTimestamp("completed_at")
        self.cancelledAt = try row.optionalTimestamp("cancelled_at")
        self.callingHeldBackBy = try row.optionalString("calling_held_back_by")
    }
}

/// How many of a batch's jobs are in each state.
public struct JobCounts: Sendable, Equatable {
    public var total: Int
    public var pending: Int
    public var scheduled: Int
    public var inProgress: Int
    public var completed: Int
    public var failed: Int
    public var suspended: Int
    public var cancelled: Int

    public init(
        total: Int, pending: Int, scheduled: Int, inProgress: Int, completed: Int, failed: Int, suspended: Int,
        cancelled: Int
    ) {
        self.total = total
        self.pending = pending
        self.scheduled = scheduled
        self.inProgress = inProgress
        self.completed = completed
        self.failed = failed
        self.suspended = suspended
        self.cancelled = cancelled
    }
}
