import Accounts
import Crypto
import FoundationEssentials
import PostgreSQL
import Time

/// The SHA-256 of `bytes` in lower-case hex (key hashes, request fingerprints).
public func sha256Hex(_ bytes: [UInt8]) -> String {
    let digits = Array("0123456789abcdef".utf8)
    return SHA256.hash(data: bytes).withUnsafeBytes { digest in
        String(unsafeUninitializedCapacity: digest.count * 2) { output in
            for (index, byte) in digest.enumerated() {
                output[2 * index] = digits[Int(byte >> 4)]
                output[2 * index + 1] = digits[Int(byte & 0x0F)]
            }
            return digest.count * 2
        }
    }
}

/// Who a request acts for.
public enum Principal: Sendable, Equatable {
    /// Sees everything; alone may create accounts, top up, suspend and activate.
    case admin
    /// Sees only the account with this primary key.
    case account(key: Int64, accountId: String)

    public var isAdmin: Bool { self == .admin }
}

/// API keys: `sk_` + 43 base64url characters (32 random bytes). Only the SHA-256 of a key is
/// stored; the key itself is shown once, when it is created.
public enum APIKey {
    public static let prefix = "sk_"

    public static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return prefix + base64URL(bytes)
    }

    public static func hash(_ key: String) -> String { sha256Hex(Array(key.utf8)) }

    /// The public handle of a key (its first characters), safe to list and to name in `revoke`.
    public static func keyId(of key: String) -> String { String(key.prefix(prefix.count + 8)) }

    /// Whether `text` has the shape of a key (checked before hashing anything a client sent).
    public static func isWellFormed(_ text: String) -> Bool {
        text.hasPrefix(prefix) && text.utf8.count == prefix.count + 43
            && text.utf8.dropFirst(prefix.count).allSatisfy { byte in
                (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                    || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "-")
                    || byte == UInt8(ascii: "_")
            }
    }

    /// Base64url (RFC 4648 §5) without padding.
    static func base64URL(_ bytes: [UInt8]) -> String {
        let standard = Data(bytes).base64EncodedString()
        return String(standard.compactMap { character -> Character? in
            switch character {
            case "+": return "-"
            case "/": return "_"
            case "=": return nil
            default: return character
            }
        })
    }
}

public struct StoredKey: Sendable, Equatable {
    public let keyId: String
    public let isAdmin: Bool
    public let accountId: String?
    public let description: String?
    public let createdAt: Timestamp
    public let revokedAt: Timestamp?
}

public enum KeyStoreError: Error, Sendable, Equatable, CustomStringConvertible {
    case unknownAccount(String)
    case unknownKey(String)

    public var description: String {
        switch self {
        case .unknownAccount(let account): return "no account \(account)"
        case .unknownKey(let key): return "no active key \(key)"
        }
    }
}

/// API keys in the database.
public struct KeyStore {
    let connection: Connection

    public init(connection: Connection) {
        self.connection = connection
    }

    /// Creates a key (an admin key when `account` is nil) and returns it: the only time it is seen.
    public func create(account: String?, description: String?) throws -> String {
        let key = APIKey.generate()
        var accountKey: Int64?
        if let account {
            guard let found = try AccountStore(connection: self.connection).find(account) else {
                throw KeyStoreError.unknownAccount(account)
            }
            accountKey = found.key
        }
        try self.connection.query(
            """
            INSERT INTO api_keys (key_id, key_hash, account_id, is_admin, description)
            VALUES (\(APIKey.keyId(of: key)), \(APIKey.hash(key)), \(accountKey), \(accountKey == nil), \(description))
            """)
        return key
    }

    public func list() throws -> [StoredKey] {
        try self.connection.query(
            """
            SELECT k.key_id, k.is_admin, a.account_id, k.description, k.created_at, k.revoked_at
            FROM api_keys k LEFT JOIN accounts a ON a.id = k.account_id
            ORDER BY k.created_at, k.id
            """
        ).map { row in
            StoredKey(
                keyId: try row.string("key_id"), isAdmin: try row.bool("is_admin"),
                accountId: try row.optionalString("account_id"), description: try row.optionalString("description"),
                createdAt: try row.timestamp("created_at"), revokedAt: try row.optionalTimestamp("revoked_at"))
        }
    }

    public func revoke(keyId: String) throws {
        let result = try self.connection.query(
            "UPDATE api_keys SET revoked_at = now() WHERE key_id = \(keyId) AND revoked_at IS NULL")
        guard result.affectedRows == 1 else { throw KeyStoreError.unknownKey(keyId) }
    }

    /// The principal of a presented key, or nil for an unknown, revoked or malformed one.
    public func authenticate(_ presented: String) throws -> Principal? {
        guard APIKey.isWellFormed(presented) else { return nil }
        guard let row = try self.connection.query(
            """
            SELECT k.is_admin, k.account_id, a.account_id AS account_name
            FROM api_keys k LEFT JOIN accounts a ON a.id = k.account_id
            WHERE k.key_hash = \(APIKey.hash(presented)) AND k.revoked_at IS NULL
            """
        ).first else { return nil }
        if try row.bool("is_admin") { return .admin }
        return .account(key: try row.int("account_id"), accountId: try row.string("account_name"))
    }
}
