import Accounts
import Foundation
import JSON
import Metrics
import PostgreSQL
import Providers
import Threads
import Time

/// What one pass did, for the log line and the tests.
public struct PassReport: Sendable, Equatable {
    public var polled = 0
    public var settled = 0
    public var lost = 0
    public var holdsExpired = 0
    public var claimed = 0
    public var placed = 0
    public var refused = 0
    public var uncertain = 0
    public var suspended = 0
    public var failedDoNotCall = 0
    public var heldBack = 0

    public init() {}

    public var line: String {
        "polled=\(self.polled) settled=\(self.settled) lost=\(self.lost) holds_expired=\(self.holdsExpired) "
            + "claimed=\(self.claimed) placed=\(self.placed) refused=\(self.refused) uncertain=\(self.uncertain) "
            + "suspended=\(self.suspended) do_not_call=\(self.failedDoNotCall) held_back=\(self.heldBack)"
    }

    /// The pass's figures as `/internal/metrics` counts them (`speechai_dispatcher_events_total`).
    var counters: [(name: String, label: String, count: Int)] {
        [
            ("passes", 1), ("polled", self.polled), ("settled", self.settled), ("lost", self.lost),
            ("holds_expired", self.holdsExpired), ("claimed", self.claimed), ("placed", self.placed),
            ("refused", self.refused), ("uncertain", self.uncertain), ("suspended", self.suspended),
            ("do_not_call", self.failedDoNotCall), ("held_back", self.heldBack),
        ].map { (MetricCounters.dispatcher, $0.0, $0.1) }
    }
}

/// One dispatcher pass (PRODUCT.md §7): rescue and settle what is open, then claim, hold and
/// place due calls in batches until nothing is due or the budget is spent. Any crash at any point
/// loses no money and dials no one twice: an attempt is written before its provider is asked, and
/// an open attempt is only ever resolved by a report, a poll or the rescue.
public final class Dispatcher {
    public struct Configuration: Sendable {
        public var provider: any CallProvider
        public var fromNumber: String?
        public var defaultAgentId: String?
        /// Jobs claimed per transaction.
        public var claimBatchSize = 200
        /// Calls placed with the provider at once.
        public var placementConcurrency = 16
        public var clock: @Sendable () -> Timestamp = Timestamp.now
        /// When a placed call is first polled, and when an attempt nothing is known of is lost.
        public var timing: DispatchStore.Timing

        public init(provider: any CallProvider, fromNumber: String?, defaultAgentId: String?, timing: DispatchStore.Timing) {
            self.provider = provider
            self.fromNumber = fromNumber
            self.defaultAgentId = defaultAgentId
            self.timing = timing
        }
    }

    let connection: Connection
    let configuration: Configuration
    var store: DispatchStore { DispatchStore(connection: self.connection) }

    public init(connection: Connection, configuration: Configuration) {
        self.connection = connection
        self.configuration = configuration
    }

    public func pass(budget: Duration) throws -> PassReport {
        let started = ContinuousClock.now
        var report = PassReport()
        try self.rescue(&report)
        // Once a pass: holds outlive their calls by an hour, so a sweep per pass is soon enough.
        report.holdsExpired += try Ledger(connection: self.connection).expireDue(now: self.configuration.clock())
        while ContinuousClock.now - started < budget {
            let claim = try self.store.claim(
                now: self.configuration.clock(), limit: self.configuration.claimBatchSize,
                provider: self.configuration.provider.name,
                timing: self.configuration.timing,
                defaultAgentId: self.configuration.defaultAgentId)
            report.claimed += claim.calls.count
            report.suspended += claim.suspended
            report.failedDoNotCall += claim.failedDoNotCall
            report.heldBack += claim.heldBack
            // A claim that changed nothing (nothing due, or only jobs that must wait) ends the pass.
            if claim.calls.isEmpty && claim.suspended + claim.failedDoNotCall + claim.heldBack == 0 { break }
            try self.place(claim.calls, &report)
            // Results that are already in (a simulator without delay) settle in the same pass.
            try self.rescue(&report)
        }
        try MetricCounters(connection: self.connection).add(report.counters)
        return report
    }

    /// Polls the open attempts that are due (`placementConcurrency` at a time), settles together
    /// what has ended or is past its hard limit, and asks again later about the rest.
    func rescue(_ report: inout PassReport) throws {
        let now = self.configuration.clock()
        let due = try self.store.openCallsDue(now: now, limit: 1000)
        let provider = self.configuration.provider
        let polls = concurrentMap(due, threads: self.configuration.placementConcurrency) { call in
            call.providerCallId.map { provider.fetch(providerCallId: $0) }
        }
        var ends: [(callKey: Int64, end: AttemptEnd)] = []
        var later: [Int64] = []
        for (call, poll) in zip(due, polls) {
            if call.providerCallId != nil { report.polled += 1 }
            if case .report(let polled)? = poll, polled.isFinal {
                ends.append((call.key, .reported(polled)))
            } else if now >= call.lostAfter {
                ends.append((call.key, .lost))
            } else {
                later.append(call.key)
            }
        }
        try self.store.pollAgain(later, at: now.advanced(by: .seconds(30)))
        let settled = try self.store.settle(ends, now: now, jitter: { Double.random(in: 0..<1) })
        for (callKey, end) in ends where settled.contains(callKey) {
            if end == .lost { report.lost += 1 } else { report.settled += 1 }
        }
    }

    /// Asks the provider for each claimed call, `placementConcurrency` at a time (a slow provider
    /// must not serialise a pass), then records every answer: one statement for the accepted, one
    /// for the uncertain, one settlement for the refused.
    func place(_ calls: [ClaimedCall], _ report: inout PassReport) throws {
        let configuration = self.configuration
        let placements = concurrentMap(calls, threads: configuration.placementConcurrency) { call in
            configuration.provider.place(CallRequest(
                attemptId: call.attemptId, toNumber: call.toNumber, fromNumber: configuration.fromNumber,
                agentId: call.agentId, dynamicVariables: call.dynamicVariables,
                metadata: [
                    "attempt_id": .string(call.attemptId), "job_id": .string(call.jobId),
                    "account_id": .string(call.accountId), "batch_id": .string(call.batchId),
                ]))
        }
        var accepted: [(callKey: Int64, providerCallId: String)] = []
        var refused: [(callKey: Int64, end: AttemptEnd)] = []
        var uncertain: [(callKey: Int64, reason: String)] = []
        for (call, placement) in zip(calls, placements) {
            switch placement {
            case .accepted(let providerCallId): accepted.append((call.callKey, providerCallId))
            case .refused(let reason): refused.append((call.callKey, .refused(reason: reason)))
            case .uncertain(let reason): uncertain.append((call.callKey, reason))
            }
        }
        let now = configuration.clock()
        try self.store.recordAccepted(accepted, now: now)
        try self.store.recordUncertain(uncertain)
        try self.store.settle(refused, now: now, jitter: { Double.random(in: 0..<1) })
        report.placed += accepted.count
        report.refused += refused.count
        report.uncertain += uncertain.count
    }
}
