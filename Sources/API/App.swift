import Accounts
import Batches
import Imports
import Ingestion
import FastCGI
import JSON
import PostgreSQL
import ResponderPool
import Routing
import Time

/// How lists are shaped (`SPEECHAI_LIST_FORMAT`): the seed's `{"<plural>": [...], "total", "limit",
/// "skip"}`, or the bare arrays (total in `X-Total-Count`) the legacy console reads.
public enum ListFormat: String, Sendable {
    case seed
    case array
}

/// Everything a handler may use while serving one request in a worker.
public struct AppContext {
    public let database: DatabaseSession
    /// Present when running inside the pool (absent in tests that call the router directly).
    public let worker: WorkerContext?
    public let version: String
    public let authMode: AuthMode
    public let listFormat: ListFormat
    /// `RETELL_WEBHOOK_KEY`: the key webhooks are signed with; without it every webhook is refused.
    public let webhookKey: String?
}

/// The HTTP application: its routes and how its errors are shown.
public final class App {
    public static let version = "1.0.0"

    private let router: Router

    /// - Parameter debugRoutes: adds `/internal/debug/*` (a slow request on demand), which the
    ///   pool's end-to-end tests need; never enabled in production (`SPEECHAI_DEBUG_ROUTES`).
    public init(
        databaseURL: String, worker: WorkerContext?, authMode: AuthMode = .required, listFormat: ListFormat = .seed,
        webhookKey: String? = nil, debugRoutes: Bool = false
    ) {
        let context = AppContext(
            database: DatabaseSession(url: databaseURL), worker: worker, version: App.version, authMode: authMode,
            listFormat: listFormat, webhookKey: webhookKey)
        self.router = Router(renderError: App.renderError)
        // Route groups: the system routes need no key; every other route authenticates once, in
        // its group, before its handler reads the body.
        let keyed = self.router.group(authenticate: context.authenticate)
        let admin = self.router.group(authenticate: context.authenticateAdmin)
        SystemRoutes.register(on: self.router, context: context)
        AccountRoutes.register(keyed: keyed, admin: admin, context: context)
        IngestionRoutes.register(on: keyed, context: context)
        BatchRoutes.register(on: keyed, context: context)
        JobRoutes.register(on: keyed, context: context)
        DoNotCallRoutes.register(on: keyed, context: context)
        DashboardRoutes.register(on: keyed, context: context)
        CallRoutes.register(on: keyed, context: context)
        ReportRoutes.register(on: keyed, context: context)
        // Provider webhooks carry a signature instead of a key.
        WebhookRoutes.register(on: self.router.group(authenticate: context.verifyWebhookSignature), context: context)
        if debugRoutes { SystemRoutes.registerDebug(on: self.router, context: context) }
    }

    /// The routes this application serves (the OpenAPI document must list exactly these).
    public var routes: [Router.Description] { self.router.descriptions }

    public func handle(_ request: Request) -> Response {
        self.router.respond(to: request)
    }

    /// Maps errors that escaped a handler to what the client sees; unexpected ones are logged
    /// in full (the client only gets a generic 500).
    @Sendable static func renderError(_ request: Request, _ error: any Error) -> HTTPError {
        switch error {
        case let error as any HTTPErrorConvertible:
            return error.httpError
        case let error as AccountError:
            switch error {
            case .accountIdTaken(let id):
                return .conflict("The account_id \(id) is already taken", code: "ACCOUNT_ID_TAKEN")
            case .unknownTimezone(let name):
                return .validation([.init(field: "timezone", message: "\(name) is not an IANA time zone")])
            }
        case let error as LedgerError:
            switch error {
            case .accountNotFound: return .accountNotFound
            case .holdNotFound: return .notFound("Hold not found")
            case .insufficientFunds(let available, let needed):
                return .badRequest("Not enough credit: \(available) available, \(needed) needed", code: "INSUFFICIENT_CREDITS")
            case .holdRejected(let rejection):
                return .conflict("The hold cannot change: \(rejection)", code: "HOLD_ALREADY_RESOLVED")
            case .unitNotInPlan(let plan, let unit):
                return .badRequest("A \(plan.rawValue) account cannot hold \(unit.rawValue)", code: "PLAN_MISMATCH")
            }
        case let error as TransitionRefused:
            return .conflict(error.message, code: error.code)
        case BatchError.notFound:
            return .notFound("Not found")
        case let error as DatabaseError where error.code == .uniqueViolation && error.constraint == "jobs_live_contacts":
            return .conflict("The contact already has a live job in this batch", code: "DUPLICATE_CONTACT")
        case let error as DatabaseError
        where error.code == .deadlockDetected || error.code == .serializationFailure || error.code == .lockNotAvailable:
            return .conflict("The resource changed at the same time; try again", code: "CONCURRENT_CHANGE")
        case let error as DatabaseError where error.code == .queryCanceled:
            PoolLog.write("\(request.method) \(request.path): statement timeout: \(error.debugDescription)")
            return HTTPError(status: 503, code: "TIMEOUT", message: "The request took too long; try again shortly")
        case let error as IngestionError:
            return .badRequest(error.message, code: "INVALID_CONTACTS")
        case let error as ImportRefusal:
            switch error {
            case .accountSuspended:
                return .conflict("The account is suspended: it cannot create batches", code: "ACCOUNT_SUSPENDED")
            case .noValidContacts(let rowErrors, let count):
                return .badRequest(
                    "No row gives a contact that can be called (\(count) row errors)", code: "NO_VALID_CONTACTS",
                    details: ["row_errors": .array(rowErrors.map(\.json)), "row_errors_total": .int(Int64(count))])
            case .allDuplicates(let count, let sample):
                return .badRequest(
                    "All \(count) contacts already have jobs in other batches of this account (send allow_duplicates=true to call them again)",
                    code: "ALL_DUPLICATES", details: ["duplicates": .array(sample.map(\.json))])
            case .insufficientFunds(let needed, let available, let unit):
                return .badRequest(
                    "Not enough \(unit.rawValue) for this batch: it needs an estimated \(needed), the account has \(available) available",
                    code: "INSUFFICIENT_CREDITS")
            }
        case let error as DatabaseError where error.isConnectionLost:
            PoolLog.write("\(request.method) \(request.path): database unavailable: \(error.debugDescription)")
            return .serviceUnavailable
        case let error as DatabaseError:
            PoolLog.write("\(request.method) \(request.path): unexpected \(error.debugDescription)")
            return .internalError
        default:
            PoolLog.write("\(request.method) \(request.path): unexpected error: \(String(reflecting: error))")
            return .internalError
        }
    }
}
