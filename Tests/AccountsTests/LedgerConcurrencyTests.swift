import Dispatch
import Foundation
import Money
import PostgreSQL
import TestSupport
import Testing
import Time

@testable import Accounts

/// Many clients at once, in the style of Jepsen's bank test: 16 connections each run 2,000 random
/// ledger operations over 10 accounts (half of them on one hot account), while a checker reads
/// the invariants of PRODUCT.md §4 from consistent snapshots; at the end they must hold for every
/// account and no hold may have been resolved twice.
@Suite(.enabled(if: TestDatabase.available, "needs the test cluster of `make test`"))
struct LedgerConcurrencyTests {
    static let clients = 16
    static let operationsPerClient = Int(ProcessInfo.processInfo.environment["LEDGER_STRESS_OPERATIONS"] ?? "") ?? 2000
    static let accounts = 10

    /// Shared between clients: holds anyone may try to resolve, and what went wrong.
    final class Shared: @unchecked Sendable {
        private let lock = NSLock()
        private var holds: [String] = []
        private(set) var successfulResolutions: [String: Int] = [:]
        private(set) var failures: [String] = []
        private(set) var checkpoints = 0

        func add(hold: String) { self.lock.withLock { self.holds.append(hold) } }
        func randomHold(_ generator: inout SplitMix64) -> String? {
            self.lock.withLock { self.holds.isEmpty ? nil : self.holds[Int(generator.next() % UInt64(self.holds.count))] }
        }
        func resolved(_ hold: String) { self.lock.withLock { self.successfulResolutions[hold, default: 0] += 1 } }
        func fail(_ message: String) { self.lock.withLock { self.failures.append(message) } }
        func checkpoint() { self.lock.withLock { self.checkpoints += 1 } }
    }

    static func amount(_ generator: inout SplitMix64, maximumTenThousandths: UInt64) -> Amount {
        Amount(tenThousandths: Int64(1 + generator.next() % maximumTenThousandths))
    }

