import Providers

/// How the dispatcher reads a finished call (PRODUCT.md §7), from Retell's `call_status` and
/// `disconnection_reason`.
public enum CallOutcome: String, Sendable, CaseIterable {
    /// A conversation took place: the job is completed.
    case answered
    /// Nobody (or a machine) answered: retried after the outcome's delay, on the next phone.
    case noAnswer = "no_answer"
    /// The number cannot be called: the next phone now; none left, the job fails.
    case badNumber = "bad_number"
    /// The provider or the network failed: the same phone again, with exponential backoff.
    case providerError = "provider_error"
    /// Our provider account cannot place calls (`no_valid_payment`): the batch is paused.
    case accountProblem = "account_problem"
    /// The call never reported back before its hard limit (closed by the rescue).
    case lost

    static let answeredReasons: Set<String> = [
        "user_hangup", "agent_hangup", "call_transfer", "inactivity", "max_duration_reached", "transfer_bridged",
        "transfer_cancelled",
    ]
    static let noAnswerReasons: Set<String> = [
        "dial_no_answer", "dial_busy", "voicemail_reached", "ivr_reached", "concurrency_limit_reached",
        "no_concurrency_fallback", "telephony_provider_unavailable",
    ]
    static let badNumberReasons: Set<String> = [
        "invalid_destination", "dial_failed", "marked_as_spam", "user_declined", "scam_detected",
        "telephony_provider_permission_denied", "sip_routing_error",
    ]

    /// The outcome of a final report.
    public static func of(_ report: CallReport) -> CallOutcome {
        let reason = report.disconnectionReason ?? ""
        if Self.answeredReasons.contains(reason) { return .answered }
        if Self.noAnswerReasons.contains(reason) { return .noAnswer }
        if Self.badNumberReasons.contains(reason) { return .badNumber }
        if reason == "no_valid_payment" { return .accountProblem }
        return .providerError
    }

    /// Whether the call connected (charged by its duration rather than `cost_failed_call`).
    public static func connected(_ report: CallReport) -> Bool {
        report.callStatus == "ended" && (report.durationMilliseconds ?? 0) > 0
    }
}
