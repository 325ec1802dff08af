/// Where a batch stands (api-reference "Estados de Batch"). `is_active` on the wire is `status == .active`.
public enum BatchStatus: String, Sendable, CaseIterable {
    case active
    case paused
    case completed
    case cancelled
}

/// Where a job stands (api-reference "Estados de Job"); `done` is accepted as a filter alias of `completed`.
public enum JobStatus: String, Sendable, CaseIterable {
    case pending
    case scheduled
    case inProgress = "in_progress"
    case completed
    case failed
    case suspended
    case cancelled

    /// A finished job: it is never dialled again and carries its `completed_at`.
    public var isFinished: Bool { self == .completed || self == .failed || self == .cancelled }

    /// The `batches` column that counts a batch's jobs in this status (kept by the jobs triggers,
    /// sql/migrations/003_batches_and_jobs.sql).
    public var counterColumn: StaticString {
        switch self {
        case .pending: "pending_jobs"
        case .scheduled: "scheduled_jobs"
        case .inProgress: "in_progress_jobs"
        case .completed: "completed_jobs"
        case .failed: "failed_jobs"
        case .suspended: "suspended_jobs"
        case .cancelled: "cancelled_jobs"
        }
    }
}

/// How contacts become jobs: grouped from a spreadsheet (`basic`, `acquisition`) or given as JSON.
public enum ProcessingType: String, Sendable, CaseIterable {
    case basic
    case acquisition
    case json
}

/// What the calls of a batch are for; decides the payload every call carries.
public enum UseCase: String, Sendable, CaseIterable {
    case debtCollection = "debt_collection"
    case marketing

    public var displayName: String {
        switch self {
        case .debtCollection: return "Cobranza de Deudas"
        case .marketing: return "Marketing"
        }
    }

    public var summary: String {
        switch self {
        case .debtCollection: return "Llamadas automáticas para recordar pagos pendientes"
        case .marketing: return "Campañas de marketing y promociones"
        }
    }

    /// Marketing contacts are called fewer times than debtors (the previous system's defaults).
    public var defaultMaxAttempts: Int {
        switch self {
        case .debtCollection: return 3
        case .marketing: return 2
        }
    }
}