    @Test func invariantsHoldUnderConcurrentLoad() throws {
        let url = try TestDatabase.createMigrated()
        let setup = try Connection(url: url)
        var created: [Int64] = []
        for index in 0..<Self.accounts {
            var new = NewAccount(
                accountId: "stress-\(index)", accountName: "Stress \(index)", contactName: "T", contactEmail: "t@example.cl",
                contactPhone: nil, planType: index == Self.accounts - 1 ? .minutesBased : .creditBased, country: .chile,
                timezone: "America/Santiago")
            if index == Self.accounts - 1 { new.initialMinutes = 100 } else { new.initialCredits = 100 }
            created.append(try AccountStore(connection: setup).create(new).key)
        }
        let keys = created
        let seed = UInt64(ProcessInfo.processInfo.environment["LEDGER_STRESS_SEED"] ?? "") ?? 20_261_129
        let shared = Shared()
        let running = ManagedAtomicFlag()
        let reconciliationSQL = try String(
            contentsOf: TestDatabase.repositoryRoot.appendingPathComponent("sql/reports/ledger_reconciliation.sql"),
            encoding: .utf8)

        // The checker: invariants from consistent snapshots while the clients run.
        let checker = Thread {
            guard let connection = try? Connection(url: url) else { return shared.fail("checker cannot connect") }
            while running.isSet {
                do {
                    try connection.execute(script: "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
                    for row in try connection.execute(script: reconciliationSQL) where try !row.bool("reconciled") {
                        shared.fail("checkpoint: account \(try row.string("account_id")) does not reconcile")
                    }
                    try connection.execute(script: "COMMIT")
                    shared.checkpoint()
                } catch {
                    shared.fail("checker: \(error)")
                }
                usleep(100_000)
            }
        }
        running.set()
        checker.start()

        DispatchQueue.concurrentPerform(iterations: Self.clients) { client in
            var generator = SplitMix64(state: seed &+ UInt64(client) &* 7919)
            let connection: Connection
            do { connection = try Connection(url: url) } catch { return shared.fail("client \(client) cannot connect") }
            let ledger = Ledger(connection: connection)
            let store = AccountStore(connection: connection)
            let later = Timestamp(microsecondsSinceEpoch: Timestamp.now().microsecondsSinceEpoch + 3_600_000_000)
            let past = Timestamp(microsecondsSinceEpoch: Timestamp.now().microsecondsSinceEpoch - 1_000_000)
            for _ in 0..<Self.operationsPerClient {
                // Half of all operations land on the hot account.
                let account = generator.next() % 2 == 0 ? keys[0] : keys[Int(generator.next() % UInt64(keys.count))]
                let unit: LedgerUnit = account == keys[Self.accounts - 1] ? .minutes : .credits
                do {
                    switch generator.next() % 100 {
                    case 0..<15:
                        _ = try ledger.topUp(accountKey: account, unit: unit, amount: Self.amount(&generator, maximumTenThousandths: 200_000))
                    case 15..<50:
                        let expiry = generator.next() % 10 == 0 ? past : later
                        if case .held(let hold) = try ledger.hold(
                            accountKey: account, amount: Self.amount(&generator, maximumTenThousandths: 100_000),
                            reference: "client-\(client)", expiresAt: expiry)
                        {
                            shared.add(hold: hold.holdId)
                        }
                    case 50..<72:
                        guard let hold = shared.randomHold(&generator) else { continue }
                        // Post somewhere between nothing and a little more than a typical hold.
                        try ledger.post(holdId: hold, amount: Self.amount(&generator, maximumTenThousandths: 120_000))
                        shared.resolved(hold)
                    case 72..<86:
                        guard let hold = shared.randomHold(&generator) else { continue }
                        try ledger.void(holdId: hold)
                        shared.resolved(hold)
                    case 86..<94:
                        guard let hold = shared.randomHold(&generator) else { continue }
                        try ledger.expire(holdId: hold)
                        shared.resolved(hold)
                    case 94..<97:
                        _ = try ledger.expireDue(limit: 20)
                    default:
                        var changes = AccountChanges()
                        changes.status = generator.next() % 2 == 0 ? .suspended : .active
                        _ = try store.update(key: account, changes)
                    }
                } catch LedgerError.insufficientFunds, LedgerError.holdRejected {
                    continue  // expected outcomes under contention
                } catch {
                    shared.fail("client \(client): \(error)")
                }
            }
        }
        running.clear()
        while checker.isExecuting { usleep(10_000) }

        #expect(shared.failures.isEmpty, "\(shared.failures.prefix(10))")
        #expect(shared.checkpoints > 0)
        let twice = shared.successfulResolutions.filter { $0.value > 1 }
        #expect(twice.isEmpty, "holds resolved more than once: \(twice.keys.prefix(5))")

        let final = try Connection(url: url)
        for row in try final.execute(script: reconciliationSQL) {
            let account = try row.string("account_id")
            #expect(try row.bool("reconciled"), "account \(account) does not reconcile at the end")
        }
        // Every resolved hold has exactly one release row; every successful resolution counted once.
        let releases = try final.query(
            """
            SELECT count(*) FILTER (WHERE status <> 'pending') AS resolved,
                   (SELECT count(*) FROM credit_transactions WHERE type = 'hold_release') AS releases,
                   (SELECT count(*) FROM credit_holds WHERE status = 'posted' AND posted_amount > amount) AS overposted
            FROM credit_holds
            """)[0]
        #expect(try releases.int("resolved") == releases.int("releases"))
        #expect(try releases.int("overposted") == 0)
        #expect(try releases.int("resolved") >= Int64(shared.successfulResolutions.count))
    }
}

/// A flag the checker thread polls.
final class ManagedAtomicFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    var isSet: Bool { self.lock.withLock { self.value } }
    func set() { self.lock.withLock { self.value = true } }
    func clear() { self.lock.withLock { self.value = false } }
}
