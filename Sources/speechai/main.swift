import ArgumentParser
import Authentication
import Foundation
import Migrations
import PostgreSQL

/// Operator commands: `speechai migrate`, `speechai keys create|list|revoke`.
@main
struct SpeechAI: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "speechai",
        abstract: "SpeechAI operations.",
        subcommands: [Migrate.self, Keys.self])
}

/// Options shared by every command that talks to the database.
struct DatabaseOptions: ParsableArguments {
    /// `DATABASE_URL=…` from an environment file (systemd's EnvironmentFile syntax: `KEY=value`,
    /// optionally quoted; `#` comments).
    static func databaseURL(inFile path: String) -> String? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        for line in text.split(whereSeparator: \.isNewline) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard trimmed.hasPrefix("DATABASE_URL=") else { continue }
            let value = trimmed.dropFirst("DATABASE_URL=".count)
            return String(value.count >= 2 && (value.first == "\"" || value.first == "'") && value.last == value.first
                ? value.dropFirst().dropLast() : value)
        }
        return nil
    }

    @Option(
        name: .customLong("database-url"),
        help: "libpq connection URL (default: $DATABASE_URL, else the `make run` stack of the current checkout (var/run/env), else /etc/speechai/speechai.env).")
    var databaseURL: String?

    /// Where an operator's database is when nothing names it: the stack `make run` started from
    /// this checkout, then the systemd installation's environment file.
    static let environmentFiles = ["var/run/env", "/etc/speechai/speechai.env"]

    func connect() throws -> Connection {
        let url = self.databaseURL ?? ProcessInfo.processInfo.environment["DATABASE_URL"]
            ?? DatabaseOptions.environmentFiles.lazy.compactMap(DatabaseOptions.databaseURL(inFile:)).first
        guard let url, !url.isEmpty else {
            throw ValidationError("set DATABASE_URL or pass --database-url (no var/run/env here: is `make run` running?)")
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

struct Keys: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Manage API keys (stored only as SHA-256 hashes).",
        subcommands: [Create.self, List.self, Revoke.self])

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a key and print it: it is shown only this once.")

        @OptionGroup var database: DatabaseOptions

        @Flag(help: "An admin key: sees every account; alone may create accounts, top up, suspend, activate.")
        var admin = false

        @Option(help: "An account key: sees only this account (account_id or _id).")
        var account: String?

        @Option(help: "What the key is for.")
        var description: String?

        func validate() throws {
            guard self.admin != (self.account != nil) else { throw ValidationError("give exactly one of --admin or --account ID") }
        }

        func run() throws {
            print(try KeyStore(connection: try self.database.connect()).create(account: self.account, description: self.description))
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List keys (their ids, never the keys).")

        @OptionGroup var database: DatabaseOptions

        func run() throws {
            for key in try KeyStore(connection: try self.database.connect()).list() {
                let scope = key.isAdmin ? "admin" : "account \(key.accountId ?? "?")"
                let state = key.revokedAt.map { "revoked \($0.rfc3339)" } ?? "active"
                print("\(key.keyId)\t\(scope)\t\(state)\tcreated \(key.createdAt.rfc3339)\t\(key.description ?? "")")
            }
        }
    }

    struct Revoke: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a key by its id (as `keys list` shows it).")

        @OptionGroup var database: DatabaseOptions

        @Argument(help: "The key id (sk_ and 8 characters).")
        var keyId: String

        func run() throws {
            try KeyStore(connection: try self.database.connect()).revoke(keyId: self.keyId)
            print("revoked \(self.keyId)")
        }
    }
}
