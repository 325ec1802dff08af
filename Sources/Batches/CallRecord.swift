import Money
import PostgreSQL
import Time

/// One attempt to call, as clients read it (the job's `call_result`, the call history, a call's
/// detail). The dispatcher writes `calls`; this is its read side.
public struct CallRecord: Sendable {
    /// Our id (`att_…`), sent to the provider in the call's metadata.
    public let attemptId: String
    public let providerCallId: String?
    public let attempt: Int
    public let phone: String
    /// placing, placed, ended, not_placed or lost.
    public let status: String
    /// The provider's own status (`ended`, `error`, `not_connected`, …).
    public let callStatus: String?
    /// Our reading of the result (`Dispatching.CallOutcome`).
    public let outcome: String?
    public let disconnectionReason: String?
    public let agentId: String?
    public let durationMs: Int64?
    public let chargedCost: Amount?
    public let chargedMinutes: Amount?
    public let recordingURL: String?
    public let publicLogURL: String?
    public let analysisJSON: String?
    public let collectedVariablesJSON: String?
    public let lastError: String?
    public let createdAt: Timestamp
    public let acceptedAt: Timestamp?
    public let startedAt: Timestamp?
    public let endedAt: Timestamp?
    public let settledAt: Timestamp?

    /// The columns `init(row:)` reads, from `calls c`, each named `call_…` so that they sit
    /// beside a job's own columns without a clash.
    public static let columns: StaticString = """
        c.attempt_id AS call_attempt_id, c.provider_call_id AS call_provider_call_id, c.attempt AS call_attempt,
        c.phone AS call_phone, c.status AS call_status, c.call_status AS call_provider_status,
        c.outcome AS call_outcome, c.disconnection_reason AS call_disconnection_reason, c.agent_id AS call_agent_id,
        c.duration_ms AS call_duration_ms, c.charged_cost AS call_charged_cost, c.charged_minutes AS call_charged_minutes,
        c.recording_url AS call_recording_url, c.public_log_url AS call_public_log_url,
        c.analysis::text AS call_analysis, c.collected_variables::text AS call_collected_variables,
        c.last_error AS call_last_error, c.created_at AS call_created_at, c.accepted_at AS call_accepted_at,
        c.started_at AS call_started_at, c.ended_at AS call_ended_at, c.settled_at AS call_settled_at
        """

    /// Nil when the row has no call (a job never called, through a LEFT JOIN).
    public init?(row: Row) throws {
        guard let attemptId = try row.optionalString("call_attempt_id") else { return nil }
        self.attemptId = attemptId
        self.providerCallId = try row.optionalString("call_provider_call_id")
        self.attempt = Int(try row.int("call_attempt"))
        self.phone = try row.string("call_phone")
        self.status = try row.string("call_status")
        self.callStatus = try row.optionalString("call_provider_status")
        self.outcome = try row.optionalString("call_outcome")
        self.disconnectionReason = try row.optionalString("call_disconnection_reason")
        self.agentId = try row.optionalString("call_agent_id")
        self.durationMs = try row.optionalInt("call_duration_ms")
        self.chargedCost = try row.optionalAmount("call_charged_cost")
        self.chargedMinutes = try row.optionalAmount("call_charged_minutes")
        self.recordingURL = try row.optionalString("call_recording_url")
        self.publicLogURL = try row.optionalString("call_public_log_url")
        self.analysisJSON = try row.optionalJSONText("call_analysis")
        self.collectedVariablesJSON = try row.optionalJSONText("call_collected_variables")
        self.lastError = try row.optionalString("call_last_error")
        self.createdAt = try row.timestamp("call_created_at")
        self.acceptedAt = try row.optionalTimestamp("call_accepted_at")
        self.startedAt = try row.optionalTimestamp("call_started_at")
        self.endedAt = try row.optionalTimestamp("call_ended_at")
        self.settledAt = try row.optionalTimestamp("call_settled_at")
    }

    /// Whether the call reached the person: the outcome the dispatcher read as answered.
    public var answered: Bool { self.outcome == "answered" }
}
