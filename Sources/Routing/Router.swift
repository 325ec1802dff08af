import FastCGI
import JSON

/// Path parameters captured by a route pattern such as `/api/v1/accounts/{id}`.
public struct PathParameters: Sendable {
    private let values: [String: String]

    init(_ values: [String: String]) { self.values = values }

    public subscript(name: String) -> String? { self.values[name] }

    /// The parameter a route's pattern guarantees is there.
    public func require(_ name: String) throws(HTTPError) -> String {
        guard let value = self.values[name] else { throw HTTPError.notFound() }
        return value
    }
}

/// Matches method and path to a handler. A known path with the wrong method is a 405 with
/// `Allow`; an unknown path a JSON 404. Errors thrown by handlers render themselves.
public final class Router<Context>: @unchecked Sendable {
    public typealias Handler = (Request, PathParameters, Context) throws -> Response

    private enum Segment: Equatable {
        case literal(String)
        case parameter(String)
    }

    private struct Route {
        let method: String
        let segments: [Segment]
        let handler: Handler
    }

    private var routes: [Route] = []
    private let renderError: @Sendable (Request, any Error) -> HTTPError

    /// - Parameter renderError: turns an error that is not already an `HTTPError` into one (and
    ///   logs it when it is unexpected); the client never sees more than the `HTTPError`.
    public init(renderError: @escaping @Sendable (Request, any Error) -> HTTPError) {
        self.renderError = renderError
    }

    public func add(_ method: String, _ pattern: String, _ handler: @escaping Handler) {
        let segments: [Segment] = pattern.split(separator: "/").map { part in
            if part.hasPrefix("{"), part.hasSuffix("}") { return .parameter(String(part.dropFirst().dropLast())) }
            return .literal(String(part))
        }
        self.routes.append(Route(method: method, segments: segments, handler: handler))
    }

    public func get(_ pattern: String, _ handler: @escaping Handler) { self.add("GET", pattern, handler) }
    public func post(_ pattern: String, _ handler: @escaping Handler) { self.add("POST", pattern, handler) }
    public func put(_ pattern: String, _ handler: @escaping Handler) { self.add("PUT", pattern, handler) }
    public func patch(_ pattern: String, _ handler: @escaping Handler) { self.add("PATCH", pattern, handler) }
    public func delete(_ pattern: String, _ handler: @escaping Handler) { self.add("DELETE", pattern, handler) }

    public func respond(to request: Request, context: Context) -> Response {
        var allowed: [String] = []
        for route in self.routes {
            guard let parameters = Router.match(route.segments, request.pathSegments) else { continue }
            let matchesMethod = route.method == request.method || (route.method == "GET" && request.method == "HEAD")
            guard matchesMethod else {
                if !allowed.contains(route.method) { allowed.append(route.method) }
                continue
            }
            do {
                return try route.handler(request, PathParameters(parameters), context)
            } catch let error as HTTPError {
                return error.response
            } catch {
                return self.renderError(request, error).response
            }
        }
        if !allowed.isEmpty {
            return HTTPError(
                status: 405, code: "METHOD_NOT_ALLOWED",
                message: "Method \(request.method) is not allowed for \(request.path)",
                headers: [(name: "Allow", value: allowed.joined(separator: ", "))]
            ).response
        }
        return HTTPError.notFound("No route for \(request.method) \(request.path)").response
    }

    private static func match(_ pattern: [Segment], _ path: [String]) -> [String: String]? {
        guard pattern.count == path.count else { return nil }
        var parameters: [String: String] = [:]
        for (segment, value) in zip(pattern, path) {
            switch segment {
            case .literal(let literal): if literal != value { return nil }
            case .parameter(let name): parameters[name] = value
            }
        }
        return parameters
    }
}
