import Money
import PostgreSQL
import TestSupport
import Testing
import Time

@testable import Accounts

/// The ledger against a real PostgreSQL, one operation at a time.
@Suite(.enabled(if: TestDatabase.available, "needs the test cluster of `make test`"), .serialized)
struct LedgerTests {
    static func account(_ connection: Connection, plan: PlanType = .creditBased, credits: Amount? = nil) throws -> Account {
        var new = NewAccount(
            accountId: nil, accountName: "Test", contactName: "Test", contactEmail: "t@example.cl", contactPhone: nil,
            planType: plan, country: .chile, timezone: "America/Santiago")
        new.initialCredits = credits
        return try AccountStore(connection: connection).create(new)
    }

    static func reconciliation(_ connection: Connection) throws -> [Row] {
        let sql = try String(
            contentsOf: TestDatabase.repositoryRoot.appendingPathComponent("sql/reports/ledger_reconciliation.sql"),
            encoding: .utf8)
        return Array(try connection.execute(script: sql))
    }

    static func assertReconciled(_ connection: Connection) throws {
        for row in try reconciliation(connection) {
            let account = try row.string("account_id")
            #expect(try row.bool("reconciled"), "account \(account) does not reconcile")
        }
    }

    let later = Timestamp(microsecondsSinceEpoch: Timestamp.now().microsecondsSinceEpoch + 600_000_000)

    @Test func holdThenPartialPostChargesTheCostAndReleasesTheRest() throws {
        let connection = try Connection(url: try TestDatabase.createMigrated())
        let account = try Self.account(connection, credits: 10)
        let ledger = Ledger(connection: connection)
        guard case .held(let hold) = try ledger.hold(accountKey: account.key, amount: Amount("4.52")!, reference: "job-1", expiresAt: later)
        else { Issue.record("expected a hold"); return }
        var now = try #require(try AccountStore(connection: connection).find(key: account.key))
        #expect(now.creditAvailable == Amount("5.48"))
        #expect(now.creditReserved == Amount("4.52"))
        #expect(now.creditBalance == 10)
        try ledger.post(holdId: hold.holdId, amount: Amount("1.3375")!)
        now = try #require(try AccountStore(connection: connection).find(key: account.key))
        #expect(now.creditBalance == Amount("8.6625"))
        #expect(now.creditReserved == 0)
        #expect(now.creditUsed == Amount("1.3375"))
        #expect(now.creditAvailable == Amount("8.6625"))
        let types = try ledger.entries(accountKey: account.key, type: nil, limit: 10, skip: 0).entries.map(\.type)
        #expect(types == [.callUsage, .holdRelease, .hold, .topupCredits])
        try Self.assertReconciled(connection)
    }

