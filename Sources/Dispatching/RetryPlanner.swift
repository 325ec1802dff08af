import Batches
import Money
import Time

/// Where a job stands when one of its attempts ends.
public struct AttemptState: Sendable, Equatable {
    /// Attempts made so far, this one included (counted when the job was claimed).
    public var attempts: Int
    public var maxAttempts: Int
    /// The phone this attempt dialled, and how many the job has.
    public var phoneIndex: Int
    public var phoneCount: Int

    public init(attempts: Int, maxAttempts: Int, phoneIndex: Int, phoneCount: Int) {
        self.attempts = attempts
        self.maxAttempts = maxAttempts
        self.phoneIndex = phoneIndex
        self.phoneCount = phoneCount
    }
}

/// The whole change an ended attempt makes to its job: the store writes exactly this.
public struct JobChange: Sendable, Equatable {
    public var action: JobAction
    public var nextPhoneIndex: Int
    public var nextAttemptAt: Timestamp
    /// The provider's disconnection reason, or the outcome when there is none.
    public var lastOutcome: String
    public var lastError: String?
    /// The attempt does not count against `max_attempts` (our provider account failed, not the call).
    public var refundsAttempt = false
    /// The batch is paused (our provider account cannot place calls) and an event recorded.
    public var pausesBatch = false
}

/// Decides what follows an attempt (PRODUCT.md §7): pure, so every outcome is table-tested.
public enum RetryPlanner {
    /// Provider and network errors back off exponentially from 1 minute, capped at 1 hour, with
    /// ±10 % jitter so that retries of one outage do not all land at once.
    static let firstBackoffSeconds: Double = 60
    static let maxBackoffSeconds: Double = 3600

    /// - Parameters:
    ///   - batchCancelled: calls in flight when the batch was cancelled finish without retries.
    ///   - jitter: a number in 0..<1 (random in production, fixed in tests).
    public static func plan(
        _ outcome: CallOutcome, reason: String?, state: AttemptState, settings: CallSettings, batchCancelled: Bool,
        now: Timestamp, jitter: Double
    ) -> JobChange {
        let lastOutcome = reason ?? outcome.rawValue
        var change = JobChange(
            action: .complete, nextPhoneIndex: state.phoneIndex, nextAttemptAt: now, lastOutcome: lastOutcome)
        let nextPhone = state.phoneCount > 0 ? (state.phoneIndex + 1) % state.phoneCount : 0
        switch outcome {
        case .answered:
            return change
        case _ where batchCancelled:
            change.action = .abandon
            change.lastError = "The batch was cancelled during the call"
            return change
        case .accountProblem:
            change.action = .requeue
            change.refundsAttempt = true
            change.pausesBatch = true
            change.lastError = "The provider account cannot place calls (no valid payment); the batch was paused"
            return change
        case _ where state.attempts >= state.maxAttempts:
            change.action = .fail
            change.lastError = "No conversation after \(state.attempts) attempts (max_attempts \(state.maxAttempts))"
            return change
        case .noAnswer:
            change.action = .reschedule
            change.nextPhoneIndex = nextPhone
            change.nextAttemptAt = now.advanced(by: self.delay(hours: settings.delayHours(after: reason)))
        case .badNumber:
            guard state.phoneIndex + 1 < state.phoneCount else {
                change.action = .fail
                change.lastError = "No phone left to try (the last one was \(lastOutcome))"
                return change
            }
            change.action = .requeue
            change.nextPhoneIndex = state.phoneIndex + 1
        case .providerError, .lost:
            change.action = .reschedule
            let doublings = min(max(0, state.attempts - 1), 20)
            let seconds = min(Self.maxBackoffSeconds, Self.firstBackoffSeconds * Double(1 << doublings)) * (0.9 + 0.2 * jitter)
            change.nextAttemptAt = now.advanced(by: .milliseconds(Int64(seconds * 1000)))
            change.lastError = outcome == .lost
                ? "The call never reported back; closed as lost" : "Provider error (\(lastOutcome)); retrying"
        }
        return change
    }

    static func delay(hours: Amount) -> Duration {
        // Hours are exact to 4 decimals: ten-thousandths of an hour are 0.36 s.
        .milliseconds(hours.tenThousandths * 360)
    }
}

extension CallSettings {
    /// The retry delay after `reason`: its `retry_rules` entry, else `retry_delay_hours`.
    func delayHours(after reason: String?) -> Amount {
        self.retryRules.first(where: { $0.outcome == reason })?.delayHours ?? self.retryDelayHours
    }
}
