import Foundation
import Migrations
import PostgreSQL

/// A fresh, empty database in the test cluster that `make test` starts (`SPEECHAI_TEST_PG` holds
/// its libpq key/value settings without `dbname`). Under `make test` a missing cluster fails the
/// tests instead of skipping them (`SPEECHAI_TEST_REQUIRE_DATABASE=1`).
public enum TestDatabase {
    public static let settings = ProcessInfo.processInfo.environment["SPEECHAI_TEST_PG"]
    public static let available =
        settings != nil || ProcessInfo.processInfo.environment["SPEECHAI_TEST_REQUIRE_DATABASE"] == "1"

    public struct Unavailable: Error, CustomStringConvertible {
        public var description: String { "SPEECHAI_TEST_PG is not set: run the tests with `make test`" }
    }

    /// Creates a new database and returns its connection settings.
    public static func create() throws -> String {
        guard let settings else { throw Unavailable() }
        let name = "test_\(UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: ""))"
        let admin = try Connection(url: "\(settings) dbname=postgres")
        try admin.execute(script: "CREATE DATABASE \(name)")
        return "\(settings) dbname=\(name)"
    }

    /// Creates a new database with every migration of `sql/migrations` applied.
    public static func createMigrated() throws -> String {
        let url = try self.create()
        let migrations = try Migration.load(from: repositoryRoot.appendingPathComponent("sql/migrations"))
        try Migrator(connection: try Connection(url: url)).migrate(migrations)
        return url
    }

    /// The checkout this test binary was built from.
    public static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
}
