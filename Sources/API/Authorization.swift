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

extension AppContext {
    /// The principal of the request's `Authorization: Bearer` key.
    func principal(_ request: Request, _ connection: Connection) throws -> Principal {
        if self.authMode == .disabled { return .admin }
        guard let header = request.header("authorization"), header.hasPrefix("Bearer ") else {
            throw HTTPError.unauthorized
        }
        let key = header.utf8.dropFirst("Bearer ".count).split(separator: UInt8(ascii: " ")).first
            .map { String(decoding: $0, as: UTF8.self) } ?? ""
        guard let principal = try KeyStore(connection: connection).authenticate(key) else { throw HTTPError.unauthorized }
        return principal
    }

    func requireAdmin(_ request: Request, _ connection: Connection) throws {
        guard try self.principal(request, connection).isAdmin else { throw HTTPError.adminOnly }
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
