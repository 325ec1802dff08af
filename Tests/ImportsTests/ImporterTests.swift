import Accounts
import Ingestion
import Money
import PostgreSQL
import Spreadsheet
import TestSupport
import Testing
import Time

@testable import Batches
@testable import Imports

/// Batch creation against a real PostgreSQL: all or nothing, counters kept by the database,
/// duplicates only within the account.
@Suite(.enabled(if: TestDatabase.available, "needs the test cluster of `make test`"), .serialized)
struct ImporterTests {
    static func account(_ connection: Connection, id: String, credits: Amount = 100) throws -> Account {
        var new = NewAccount(
            accountId: id, accountName: "Test", contactName: "Test", contactEmail: "t@example.cl", contactPhone: nil,
            planType: .creditBased, country: .chile, timezone: "America/Santiago")
        new.initialCredits = credits
        return try AccountStore(connection: connection).create(new)
    }

    /// A list read from rows as a spreadsheet would give them: RUT, name, mobile.
    static func list(_ contacts: [(rut: String, phone: String)]) throws -> ContactList {
        var builder = ContactListBuilder(options: ImportOptions(country: .chile, today: CivilDate(year: 2026, month: 1, day: 5)!))
        try builder.add(SheetRow(number: 1, cells: [.text("RUT"), .text("Nombre"), .text("Celular")], dateSystem: .excel1900))
        for (index, contact) in contacts.enumerated() {
            try builder.add(SheetRow(
                number: index + 2, cells: [.text(contact.rut), .text("Persona \(index)"), .text(contact.phone)],
                dateSystem: .excel1900))
        }
        return try builder.finish()
    }

    static func request(_ account: Account, _ list: ContactList, allowDuplicates: Bool = false) -> Importer.Request {
        Importer.Request(
            account: account, list: list, allowDuplicates: allowDuplicates,
            batch: NewBatch(
                accountKey: account.key, name: "Test batch", description: "", priority: 1, country: "CL",
                useCase: .debtCollection, processingType: .basic, sourceFilename: "list.xlsx", callSettings: nil,
                useCaseSettings: UseCaseSettings(companyName: "ACME"), retellAgentId: nil),
            referenceNumber: false)
    }

    static func jobCount(_ connection: Connection, status: String? = nil) throws -> Int {
        Int(try connection.query("SELECT count(*) AS n FROM jobs WHERE \(status)::text IS NULL OR status = \(status)")[0].int("n"))
    }

    // Valid RUTs (mod 11): 11.111.111-1, 12.345.678-5, 7.654.321-6.
    static let three = [("11111111-1", "912345671"), ("12.345.678-5", "+56 9 2345 6782"), ("7654321-6", "09 3456 7893")]

    @Test func createsTheBatchAndEveryJobWithCountersFromTheDatabase() throws {
        let connection = try Connection(url: try TestDatabase.createMigrated())
        let account = try Self.account(connection, id: "acme")
        let (batch, plan) = try Importer(connection: connection).create(Self.request(account, try Self.list(Self.three)))
        #expect(plan.contacts.count == 3)
        #expect(batch.counts.total == 3)
        #expect(batch.counts.pending == 3)
        #expect(batch.status == .active)
        #expect(batch.estimatedCost == Amount("1.41"))  // 3 × (0.02 + 3 × 0.15)
        #expect(batch.batchId.hasPrefix("batch-"))
        var filter = JobFilter()
        filter.batchKey = batch.key
        let (jobs, total) = try JobStore(connection: connection).list(filter, limit: 10, skip: 0)
        #expect(total == 3)
        #expect(Set(jobs.map(\.phones)) == [["+56912345671"], ["+56923456782"], ["+56934567893"]])
        #expect(Set(jobs.map { $0.contactDni ?? "" }) == ["11.111.111-1", "12.345.678-5", "7.654.321-6"])
        #expect(jobs.allSatisfy { $0.jobId == "job-" + $0.objectId && $0.estimatedCost == Amount("0.47") })
    }

