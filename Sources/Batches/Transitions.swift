/// What a client (or the dispatcher) asks a batch to do.
public enum BatchAction: String, Sendable, CaseIterable {
    case pause
    case resume
    case cancel
    case delete
}

/// What a client (or the dispatcher) asks a job to do.
public enum JobAction: String, Sendable, CaseIterable {
    /// A client: a failed or cancelled job is called again from its first phone.
    case retry
    /// A client: a job that has not started (or is waiting) will not be called.
    case cancel
    /// The dispatcher: a due job is being called.
    case claim
    /// The dispatcher: the account cannot pay for the call.
    case suspend
    /// The dispatcher, after a top-up: a suspended job is due again.
    case unsuspend
    /// The dispatcher: a call ended with a conversation.
    case complete
    /// The dispatcher: a call ended without one and another attempt will follow.
    case reschedule
    /// The dispatcher: attempts or phones are exhausted, or the outcome is final.
    case fail
    /// The dispatcher: a scheduled job's time has come.
    case release
    /// The dispatcher: the attempt is over and the job is due again at once (the next phone of a
    /// bad number, a call the provider refused).
    case requeue
    /// The dispatcher: a call of a cancelled batch ended without a conversation; no retry follows.
    case abandon
}

/// A transition the state tables do not allow (answered 409 with `code` and `message`).
public struct TransitionRefused: Error, Sendable, Equatable {
    public let code: String
    public let message: String
}

/// The batch lifecycle of the API document's state table as a pure function: pause and resume
/// move between active and paused; cancel is irreversible; completed is reached (and left) only
/// through the jobs, which the database derives; delete hides a batch in any state.
public enum BatchTransitions {
    public static func apply(_ action: BatchAction, to status: BatchStatus) throws(TransitionRefused) -> BatchStatus {
        switch (action, status) {
        case (.pause, .active), (.pause, .paused): return .paused
        case (.resume, .paused), (.resume, .active): return .active
        case (.cancel, .active), (.cancel, .paused): return .cancelled
        case (.delete, .completed): return .completed
        case (.delete, _): return .cancelled
        case (_, .cancelled):
            throw TransitionRefused(code: "BATCH_CANCELLED", message: "The batch is cancelled; it cannot \(action.rawValue)")
        case (_, .completed):
            throw TransitionRefused(
                code: "BATCH_COMPLETED", message: "The batch is completed (every job is finished); it cannot \(action.rawValue)")
        }
    }
}

/// The job lifecycle of the API document's state table as a pure function.
public enum JobTransitions {
    public static func apply(_ action: JobAction, to status: JobStatus) throws(TransitionRefused) -> JobStatus {
        switch (action, status) {
        case (.retry, .failed), (.retry, .cancelled): return .pending
        case (.cancel, .pending), (.cancel, .scheduled), (.cancel, .suspended): return .cancelled
        case (.claim, .pending), (.claim, .scheduled): return .inProgress
        case (.suspend, .pending), (.suspend, .scheduled): return .suspended
        case (.unsuspend, .suspended): return .pending
        case (.complete, .inProgress): return .completed
        case (.reschedule, .inProgress): return .scheduled
        case (.fail, .inProgress): return .failed
        case (.release, .scheduled): return .pending
        case (.requeue, .inProgress): return .pending
        case (.abandon, .inProgress): return .cancelled
        default:
            throw TransitionRefused(code: "JOB_STATE_CONFLICT", message: JobTransitions.refusal(action, status))
        }
    }

    static func refusal(_ action: JobAction, _ status: JobStatus) -> String {
        switch (action, status) {
        case (.retry, _): return "Only failed or cancelled jobs can be retried; this one is \(status.rawValue)"
        case (.cancel, .inProgress): return "The job is being called; it cannot be cancelled until the call ends"
        case (.cancel, .cancelled): return "The job is already cancelled"
        case (.cancel, _): return "The job is \(status.rawValue); only jobs not yet called can be cancelled"
        default: return "A \(status.rawValue) job cannot \(action.rawValue)"
        }
    }
}
