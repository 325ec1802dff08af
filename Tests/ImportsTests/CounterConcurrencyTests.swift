import Dispatch
import Foundation
import Ingestion
import PostgreSQL
import TestSupport
import Testing

@testable import Batches
@testable import Imports

/// Counters under concurrent changes: 8 connections move the jobs of two batches through random
/// statuses (the dispatcher's way, with plain UPDATEs of many rows), retry and cancel them (the
/// API's way) and cancel one of the batches; afterwards sql/reports/batch_counters.sql must find
/// every batch consistent. A counter kept by read-modify-write in the application would drift here.
@Suite(.enabled(if: TestDatabase.available, "needs the test cluster of `make test`"))
struct CounterConcurrencyTests {
    static let clients = 8
    static let operationsPerClient = 150

    @Test func countersEqualADirectCountAfterConcurrentChanges() throws {
        let url = try TestDatabase.createMigrated()
        let setup = try Connection(url: url)
        let account = try ImporterTests.account(setup, id: "busy", credits: 1000)
        let contacts = (0..<200).map { n -> (rut: String, phone: String) in
            let body = 10_000_000 + n
            return ("\(body)-\(ChileanRUT.checkDigit(forBody: body))", "9\(String(format: "%08d", body % 100_000_000))")
        }
        let importer = Importer(connection: setup)
        let first = try importer.create(ImporterTests.request(account, try ImporterTests.list(Array(contacts[..<100])))).batch
        let second = try importer.create(ImporterTests.request(account, try ImporterTests.list(Array(contacts[100...])))).batch
        let statuses = ["pending", "scheduled", "in_progress", "completed", "failed", "suspended", "cancelled"]
        let failures = NSLock()
        nonisolated(unsafe) var unexpected: [String] = []

        DispatchQueue.concurrentPerform(iterations: Self.clients) { client in
            do {
                let connection = try Connection(url: url)
                let jobs = JobStore(connection: connection)
                var generator = SystemRandomNumberGenerator()
                for step in 0..<Self.operationsPerClient {
                    let batch = Bool.random(using: &generator) ? first : second
                    let job = try connection.query(
                        "SELECT id FROM jobs WHERE batch_id = \(batch.key) ORDER BY random() LIMIT 1")[0].int("id")
                    do {
                        switch step % 4 {
                        case 0:
                            let status = statuses[Int.random(in: 0..<statuses.count, using: &generator)]
                            // Several rows in one statement, as the dispatcher claims and settles.
                            try connection.query(
                                """
                                UPDATE jobs SET status = \(status)
                                WHERE id IN (SELECT id FROM jobs WHERE batch_id = \(batch.key) ORDER BY random() LIMIT 5)
                                """)
                        case 1: _ = try jobs.retry(key: job, batchKey: batch.key)
                        case 2: _ = try jobs.cancel(key: job, batchKey: batch.key, reason: nil)
                        default:
                            if client == 0, step == 99 {
                                _ = try BatchStore(connection: connection).cancel(key: second.key, accountKey: account.key, reason: "stop")
                            }
                        }
                    } catch is TransitionRefused {
                        // Expected: the job was not in a state that allows it.
                    } catch let error as DatabaseError where error.code == .deadlockDetected {
                        // Expected now and then between multi-row UPDATEs; the transaction rolled back whole.
                    }
                }
            } catch {
                failures.withLock { unexpected.append(String(describing: error)) }
            }
        }
        #expect(unexpected.isEmpty, "\(unexpected.prefix(3))")
        let report = try String(
            contentsOf: TestDatabase.repositoryRoot.appendingPathComponent("sql/reports/batch_counters.sql"), encoding: .utf8)
        let rows = Array(try setup.execute(script: report))
        #expect(rows.count == 2)
        for row in rows {
            let batchId = try row.string("batch_id")
            #expect(try row.bool("consistent"), "batch \(batchId) drifted")
        }
    }
}