    @Test func aHoldResolvesExactlyOnce() throws {
        let connection = try Connection(url: try TestDatabase.createMigrated())
        let account = try Self.account(connection, credits: 10)
        let ledger = Ledger(connection: connection)
        guard case .held(let hold) = try ledger.hold(accountKey: account.key, amount: 2, reference: nil, expiresAt: later)
        else { Issue.record("expected a hold"); return }
        try ledger.void(holdId: hold.holdId)
        #expect(throws: LedgerError.holdRejected(.alreadyResolved(.voided))) { try ledger.post(holdId: hold.holdId, amount: 1) }
        #expect(throws: LedgerError.holdRejected(.alreadyResolved(.voided))) { try ledger.expire(holdId: hold.holdId) }
        #expect(throws: LedgerError.holdNotFound) { try ledger.void(holdId: "hold_missing") }
        // The database refuses it too, whatever the code does.
        #expect(throws: DatabaseError.self) {
            try connection.query("UPDATE credit_holds SET status = 'posted', posted_amount = 1 WHERE hold_id = \(hold.holdId)")
        }
        try Self.assertReconciled(connection)
    }

    @Test func aPostAboveTheHoldIsRefusedAndChangesNothing() throws {
        let connection = try Connection(url: try TestDatabase.createMigrated())
        let account = try Self.account(connection, credits: 10)
        let ledger = Ledger(connection: connection)
        guard case .held(let hold) = try ledger.hold(accountKey: account.key, amount: 2, reference: nil, expiresAt: later)
        else { Issue.record("expected a hold"); return }
        #expect(throws: LedgerError.holdRejected(.invalidPostAmount)) { try ledger.post(holdId: hold.holdId, amount: 3) }
        try ledger.post(holdId: hold.holdId, amount: 2)
        try Self.assertReconciled(connection)
    }

    @Test func holdsNeverTakeMoreThanIsAvailable() throws {
        let connection = try Connection(url: try TestDatabase.createMigrated())
        let account = try Self.account(connection, credits: 5)
        let ledger = Ledger(connection: connection)
        _ = try ledger.hold(accountKey: account.key, amount: 3, reference: nil, expiresAt: later)
        #expect(throws: LedgerError.insufficientFunds(available: 2, needed: Amount("2.0001")!)) {
            try ledger.hold(accountKey: account.key, amount: Amount("2.0001")!, reference: nil, expiresAt: later)
        }
        _ = try ledger.hold(accountKey: account.key, amount: 2, reference: nil, expiresAt: later)
        // The CHECK constraint is the backstop if code ever tried.
        #expect(throws: DatabaseError.self) {
            try connection.query("UPDATE accounts SET credit_reserved = credit_reserved + 1 WHERE id = \(account.key)")
        }
        try Self.assertReconciled(connection)
    }

    @Test func expiredHoldsAreReleasedBySweeping() throws {
        let connection = try Connection(url: try TestDatabase.createMigrated())
        let account = try Self.account(connection, credits: 10)
        let ledger = Ledger(connection: connection)
        let past = Timestamp(microsecondsSinceEpoch: Timestamp.now().microsecondsSinceEpoch - 1_000_000)
        _ = try ledger.hold(accountKey: account.key, amount: 1, reference: "old", expiresAt: past)
        _ = try ledger.hold(accountKey: account.key, amount: 2, reference: "fresh", expiresAt: later)
        #expect(try ledger.expireDue() == 1)
        #expect(try ledger.expireDue() == 0)
        let now = try #require(try AccountStore(connection: connection).find(key: account.key))
        #expect(now.creditReserved == 2)
        try Self.assertReconciled(connection)
    }

    @Test func minutesPlansUseTheSameMachineryInMinutes() throws {
        let connection = try Connection(url: try TestDatabase.createMigrated())
        let account = try Self.account(connection, plan: .minutesBased)
        let ledger = Ledger(connection: connection)
        #expect(throws: LedgerError.unitNotInPlan(plan: .minutesBased, unit: .credits)) {
            try ledger.topUp(accountKey: account.key, unit: .credits, amount: 1)
        }
        _ = try ledger.topUp(accountKey: account.key, unit: .minutes, amount: 30)
        guard case .held(let hold) = try ledger.hold(accountKey: account.key, amount: 5, reference: nil, expiresAt: later)
        else { Issue.record("expected a hold"); return }
        #expect(hold.unit == .minutes)
        try ledger.post(holdId: hold.holdId, amount: Amount("2.5")!)
        let now = try #require(try AccountStore(connection: connection).find(key: account.key))
        #expect(now.minutesPurchased == 30)
        #expect(now.minutesUsed == Amount("2.5"))
        #expect(now.minutesAvailable == Amount("27.5"))
        #expect(now.creditBalance == 0)
        try Self.assertReconciled(connection)
    }

    @Test func unlimitedPlansHoldNothingButRecordUsage() throws {
        let connection = try Connection(url: try TestDatabase.createMigrated())
        let account = try Self.account(connection, plan: .unlimited)
        let ledger = Ledger(connection: connection)
        #expect(try ledger.hold(accountKey: account.key, amount: 100, reference: nil, expiresAt: later) == .notNeeded)
        let entry = try ledger.recordUnlimitedUsage([UnlimitedUsage(accountKey: account.key, cost: Amount("0.62")!, reference: "job-9")])[0]
        #expect(entry.amount == 0)
        #expect(entry.cost == Amount("0.62"))
        let now = try #require(try AccountStore(connection: connection).find(key: account.key))
        #expect(now.creditUsed == Amount("0.62"))
        #expect(now.creditBalance == 0)
        try Self.assertReconciled(connection)
    }

    /// The dispatcher's path: many holds on several accounts in one statement each, then many
    /// resolutions at once. Every row's balances follow from the row before it, as if the
    /// operations had run one by one.
    @Test func manyHoldsAndResolutionsAtOnceKeepEveryRowsBalances() throws {
        let connection = try Connection(url: try TestDatabase.createMigrated())
        let first = try Self.account(connection, credits: 10)
        let second = try Self.account(connection, credits: 5)
        let ledger = Ledger(connection: connection)
        let requests = [(first, "1.5"), (second, "2"), (first, "0.25"), (first, "3"), (second, "1")].enumerated().map {
            index, request in
            HoldRequest(accountKey: request.0.key, unit: .credits, amount: Amount(request.1)!, reference: "att-\(index)",
                        expiresAt: later)
        }
        let holds = try connection.transaction {
            _ = try AccountStore(connection: connection).lock(keys: [first.key, second.key])
            return try ledger.placeHolds(requests)
        }
        #expect(holds.map(\.reference) == requests.map(\.reference))
        #expect(holds.map(\.amount) == requests.map(\.amount))
        var accounts = try AccountStore(connection: connection).lock(keys: [first.key, second.key])
        #expect(accounts[first.key]?.creditReserved == Amount("4.75"))
        #expect(accounts[second.key]?.creditReserved == 3)

        // Post, void, post again (refused: already posted), expire, an unknown hold, post too much (refused).
        let results = try ledger.resolve([
            (holds[0].holdId, .post(amount: Amount("0.5")!)), (holds[1].holdId, .void),
            (holds[0].holdId, .post(amount: 1)), (holds[2].holdId, .expire), ("hold_missing", .void),
            (holds[3].holdId, .post(amount: 4)), (holds[4].holdId, .post(amount: 1)),
        ])
        #expect((try? results[0].get())?.state == .posted)
        #expect((try? results[1].get())?.state == .voided)
        #expect(throws: LedgerError.holdRejected(.alreadyResolved(.posted))) { try results[2].get() }
        #expect((try? results[3].get())?.state == .expired)
        #expect(throws: LedgerError.holdNotFound) { try results[4].get() }
        #expect(throws: LedgerError.holdRejected(.invalidPostAmount)) { try results[5].get() }
        #expect((try? results[6].get())?.postedAmount == 1)
        accounts = try AccountStore(connection: connection).lock(keys: [first.key, second.key])
        #expect(accounts[first.key]?.creditBalance == Amount("9.5"))
        #expect(accounts[first.key]?.creditReserved == 3)
        #expect(accounts[second.key]?.creditBalance == 4)
        #expect(accounts[second.key]?.creditReserved == 0)
        for account in [first, second] {
            let entries = try ledger.entries(accountKey: account.key, type: nil, limit: 100, skip: 0).entries.reversed()
            var balance: Amount = 0
            var reserved: Amount = 0
            for entry in entries {
                balance += entry.amount
                reserved += entry.reservedChange
                #expect(entry.balanceAfter == balance && entry.reservedAfter == reserved, "\(entry.type) of \(account.accountId)")
            }
        }
        try Self.assertReconciled(connection)
    }

    @Test func theLedgerIsAppendOnly() throws {
        let connection = try Connection(url: try TestDatabase.createMigrated())
        let account = try Self.account(connection, credits: 10)
        for statement in [
            "UPDATE credit_transactions SET amount = 1000 WHERE account_id = \(account.key)",
            "DELETE FROM credit_transactions WHERE account_id = \(account.key)",
            "TRUNCATE credit_transactions CASCADE",
        ] {
            let error = #expect(throws: DatabaseError.self) { try connection.execute(script: statement) }
            #expect(error?.code == .insufficientPrivilege)
        }
        try Self.assertReconciled(connection)
    }

    @Test func theReconciliationReportCatchesADrift() throws {
        let connection = try Connection(url: try TestDatabase.createMigrated())
        let account = try Self.account(connection, credits: 10)
        try Self.assertReconciled(connection)
        // Change the cached balance behind the ledger's back: the report must notice.
        try connection.query("UPDATE accounts SET credit_balance = credit_balance + 1 WHERE id = \(account.key)")
        #expect(try Self.reconciliation(connection).contains { try !$0.bool("reconciled") })
    }
}
