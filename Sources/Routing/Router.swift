import FastCGI
import JSON

/// Path parameters captured by a route pattern such as `/api/v1/accounts/{id}`.
public struct PathParameters: Sendable {
    struct Parameter: Sendable {
        let name: String
        let value: String
    }

    private let parameters: [Parameter]

    init(_ parameters: [Parameter]) { self.parameters = parameters }

    public subscript(name: String) -> String? { self.parameters.first(where: { $0.name == name })?.value }

    /// The parameter a route's pattern guarantees is there.
    public func require(_ name: String) throws(HTTPError) -> String {
        guard let value = self[name] else { throw HTTPError.notFound() }
        return value
    }
}

/// Matches method and path to a handler. A known path with the wrong method is a 405 with
/// `Allow`; an unknown path a JSON 404. Errors thrown by handlers render themselves.
///
/// Handlers capture what they need (the database session, the pool) when they are registered;
/// the router is deliberately not generic, so nothing on the request path goes through generic
/// metadata or reabstraction thunks.
public final class Router: @unchecked Sendable {
    public typealias Handler = (Request, PathParameters) throws -> Response

    private enum Segment: Equatable {
        case literal(String)
        case parameter(String)
    }

    private struct Route {
        let method: String
        let pattern: String
        let segments: [Segment]
        let handler: Handler
    }

    /// A registered route, for documentation checks.
    public struct Description: Hashable, Sendable {
        public let method: String
        public let pattern: String

        public init(method: String, pattern: String) {
            self.method = method
            self.pattern = pattern
        }
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
        self.routes.append(Route(method: method, pattern: pattern, segments: segments, handler: handler))
    }

    /// Every route, in registration order.
    public var descriptions: [Description] { self.routes.map { Description(method: $0.method, pattern: $0.pattern) } }

    public func get(_ pattern: String, _ handler: @escaping Handler) { self.add("GET", pattern, handler) }
    public func post(_ pattern: String, _ handler: @escaping Handler) { self.add("POST", pattern, handler) }
    public func put(_ pattern: String, _ handler: @escaping Handler) { self.add("PUT", pattern, handler) }
    public func patch(_ pattern: String, _ handler: @escaping Handler) { self.add("PATCH", pattern, handler) }
    public func delete(_ pattern: String, _ handler: @escaping Handler) { self.add("DELETE", pattern, handler) }

    /// Routes that share one first step, run before any of their handlers: authentication. The
    /// step sees only the request's head, so a request it refuses never has its body parsed.
    public struct Group<Principal> {
        let router: Router
        let authenticate: (Request) throws -> Principal

        public typealias Handler = (Request, PathParameters, Principal) throws -> Response

        public func add(_ method: String, _ pattern: String, _ handler: @escaping Handler) {
            let authenticate = self.authenticate
            self.router.add(method, pattern) { request, parameters in
                try handler(request, parameters, try authenticate(request))
            }
        }

        public func get(_ pattern: String, _ handler: @escaping Handler) { self.add("GET", pattern, handler) }
        public func post(_ pattern: String, _ handler: @escaping Handler) { self.add("POST", pattern, handler) }
        public func put(_ pattern: String, _ handler: @escaping Handler) { self.add("PUT", pattern, handler) }
        public func patch(_ pattern: String, _ handler: @escaping Handler) { self.add("PATCH", pattern, handler) }
        public func delete(_ pattern: String, _ handler: @escaping Handler) { self.add("DELETE", pattern, handler) }
    }

    /// A group of routes whose requests first pass `authenticate`, which returns who is asking
    /// (handlers receive it) or throws the error the client gets.
    public func group<Principal>(authenticate: @escaping (Request) throws -> Principal) -> Group<Principal> {
        Group(router: self, authenticate: authenticate)
    }

    /// A path belongs to the most specific patterns that match it, a literal segment beating a parameter at
    /// the first place they differ (`/do-not-call/upload` is the upload, not the number "upload"): only the
    /// routes of those patterns serve it, and only their methods are in a 405's `Allow`.
    public func respond(to request: Request) -> Response {
        let path = request.pathSegments
        var resource: [Segment]?
        for route in self.routes where Router.matches(route.segments, path) {
            if let current = resource, Router.specificity(route.segments, current) <= 0 { continue }
            resource = route.segments
        }
        guard let resource else { return HTTPError.notFound("No route for \(request.method) \(request.path)").response }
        var allowed: [String] = []
        for route in self.routes where Router.matches(route.segments, path) && Router.specificity(route.segments, resource) == 0 {
            let matchesMethod = route.method == request.method || (route.method == "GET" && request.method == "HEAD")
            guard matchesMethod else {
                if !allowed.contains(route.method) { allowed.append(route.method) }
                continue
            }
            var response: Response
            do {
                response = try route.handler(request, PathParameters(Router.parameters(route.segments, path)))
            } catch let error as HTTPError {
                response = error.response
            } catch {
                response = self.renderError(request, error).response
            }
            response.route = route.pattern
            return response
        }
        return HTTPError(
            status: 405, code: "METHOD_NOT_ALLOWED",
            message: "Method \(request.method) is not allowed for \(request.path)",
            headers: [HTTPHeader("Allow", allowed.joined(separator: ", "))]
        ).response
    }

    /// Whether `pattern` matches `path`, literals compared without allocating: most routes do not match.
    private static func matches(_ pattern: [Segment], _ path: [String]) -> Bool {
        guard pattern.count == path.count else { return false }
        for index in pattern.indices {
            if case .literal(let literal) = pattern[index], literal != path[index] { return false }
        }
        return true
    }

    /// For two patterns that match the same path: 1 when `a` has a literal where `b` first has a parameter,
    /// -1 for the reverse, 0 when they have literals in the same places (the same resource).
    private static func specificity(_ a: [Segment], _ b: [Segment]) -> Int {
        for (left, right) in zip(a, b) {
            switch (left, right) {
            case (.literal, .parameter): return 1
            case (.parameter, .literal): return -1
            default: continue
            }
        }
        return 0
    }

    /// The path parameters of a pattern that `matches` the path.
    private static func parameters(_ pattern: [Segment], _ path: [String]) -> [PathParameters.Parameter] {
        var parameters: [PathParameters.Parameter] = []
        for index in pattern.indices {
            if case .parameter(let name) = pattern[index] {
                parameters.append(PathParameters.Parameter(name: name, value: path[index]))
            }
        }
        return parameters
    }
}
