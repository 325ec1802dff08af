import FastCGI
import JSON
import PostgreSQL
import ResponderPool
import Routing
import Time

/// Everything a handler may use while serving one request in a worker.
public struct AppContext {
    public let database: DatabaseSession
    /// Present when running inside the pool (absent in tests that call the router directly).
    public let worker: WorkerContext?
    public let version: String
}

/// The HTTP application: its routes and how its errors are shown.
public final class App {
    public static let version = "1.0.0"

    private let router: Router

    /// - Parameter debugRoutes: adds `/internal/debug/*` (a slow request on demand), which the
    ///   pool's end-to-end tests need; never enabled in production (`SPEECHAI_DEBUG_ROUTES`).
    public init(databaseURL: String, worker: WorkerContext?, debugRoutes: Bool = false) {
        let context = AppContext(database: DatabaseSession(url: databaseURL), worker: worker, version: App.version)
        self.router = Router(renderError: App.renderError)
        SystemRoutes.register(on: self.router, context: context)
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
