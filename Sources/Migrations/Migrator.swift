import Foundation
import PostgreSQL

/// One numbered file `sql/migrations/NNN_name.sql`.
public struct Migration: Sendable, Equatable {
    public let version: Int
    public let name: String
    public let sql: String

    public init(version: Int, name: String, sql: String) {
        self.version = version
        self.name = name
        self.sql = sql
    }

    /// Reads every `NNN_name.sql` in `directory`, in version order. Other files are an error, so a
    /// misnamed migration is noticed instead of silently skipped.
    public static func load(from directory: URL) throws(MigrationError) -> [Migration] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        } catch {
            throw .unreadableDirectory(directory.path)
        }
        var migrations: [Migration] = []
        for file in names.sorted() where !file.hasPrefix(".") {
            guard let (version, name) = Migration.parseFileName(file) else { throw .badFileName(file) }
            guard let sql = try? String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8) else {
                throw .unreadableFile(file)
            }
            if let clash = migrations.first(where: { $0.version == version }) {
                throw .duplicateVersion(version, clash.name, name)
            }
            migrations.append(Migration(version: version, name: name, sql: sql))
        }
        return migrations.sorted { $0.version < $1.version }
    }

    /// `001_accounts.sql` → (1, "accounts").
    static func parseFileName(_ file: String) -> (Int, String)? {
        guard file.hasSuffix(".sql") else { return nil }
        let stem = file.dropLast(4)
        guard let underscore = stem.firstIndex(of: "_") else { return nil }
        let digits = stem[..<underscore]
        let name = stem[stem.index(after: underscore)...]
        guard digits.count == 3, digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber), let version = Int(digits),
            version > 0, !name.isEmpty
        else { return nil }
        return (version, String(name))
    }
}

public enum MigrationError: Error, Equatable, CustomStringConvertible {
    case unreadableDirectory(String)
    case unreadableFile(String)
    case badFileName(String)
    case duplicateVersion(Int, String, String)
    /// An applied migration's file no longer has the checksum it had when it was applied.
    case changedAfterApplying(version: Int, name: String)
    /// The database has a migration this checkout does not know (a newer release ran against it).
    case unknownAppliedVersion(Int)
    case failed(version: Int, name: String, reason: String)

    public var description: String {
        switch self {
        case .unreadableDirectory(let path): return "cannot read the migrations directory \(path)"
        case .unreadableFile(let file): return "cannot read \(file) as UTF-8"
        case .badFileName(let file): return "\(file) is not named NNN_name.sql"
        case .duplicateVersion(let version, let first, let second):
            return "version \(version) is used by both \(first) and \(second)"
        case .changedAfterApplying(let version, let name):
            return
                "migration \(String(format: "%03d", version))_\(name).sql was changed after it was applied; "
                + "migrations are never edited once landed: add a new one instead"
        case .unknownAppliedVersion(let version):
            return "the database has migration \(version) applied, which this checkout does not have"
        case .failed(let version, let name, let reason):
            return "migration \(String(format: "%03d", version))_\(name).sql failed: \(reason)"
        }
    }
}

/// Applies pending migrations in order, each in its own transaction, recording each with the
/// SHA-256 of its text. Refuses to do anything if an applied file changed or is unknown.
public struct Migrator {
    /// Serialises concurrent `speechai migrate` runs (two hosts deploying at once).
    static let advisoryLockKey: Int64 = 0x5350_4541_4348_4149  // "SPEECHAI"

    let connection: Connection

    public init(connection: Connection) {
        self.connection = connection
    }

    /// - Returns: the migrations applied by this run (empty when the database was up to date).
    @discardableResult
    public func migrate(_ migrations: [Migration]) throws -> [Migration] {
        try self.connection.execute(
            script: """
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    version    integer PRIMARY KEY,
                    name       text NOT NULL,
                    checksum   text NOT NULL,
                    applied_at timestamptz NOT NULL DEFAULT now()
                )
                """)
        try self.connection.query("SELECT pg_advisory_lock(\(Migrator.advisoryLockKey))")
        defer { _ = try? self.connection.query("SELECT pg_advisory_unlock(\(Migrator.advisoryLockKey))") }

        var applied: [Int: String] = [:]
        for row in try self.connection.query("SELECT version, checksum FROM schema_migrations") {
            applied[Int(try row.int("version"))] = try row.string("checksum")
        }
        let known = Set(migrations.map(\.version))
        if let unknown = applied.keys.sorted().first(where: { !known.contains($0) }) {
            throw MigrationError.unknownAppliedVersion(unknown)
        }
        for migration in migrations {
            if let checksum = applied[migration.version], checksum != (try self.checksum(of: migration)) {
                throw MigrationError.changedAfterApplying(version: migration.version, name: migration.name)
            }
        }
        var ran: [Migration] = []
        for migration in migrations where applied[migration.version] == nil {
            do {
                try self.connection.transaction {
                    try self.connection.execute(script: migration.sql)
                    try self.connection.query(
                        """
                        INSERT INTO schema_migrations (version, name, checksum)
                        VALUES (\(migration.version), \(migration.name), encode(sha256(convert_to(\(migration.sql), 'UTF8')), 'hex'))
                        """)
                }
            } catch let error as DatabaseError {
                throw MigrationError.failed(version: migration.version, name: migration.name, reason: error.debugDescription)
            }
            ran.append(migration)
        }
        return ran
    }

    private func checksum(of migration: Migration) throws -> String {
        try self.connection.query("SELECT encode(sha256(convert_to(\(migration.sql), 'UTF8')), 'hex') AS checksum")[0]
            .string("checksum")
    }
}
