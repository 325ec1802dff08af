import Accounts
import Authentication
import FastCGI
import PostgreSQL
import Routing

/// Whether requests must carry an API key (`SPEECHAI_AUTH=disabled` turns checks off for local
/// development and for the legacy console behind a trusted nginx).
public enum AuthMode: Sendable, Equatable {
    case required
    case disabled
}

extension HTTPError {
    static let unauthorized = HTTPError(
        status: 401, code: "UNAUTHORIZED", message: "A valid API key is required: Authorization: Bearer sk_…",
        headers: [HTTPHeader("WWW-Authenticate", "Bearer")])

    static let adminOnly = HTTPError(
        status: 403, code: "ADMIN_ONLY", message: "This operation needs an admin API key")

    static let accountNotFound = HTTPError.notFound("Account not found")
}

/// The credentials of `Authorization: Bearer <key>`: the scheme in any case (RFC 9110 §11.1), then
/// exactly one token; nil for anything else (another scheme, no token, or more than one).
func bearerToken(_ header: String) -> String? {
    let parts = header.utf8.split(separator: UInt8(ascii: " "), omittingEmptySubsequences: true)
    guard parts.count == 2, String(decoding: parts[0], as: UTF8.self).lowercased() == "bearer" else { return nil }
    let token = parts[1]
    guard token.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else { return nil }
    return String(decoding: token, as: UTF8.self)
}

extension AppContext {
    /// Who sends the request, from its `Authorization: Bearer` key: the first step of every
    /// keyed route group, taken before the body is looked at.
    func authenticate(_ request: Request) throws -> Principal {
        if self.authMode == .disabled { return .admin }
        guard let header = request.header("authorization"), let key = bearerToken(header) else {
            throw HTTPError.unauthorized
        }
        let principal = try self.database.withConnection { connection in
            try KeyStore(connection: connection).authenticate(key)
        }
        guard let principal else { throw HTTPError.unauthorized }
        return principal
    }

    /// `authenticate`, for the routes only admin keys may use (403 for an account key).
    func authenticateAdmin(_ request: Request) throws -> Principal {
        let principal = try self.authenticate(request)
        guard principal.isAdmin else { throw HTTPError.adminOnly }
        return principal
    }

    /// The account `reference` (either id form) if the principal may see it; another tenant's
    /// account is indistinguishable from a missing one (404).
    func visibleAccount(_ reference: String, _ principal: Principal, _ connection: Connection) throws -> Account {
        try self.visible(reference, principal, notFound: .accountNotFound, find: AccountStore(connection: connection).find) {
            $0.key
        }
    }

    /// The resource `reference` names, if the principal may see it: an account key sees only what
    /// belongs to its account (`owner`), and anything else is `notFound`, as if it did not exist.
    func visible<Resource>(
        _ reference: String, _ principal: Principal, notFound: HTTPError, find: (String) throws -> Resource?,
        owner: (Resource) -> Int64
    ) throws -> Resource {
        // No id has control characters; a NUL would even be cut off on its way to PostgreSQL.
        guard !reference.unicodeScalars.contains(where: { $0.value < 0x20 }), let resource = try find(reference) else {
            throw notFound
        }
        if case .account(let key, _) = principal, key != owner(resource) { throw notFound }
        return resource
    }
}

extension AppContext {
    /// The account a read is about: `account_id` if given (checked against the key), else the
    /// key's own account; nil for an admin key without `account_id` (every account).
    func scopedAccount(_ request: Request, _ principal: Principal, _ connection: Connection) throws -> Account? {
        if let reference = request.query["account_id"], !reference.isEmpty {
            return try self.visibleAccount(reference, principal, connection)
        }
        guard case .account(let key, _) = principal else { return nil }
        guard let account = try AccountStore(connection: connection).find(key: key) else { throw HTTPError.accountNotFound }
        return account
    }

    /// The same account's key, without reading the account when the key already names it (lists).
    func scopedAccountKey(_ request: Request, _ principal: Principal, _ connection: Connection) throws -> Int64? {
        if case .account(let key, _) = principal, (request.query["account_id"] ?? "").isEmpty { return key }
        return try self.scopedAccount(request, principal, connection)?.key
    }
}
