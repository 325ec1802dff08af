import Foundation
import PostgreSQL
import TestSupport
import Testing

@testable import Migrations

@Suite struct MigrationFileTests {
    @Test func parsesNumberedFileNames() {
        #expect(Migration.parseFileName("001_foundation.sql")! == (1, "foundation"))
        #expect(Migration.parseFileName("012_add_jobs_index.sql")! == (12, "add_jobs_index"))
        for bad in ["1_x.sql", "001.sql", "001_.sql", "abc_x.sql", "001_x.txt", "0001_x.sql", "000_x.sql"] {
            #expect(Migration.parseFileName(bad) == nil, "\(bad)")
        }
    }

    @Test func loadsInOrderAndRejectsStrayFiles() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try "SELECT 2;".write(to: directory.appendingPathComponent("002_b.sql"), atomically: true, encoding: .utf8)
        try "SELECT 1;".write(to: directory.appendingPathComponent("001_a.sql"), atomically: true, encoding: .utf8)
        #expect(try Migration.load(from: directory).map(\.version) == [1, 2])
        try "".write(to: directory.appendingPathComponent("notes.txt"), atomically: true, encoding: .utf8)
        #expect(throws: MigrationError.badFileName("notes.txt")) { try Migration.load(from: directory) }
    }

    @Test func theShippedMigrationsLoad() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let migrations = try Migration.load(from: root.appendingPathComponent("sql/migrations"))
        #expect(!migrations.isEmpty)
        #expect(migrations.map(\.version) == Array(1...migrations.count))
    }
}

@Suite(.enabled(if: TestDatabase.available, "needs the test cluster of `make test`"), .serialized)
struct MigratorTests {
    let first = Migration(version: 1, name: "t", sql: "CREATE TABLE t (id int);")
    let second = Migration(version: 2, name: "u", sql: "CREATE TABLE u (id int); INSERT INTO u VALUES (1);")

    @Test func appliesPendingMigrationsOnceEach() throws {
        let connection = try Connection(url: try TestDatabase.create())
        let migrator = Migrator(connection: connection)
        #expect(try migrator.migrate([self.first]).map(\.version) == [1])
        #expect(try migrator.migrate([self.first, self.second]).map(\.version) == [2])
        #expect(try migrator.migrate([self.first, self.second]).isEmpty)
        let rows = try connection.query("SELECT version, length(checksum) AS len FROM schema_migrations ORDER BY version")
        #expect(try rows.map { try $0.int("version") } == [1, 2])
        #expect(try rows.map { try $0.int("len") } == [64, 64])
    }

    @Test func refusesAnAppliedFileThatChanged() throws {
        let connection = try Connection(url: try TestDatabase.create())
        let migrator = Migrator(connection: connection)
        try migrator.migrate([self.first])
        let edited = Migration(version: 1, name: "t", sql: "CREATE TABLE t (id bigint);")
        #expect(throws: MigrationError.changedAfterApplying(version: 1, name: "t")) {
            try migrator.migrate([edited, self.second])
        }
        // Nothing after the refusal ran.
        #expect(try connection.query("SELECT to_regclass('u') IS NULL AS missing")[0].bool("missing"))
    }

    @Test func refusesADatabaseFromANewerRelease() throws {
        let connection = try Connection(url: try TestDatabase.create())
        try Migrator(connection: connection).migrate([self.first, self.second])
        #expect(throws: MigrationError.unknownAppliedVersion(2)) {
            try Migrator(connection: connection).migrate([self.first])
        }
    }

    @Test func aFailingMigrationLeavesNothingBehind() throws {
        let connection = try Connection(url: try TestDatabase.create())
        let broken = Migration(version: 2, name: "broken", sql: "CREATE TABLE half (id int); SELECT * FROM missing;")
        #expect(throws: MigrationError.self) { try Migrator(connection: connection).migrate([self.first, broken]) }
        #expect(try connection.query("SELECT to_regclass('half') IS NULL AS missing")[0].bool("missing"))
        #expect(try connection.query("SELECT count(*) AS n FROM schema_migrations")[0].int("n") == 1)
    }

    @Test func theShippedMigrationsApplyToAnEmptyDatabase() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let connection = try Connection(url: try TestDatabase.create())
        let migrations = try Migration.load(from: root.appendingPathComponent("sql/migrations"))
        #expect(try Migrator(connection: connection).migrate(migrations).count == migrations.count)
        let id = try connection.query("SELECT speechai_object_id() AS id")[0].string("id")
        #expect(id.count == 24)
        #expect(id.allSatisfy { $0.isHexDigit && !$0.isUppercase })
    }
}
