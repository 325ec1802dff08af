import Foundation
import TestSupport
import Testing
import Time

@testable import PostgreSQL

@Suite(.enabled(if: TestDatabase.available, "needs the test cluster of `make test`"), .serialized)
struct ConnectionTests {
    @Test func decodesEveryType() throws {
        let connection = try Connection(url: try TestDatabase.create())
        let row = try connection.query(
            """
            SELECT 'José'::text AS name, 42::bigint AS n, 12345678901234.5678::numeric(20,4) AS money,
                   true AS yes, NULL::text AS nothing, '2025-10-25 17:41:29.895169+00'::timestamptz AS at,
                   ARRAY['+56912345678', NULL, 'a,b']::text[] AS phones, '{"k": [1, 2.5]}'::jsonb AS doc
            """)[0]
        #expect(try row.string("name") == "José")
        #expect(try row.int("n") == 42)
        #expect(try row.decimal("money") == Decimal(string: "12345678901234.5678"))
        #expect(try row.bool("yes"))
        #expect(try row.optionalString("nothing") == nil)
        #expect(try row.timestamp("at").rfc3339 == "2025-10-25T17:41:29.895169Z")
        #expect(try row.array("phones") == ["+56912345678", nil, "a,b"])
        #expect(try row.optionalJSONText("doc") == #"{"k": [1, 2.5]}"#)
        #expect(throws: RowDecodingError.self) { try row.int("name") }
        #expect(throws: RowDecodingError.self) { try row.string("nothing") }
        #expect(throws: RowDecodingError.self) { try row.string("no_such_column") }
    }

    @Test func bindsParametersOfEveryKind() throws {
        let connection = try Connection(url: try TestDatabase.create())
        let hostile = "'; DROP TABLE x; --"
        let at = try #require(Timestamp(parsing: "2024-01-02 03:04:05.000006+00"))
        let row = try connection.query(
            "SELECT \(hostile)::text AS s, \(Decimal(string: "0.1")!)::numeric + 0.2 AS sum, \(at)::timestamptz AS at, \(["a", "b\"c"])::text[] AS list"
        )[0]
        #expect(try row.string("s") == hostile)
        #expect(try row.decimal("sum") == Decimal(string: "0.3"))
        #expect(try row.timestamp("at") == at)
        #expect(try row.array("list") == ["a", "b\"c"])
    }

    @Test func transactionsRollBackOnAnyError() throws {
        let connection = try Connection(url: try TestDatabase.create())
        try connection.execute(script: "CREATE TABLE t (id int PRIMARY KEY)")
        struct Abort: Error {}
        #expect(throws: Abort.self) {
            try connection.transaction {
                try connection.query("INSERT INTO t VALUES (\(1))")
                throw Abort()
            }
        }
        #expect(throws: DatabaseError.self) {
            try connection.transaction {
                try connection.query("INSERT INTO t VALUES (\(2))")
                try connection.query("INSERT INTO t VALUES (\(2))")
            }
        }
        _ = try connection.transaction { try connection.query("INSERT INTO t VALUES (\(3))") }
        #expect(try connection.query("SELECT array_agg(id) AS ids FROM t")[0].array("ids") == ["3"])
        #expect(!connection.isInTransaction)
    }

    @Test func mapsSQLStates() throws {
        let connection = try Connection(url: try TestDatabase.create())
        try connection.execute(script: "CREATE TABLE t (id int CONSTRAINT t_pkey PRIMARY KEY, n int CHECK (n >= 0))")
        try connection.query("INSERT INTO t VALUES (1, 1)")
        let duplicate = #expect(throws: DatabaseError.self) { try connection.query("INSERT INTO t VALUES (1, 1)") }
        #expect(duplicate?.code == .uniqueViolation)
        #expect(duplicate?.constraint == "t_pkey")
        #expect(duplicate?.description.contains("t_pkey") == false)
        #expect(duplicate?.isConnectionLost == false)
        let negative = #expect(throws: DatabaseError.self) { try connection.query("INSERT INTO t VALUES (2, -1)") }
        #expect(negative?.code == .checkViolation)
        // Prepared statements are reused: the same SQL a thousand times costs one PREPARE.
        for value in 0..<1000 { try connection.query("SELECT \(value)::int AS v") }
        #expect(try connection.query("SELECT count(*) AS n FROM pg_prepared_statements")[0].int("n") <= 6)
    }

    @Test func aSessionReconnectsAfterItsConnectionIsKilled() throws {
        let url = try TestDatabase.create()
        let session = DatabaseSession(url: url)
        let first = try session.connection()
        let pid = try first.query("SELECT pg_backend_pid() AS pid")[0].int("pid")
        let killer = try Connection(url: url)
        try killer.query("SELECT pg_terminate_backend(\(pid))")
        // Give the server a moment to close the socket.
        for _ in 0..<50 where first.isUsable { usleep(20_000) }
        #expect(!first.isUsable)
        let second = try session.connection()
        #expect(try second.query("SELECT pg_backend_pid() AS pid")[0].int("pid") != pid)
    }

    @Test func connectingToNothingFailsFastAsAConnectionFailure() {
        let started = Date()
        do {
            _ = try Connection(url: "host=/nonexistent-socket-dir port=1 dbname=x")
            Issue.record("expected a failure")
        } catch {
            #expect(error.code == .connectionFailure)
            #expect(error.isConnectionLost)
        }
        #expect(Date().timeIntervalSince(started) < 2)
    }

    /// A failed statement's error carries what a log may hold, never the failing row (names,
    /// e-mail addresses) nor the input a data exception quotes (hardening issue, finding 3).
    @Test func errorsNeverCarryTheFailingRow() throws {
        let connection = try Connection(url: try TestDatabase.create())
        try connection.execute(script: "CREATE TABLE people (email text CHECK (length(email) < 10), n int UNIQUE)")
        let email = "ana.perez@example.com"
        let check = try #require(throws: DatabaseError.self) {
            try connection.query("INSERT INTO people (email) VALUES (\(email))")
        }
        #expect(check.code == .checkViolation && check.constraint == "people_email_check")
        #expect(!check.debugDescription.contains(email), "\(check.debugDescription)")
        #expect(check.debugDescription.contains("table people"))
        try connection.query("INSERT INTO people (n) VALUES (\(4242))")
        let unique = try #require(throws: DatabaseError.self) { try connection.query("INSERT INTO people (n) VALUES (\(4242))") }
        #expect(!unique.debugDescription.contains("4242"), "\(unique.debugDescription)")
        let secret = "secret-value-123"
        let data = try #require(throws: DatabaseError.self) { try connection.query("SELECT \(secret)::int AS n") }
        #expect(data.code.sqlState == "22P02" && !data.debugDescription.contains(secret), "\(data.debugDescription)")
    }
}
