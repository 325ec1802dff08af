import Glibc

/// How the pool runs. Read from the environment (`/etc/speechai/speechai.env` under systemd);
/// workers inherit the same environment, so supervisor and workers always agree.
public struct PoolConfiguration: Sendable, Equatable {
    public enum Listen: Sendable, Equatable {
        /// A unix socket path, created with `socketMode`.
        case unix(path: String)
        /// `host:port` (or `:port` for every interface).
        case tcp(String)
        /// A socket already open on this descriptor (systemd socket activation, spawn-fcgi style fd 0).
        case inherited(Int32)
    }

    public var listen: Listen
    public var workers: Int
    /// Requests a worker serves before it is replaced (0 = never), as PHP-FPM's `pm.max_requests`.
    /// Each worker adds up to 1/8 more at random (gunicorn's `max_requests_jitter`), so workers
    /// that share the load evenly are not all replaced at the same moment.
    public var maxRequests: Int
    /// A worker busy on one request longer than this is killed and replaced.
    public var requestTimeLimitSeconds: Double
    /// The limit of the long routes instead (uploads and report downloads; see `isLongRequest`).
    /// nginx's `fastcgi_read_timeout` for each kind of route is its limit + 5 s
    /// (nginx/speechai-locations.conf), so the pool, never nginx, ends a request that runs over.
    public var longRequestTimeLimitSeconds: Double
    /// Requests slower than this are logged and counted as `slow requests`.
    public var slowRequestSeconds: Double
    /// How long a draining worker may take before it is killed.
    public var drainTimeoutSeconds: Double
    public var socketMode: mode_t
    public var backlog: Int32
    /// Bodies announced larger than this are refused (413) unread; nginx enforces the real limits.
    public var maximumBodyBytes: Int

    public static let defaultWorkers = 2 * Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))

    /// - Parameter environment: usually `ProcessInfo.processInfo.environment`.
    public init(environment: [String: String]) throws(PoolError) {
        func number(_ name: String, _ fallback: Double, _ range: ClosedRange<Double>) throws(PoolError) -> Double {
            guard let text = environment[name], !text.isEmpty else { return fallback }
            guard let value = Double(text), range.contains(value) else {
                throw .configuration("\(name)=\(text) is not a number in \(range.lowerBound)...\(range.upperBound)")
            }
            return value
        }
        switch environment["SPEECHAI_LISTEN"] ?? "" {
        case "":
            guard let descriptor = PoolConfiguration.activatedSocket(environment) else {
                throw .configuration("SPEECHAI_LISTEN is not set and no listening socket was inherited")
            }
            self.listen = .inherited(descriptor)
        case let value where value.hasPrefix("fd:"):
            guard let descriptor = Int32(value.dropFirst(3)), descriptor >= 0 else {
                throw .configuration("SPEECHAI_LISTEN=\(value): expected fd:N")
            }
            self.listen = .inherited(descriptor)
        case let value where value.hasPrefix("/") || value.hasPrefix("."):
            self.listen = .unix(path: value)
        case let value where value.contains(":"):
            self.listen = .tcp(value)
        case let value:
            throw .configuration("SPEECHAI_LISTEN=\(value): expected a socket path, host:port or fd:N")
        }
        self.workers = Int(try number("SPEECHAI_WORKERS", Double(PoolConfiguration.defaultWorkers), 1...256))
        self.maxRequests = Int(try number("SPEECHAI_MAX_REQUESTS", 50_000, 0...1e12))
        self.requestTimeLimitSeconds = try number("SPEECHAI_REQUEST_TIME_LIMIT", 120, 0.1...86_400)
        self.slowRequestSeconds = try number("SPEECHAI_SLOW_REQUEST_SECONDS", 1, 0.001...86_400)
        self.longRequestTimeLimitSeconds = try number("SPEECHAI_LONG_REQUEST_TIME_LIMIT", 300, 0.1...86_400)
        self.drainTimeoutSeconds = try number(
            "SPEECHAI_DRAIN_TIMEOUT", max(self.requestTimeLimitSeconds, self.longRequestTimeLimitSeconds) + 5, 0.1...86_400)
        self.backlog = Int32(try number("SPEECHAI_LISTEN_BACKLOG", 1024, 1...65_535))
        self.maximumBodyBytes = Int(try number("SPEECHAI_MAX_BODY_BYTES", 21 * 1024 * 1024, 1024...1e9))
        let modeText = environment["SPEECHAI_SOCKET_MODE"] ?? "0660"
        guard let mode = mode_t(modeText, radix: 8), mode <= 0o777 else {
            throw .configuration("SPEECHAI_SOCKET_MODE=\(modeText) is not an octal mode")
        }
        self.socketMode = mode
    }

    /// The time limit of a request, by its method and URI (the path and query).
    public func timeLimitSeconds(method: String, uri: String) -> Double {
        PoolConfiguration.isLongRequest(method: method, uri: uri) ? self.longRequestTimeLimitSeconds : self.requestTimeLimitSeconds
    }

    /// Uploads of contact lists (`POST /api/v1/batches/excel/{preview,create}`,
    /// `/batches/{chile,argentina}/{use_case}`, `/accounts/{id}/do-not-call/upload`) and report
    /// downloads (`GET /api/v1/batches/{id}/report.{xlsx,csv}`): the routes nginx also gives 305 s.
    static func isLongRequest(method: String, uri: String) -> Bool {
        let path = uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        let parts = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst().map(String.init)
        guard parts.count >= 4, parts[0] == "api", parts[1] == "v1", !parts.contains("") else { return false }
        let rest = Array(parts.dropFirst(2))
        switch method {
        case "POST":
            if rest == ["batches", "excel", "preview"] || rest == ["batches", "excel", "create"] { return true }
            if rest.count == 3, rest[0] == "batches", rest[1] == "chile" || rest[1] == "argentina" { return true }
            return rest.count == 4 && rest[0] == "accounts" && rest[2] == "do-not-call" && rest[3] == "upload"
        case "GET", "HEAD":
            return rest.count == 3 && rest[0] == "batches" && (rest[2] == "report.xlsx" || rest[2] == "report.csv")
        default:
            return false
        }
    }

    /// systemd's `LISTEN_FDS` protocol (fd 3), or a listening socket on fd 0 (`StandardInput=socket`,
    /// spawn-fcgi).
    static func activatedSocket(_ environment: [String: String]) -> Int32? {
        if let pid = environment["LISTEN_PID"].flatMap(Int32.init), pid == getpid(),
            let count = environment["LISTEN_FDS"].flatMap(Int.init), count >= 1
        {
            return 3
        }
        var accepting: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        if getsockopt(0, SOL_SOCKET, SO_ACCEPTCONN, &accepting, &length) == 0, accepting != 0 { return 0 }
        return nil
    }
}
