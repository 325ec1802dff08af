import ArgumentParser
import Foundation
import Migrations
import PostgreSQL

/// Operator commands: `speechai migrate`.
@main
struct SpeechAI: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "speechai",
        abstract: "SpeechAI operations.",
        subcommands: [Migrate.self])
}

/// Options shared by every command that talks to the database.
struct DatabaseOptions: ParsableArguments {
    @Option(name: .customLong("database-url"), help: "libpq connection URL (default: $DATABASE_URL).")
    var databaseURL: String?

    func connect() throws -> Connection {
        guard let url = self.databaseURL ?? ProcessInfo.processInfo.environment["DATABASE_URL"], !url.isEmpty else {
            throw ValidationError("set DATABASE_URL or pass --database-url")
        }
        do {
            return try Connection(url: url, applicationName: "speechai-cli")
        } catch {
            throw ValidationError("cannot connect to the database: \(error.debugDescription)")
        }
    }
}

struct Migrate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Apply pending migrations from sql/migrations, in order, each in a transaction.")

    @OptionGroup var database: DatabaseOptions

    @Option(help: "Directory of NNN_name.sql files (default: $SPEECHAI_MIGRATIONS or ./sql/migrations).")
    var directory: String?

    func run() throws {
        let path = self.directory ?? ProcessInfo.processInfo.environment["SPEECHAI_MIGRATIONS"] ?? "sql/migrations"
        let migrations = try Migration.load(from: URL(fileURLWithPath: path))
        let applied = try Migrator(connection: try self.database.connect()).migrate(migrations)
        if applied.isEmpty {
            print("migrate: database is up to date (\(migrations.count) migrations)")
        } else {
            for migration in applied { print("migrate: applied \(String(format: "%03d", migration.version))_\(migration.name)") }
        }
    }
}