    @Test func countersFollowEveryJobChange() throws {
        let connection = try Connection(url: try TestDatabase.createMigrated())
        let account = try Self.account(connection, id: "acme")
        let (batch, _) = try Importer(connection: connection).create(Self.request(account, try Self.list(Self.three)))
        let store = BatchStore(connection: connection)
        try connection.query("UPDATE jobs SET status = 'in_progress' WHERE batch_id = \(batch.key) AND contact_key = 'id:111111111'")
        try connection.query("UPDATE jobs SET status = 'completed' WHERE batch_id = \(batch.key) AND contact_key <> 'id:111111111'")
        var now = try #require(try store.find(key: batch.key))
        #expect(now.counts == JobCounts(total: 3, pending: 0, scheduled: 0, inProgress: 1, completed: 2, failed: 0, suspended: 0, cancelled: 0))
        #expect(now.status == .active)
        try connection.query("UPDATE jobs SET status = 'failed' WHERE batch_id = \(batch.key) AND status = 'in_progress'")
        now = try #require(try store.find(key: batch.key))
        #expect(now.status == .completed)
        #expect(now.completedAt != nil)
        // A retried job makes the batch active again.
        try connection.query("UPDATE jobs SET status = 'pending' WHERE batch_id = \(batch.key) AND status = 'failed'")
        now = try #require(try store.find(key: batch.key))
        #expect(now.status == .active)
        #expect(now.completedAt == nil)
        #expect(now.counts.pending == 1)
        try connection.query("DELETE FROM jobs WHERE batch_id = \(batch.key) AND status = 'pending'")
        now = try #require(try store.find(key: batch.key))
        #expect(now.counts.total == 2)
        #expect(now.counts.completed == 2)
    }

    @Test func duplicatesAreFoundOnlyWithinTheAccountAndNotInCancelledJobs() throws {
        let connection = try Connection(url: try TestDatabase.createMigrated())
        let acme = try Self.account(connection, id: "acme")
        let other = try Self.account(connection, id: "other")
        let importer = Importer(connection: connection)
        let (first, _) = try importer.create(Self.request(acme, try Self.list(Self.three)))
        // Another tenant with the same contacts sees no duplicates.
        let otherPlan = try importer.plan(Self.request(other, try Self.list(Self.three)))
        #expect(otherPlan.duplicates.isEmpty)
        // The same account does, naming the earlier batch; one of them cancelled is free again.
        try connection.query("UPDATE jobs SET status = 'cancelled' WHERE contact_key = 'id:76543216'")
        let (second, plan) = try importer.create(Self.request(acme, try Self.list(Self.three + [("5.126.663-3", "987654321")])))
        #expect(plan.duplicates.map(\.batchId) == [first.batchId, first.batchId])
        #expect(plan.duplicatesSkipped == 2)
        #expect(second.counts.total == 2)
        // allow_duplicates keeps them.
        let (third, _) = try importer.create(Self.request(acme, try Self.list(Self.three), allowDuplicates: true))
        #expect(third.counts.total == 3)
    }

    @Test func refusalsWriteNothing() throws {
        let connection = try Connection(url: try TestDatabase.createMigrated())
        let poor = try Self.account(connection, id: "poor", credits: 1)
        let importer = Importer(connection: connection)
        #expect(throws: ImportRefusal.insufficientFunds(needed: Amount("1.41")!, available: 1, unit: .credits)) {
            try importer.create(Self.request(poor, try Self.list(Self.three)))
        }
        let rich = try Self.account(connection, id: "rich")
        _ = try importer.create(Self.request(rich, try Self.list(Self.three)))
        #expect(throws: ImportRefusal.allDuplicates(count: 3)) {
            try importer.create(Self.request(rich, try Self.list(Self.three)))
        }
        _ = try AccountStore(connection: connection).update(key: rich.key, { var c = AccountChanges(); c.status = .suspended; return c }())
        #expect(throws: ImportRefusal.accountSuspended) {
            try importer.create(Self.request(rich, try Self.list([("5.126.663-3", "987654321")])))
        }
        #expect(try Self.jobCount(connection) == 3)
        #expect(try connection.query("SELECT count(*) AS n FROM batches")[0].int("n") == 1)
    }

    @Test func aFailingJobInsertLeavesNoBatch() throws {
        let connection = try Connection(url: try TestDatabase.createMigrated())
        let account = try Self.account(connection, id: "acme")
        let batch = Self.request(account, try Self.list(Self.three)).batch
        let bad = NewJob(contactKey: "not a key", contactName: "", contactDni: nil, phones: ["+56912345678"],
                         payloadJSON: "{}", maxAttempts: 3, estimatedCost: 0, sourceRow: 2)
        #expect(throws: DatabaseError.self) { try BatchStore(connection: connection).create(batch, jobs: [bad]) }
        #expect(try connection.query("SELECT count(*) AS n FROM batches")[0].int("n") == 0)
        #expect(try Self.jobCount(connection) == 0)
    }

    @Test func batchIdsAreUniqueEvenInTheSameMicrosecond() throws {
        let connection = try Connection(url: try TestDatabase.createMigrated())
        let account = try Self.account(connection, id: "acme")
        let template = Self.request(account, try Self.list(Self.three)).batch
        let store = BatchStore(connection: connection)
        let ids = try (0..<20).map { _ in try store.create(template, jobs: []).batchId }
        #expect(Set(ids).count == 20)
        #expect(BatchStore.batchId(at: Timestamp(parsing: "2025-10-25T14:41:29.862530Z")!) == "batch-2025-10-25-144129-862530")
    }
}
