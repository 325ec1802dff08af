import Batches
import Money
import Providers
import Time

/// How an attempt ended.
public enum AttemptEnd: Sendable, Equatable {
    /// The provider's final report (webhook or poll).
    case reported(CallReport)
    /// The provider refused the call: none exists.
    case refused(reason: String)
    /// It never reported back before its hard limit.
    case lost
}

/// What happens to an attempt's credit hold.
public enum HoldEffect: Sendable, Equatable {
    /// Charge this much (at most the hold) and release the rest.
    case post(Amount)
    /// Release it all.
    case void
    /// No hold (unlimited plans): the usage is recorded with its cost.
    case recordUsage(cost: Amount)
}

/// The whole settlement of one attempt, decided without I/O: the call's final status and
/// outcome, its cost, the hold's fate and the job's change. `DispatchStore.settle` writes it.
public struct Settlement: Sendable, Equatable {
    /// `ended`, `not_placed` or `lost` (the calls table's final states).
    public var callStatus: String
    public var outcome: CallOutcome
    public var connected: Bool
    /// The money value of the call.
    public var cost: Amount
    /// Minutes talked (the batch's `total_minutes`).
    public var minutes: Amount
    public var hold: HoldEffect
    public var job: JobChange

    public static func decide(
        _ end: AttemptEnd, billing: Billing, holdAmount: Amount?, state: AttemptState, settings: CallSettings,
        batchCancelled: Bool, now: Timestamp, jitter: Double
    ) -> Settlement {
        let outcome: CallOutcome
        let callStatus: String
        // Only a call that took place costs anything; it costs what it lasted.
        var placed = false
        var connected = false
        var duration: Int64 = 0
        var reason: String?
        switch end {
        case .reported(let report):
            outcome = CallOutcome.of(report)
            callStatus = "ended"
            placed = true
            connected = CallOutcome.connected(report)
            duration = connected ? report.durationMilliseconds ?? 0 : 0
            reason = report.disconnectionReason
        case .refused:
            outcome = .providerError
            callStatus = "not_placed"
        case .lost:
            outcome = .lost
            callStatus = "lost"
        }
        let cost = placed ? billing.cost(connected: connected, durationMilliseconds: duration) : 0
        let charge = placed ? billing.charge(connected: connected, durationMilliseconds: duration) : 0
        let hold: HoldEffect
        if billing.unit == nil {
            hold = .recordUsage(cost: cost)
        } else if let holdAmount, charge > 0 {
            hold = .post(min(charge, holdAmount))
        } else {
            hold = .void
        }
        let job = RetryPlanner.plan(
            outcome, reason: reason, state: state, settings: settings, batchCancelled: batchCancelled, now: now,
            jitter: jitter)
        return Settlement(
            callStatus: callStatus, outcome: outcome, connected: connected, cost: cost,
            minutes: connected ? Billing.minutes(seconds: Billing.billedSeconds(duration)) : 0, hold: hold, job: job)
    }
}
