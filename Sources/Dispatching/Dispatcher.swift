import Accounts
import Foundation
import JSON
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

    public init() {}

    public var line: String {
        "polled=\(self.polled) settled=\(self.settled) lost=\(self.lost) holds_expired=\(self.holdsExpired) "
            + "claimed=\(self.claimed) placed=\(self.placed) refused=\(self.refused) uncertain=\(self.uncertain) "
            + "suspended=\(self.suspended) do_not_call=\(self.failedDoNotCall)"
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
        while ContinuousClock.now - started < budget {
            let claim = try self.store.claim(
                now: self.configuration.clock(), limit: self.configuration.claimBatchSize,
                provider: self.configuration.provider.name,
                timing: self.configuration.timing,
                defaultAgentId: self.configuration.defaultAgentId)
            report.claimed += claim.calls.count
            report.suspended += claim.suspended
            report.failedDoNotCall += claim.failedDoNotCall
            if claim.calls.isEmpty { break }
            try self.place(claim.calls, &report)
            // Results that are already in (a simulator without delay) settle in the same pass.
            try self.rescue(&report)
        }
        return report
    }

    /// Polls the open attempts that are due, settles what has ended, closes as lost what is past
    /// its hard limit, and expires holds past their expiry.
    func rescue(_ report: inout PassReport) throws {
        let now = self.configuration.clock()
        for call in try self.store.openCallsDue(now: now, limit: 1000) {
            var end: AttemptEnd?
            if let providerCallId = call.providerCallId {
                report.polled += 1
                if case .report(let polled) = self.configuration.provider.fetch(providerCallId: providerCallId), polled.isFinal {
                    end = .reported(polled)
                }
            }
            if end == nil, now >= call.lostAfter { end = .lost }
            guard let end else {
                try self.store.pollAgain(callKey: call.key, at: now.advanced(by: .seconds(30)))
                continue
            }
            if try self.store.settle(callKey: call.key, end, now: now, jitter: Double.random(in: 0..<1)) {
                if end == .lost { report.lost += 1 } else { report.settled += 1 }
            }
        }
        report.holdsExpired += try Ledger(connection: self.connection).expireDue(now: now)
    }

    /// Asks the provider for each claimed call, `placementConcurrency` at a time (a slow provider
    /// must not serialise a pass), then records every answer.
    func place(_ calls: [ClaimedCall], _ report: inout PassReport) throws {
        let configuration = self.configuration
        let results = ConcurrentResults<Placement>(count: calls.count)
        let threads = min(configuration.placementConcurrency, calls.count)
        onThreads(threads) { worker in
            for index in stride(from: worker, to: calls.count, by: threads) {
                let call = calls[index]
                results.set(index, configuration.provider.place(CallRequest(
                    attemptId: call.attemptId, toNumber: call.toNumber, fromNumber: configuration.fromNumber,
                    agentId: call.agentId, dynamicVariables: call.dynamicVariables,
                    metadata: [
                        "attempt_id": .string(call.attemptId), "job_id": .string(call.jobId),
                        "account_id": .string(call.accountId), "batch_id": .string(call.batchId),
                    ])))
            }
        }
        let now = configuration.clock()
        for (index, call) in calls.enumerated() {
            switch results.get(index) {
            case .accepted(let providerCallId)?:
                try self.store.recordAccepted(callKey: call.callKey, providerCallId: providerCallId, now: now)
                report.placed += 1
            case .refused(let reason)?:
                try self.store.settle(callKey: call.callKey, .refused(reason: reason), now: now, jitter: Double.random(in: 0..<1))
                report.refused += 1
            case .uncertain(let reason)?:
                try self.store.recordUncertain(callKey: call.callKey, reason: reason)
                report.uncertain += 1
            case nil:
                report.uncertain += 1
            }
        }
    }
}

/// Results written by several threads, one slot each.
final class ConcurrentResults<Value>: @unchecked Sendable {
    private var values: [Value?]
    private let lock = NSLock()

    init(count: Int) { self.values = Array(repeating: nil, count: count) }

    func set(_ index: Int, _ value: Value) {
        self.lock.lock()
        self.values[index] = value
        self.lock.unlock()
    }

    func get(_ index: Int) -> Value? {
        self.lock.lock()
        defer { self.lock.unlock() }
        return self.values[index]
    }
}
