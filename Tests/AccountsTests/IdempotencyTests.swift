import PostgreSQL
import TestSupport
import Testing

@testable import Accounts

/// Idempotency keys against a real PostgreSQL: first use, replay, mismatch, and reuse after 24 hours.
@Suite(.enabled(if: TestDatabase.available, "needs the test cluster of `make test`"), .serialized)
struct IdempotencyTests {
    @Test func aKeyIsClaimedOnceReplayedAndFreeAgainAfterADay() throws {
        let connection = try Connection(url: try TestDatabase.createMigrated())
        let store = IdempotencyStore(connection: connection)
        #expect(try store.claim(scope: "topup:acme", key: "k1", requestHash: "a") == .new)
        try store.complete(scope: "topup:acme", key: "k1", status: 200, body: "{\"ok\":true}")
        #expect(try store.claim(scope: "topup:acme", key: "k1", requestHash: "a") == .replay(status: 200, body: "{\"ok\":true}"))
        #expect(try store.claim(scope: "topup:acme", key: "k1", requestHash: "b") == .mismatch)
        #expect(try store.claim(scope: "topup:other", key: "k1", requestHash: "b") == .new)
        try connection.query("UPDATE idempotency_keys SET created_at = now() - interval '25 hours' WHERE scope = 'topup:acme'")
        #expect(try store.claim(scope: "topup:acme", key: "k1", requestHash: "b") == .new)
        #expect(try store.claim(scope: "topup:acme", key: "k1", requestHash: "b") == .replay(status: 0, body: ""))
    }
}
