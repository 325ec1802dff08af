import FastCGI
import Glibc
import JSON
import PostgreSQL
import ResponderPool
import Routing
import Time

/// `GET /`, the health checks and the pool's status page.
enum SystemRoutes {
    static func register(on router: Router, context: AppContext) {
        router.get("/") { _, _ in
            .json([
                "message": "SpeechAI API", "version": .string(context.version), "status": "active", "docs": "/docs",
            ])
        }
        router.get("/health") { request, _ in health(request, context) }
        router.get("/api/v1/health") { request, _ in health(request, context) }
        router.get("/internal/status") { request, _ in try status(request, context) }
    }

    /// `GET /internal/debug/sleep?seconds=S`: holds the worker busy in a `pg_sleep` (0–60 s), for
    /// testing draining and the request time limit.
    static func registerDebug(on router: Router, context: AppContext) {
        router.get("/internal/debug/sleep") { request, _ in
            guard let text = request.query["seconds"], let seconds = Double(text), (0...60).contains(seconds) else {
                throw HTTPError.validation([.init(field: "seconds", message: "must be a number from 0 to 60")])
            }
            try context.database.withConnection { connection in
                try connection.query("SELECT pg_sleep(\(text)::float8)")
            }
            return .json(["slept": .string(text)])
        }
    }

    /// 200 `healthy`/`connected` when a `SELECT 1` succeeds, else 503 `unhealthy`/`disconnected`.
    static func health(_ request: Request, _ context: AppContext) -> Response {
        let timestamp = Timestamp.now().rfc3339
        do {
            try context.database.withConnection { connection in
                try connection.query("SELECT 1")
            }
            return .json(["status": "healthy", "timestamp": .string(timestamp), "database": "connected"])
        } catch {
            return .json(
                ["status": "unhealthy", "timestamp": .string(timestamp), "database": "disconnected"], status: 503)
        }
    }

    /// PHP-FPM's status fields as JSON; `?full` adds one entry per worker. nginx exposes
    /// `/internal/` to loopback clients only.
    static func status(_ request: Request, _ context: AppContext) throws -> Response {
        guard let worker = context.worker else { throw HTTPError.notFound("Not running in a responder pool") }
        let snapshot = worker.scoreboard.snapshot()
        let queue = listenQueue(descriptor: worker.listenDescriptor)
        let now = Timestamp.now().microsecondsSinceEpoch
        var body: JSONObject = [
            "pool": "speechai",
            "process manager": "static",
            "start time": .int(snapshot.startTimeMicroseconds / 1_000_000),
            "start since": .int((now - snapshot.startTimeMicroseconds) / 1_000_000),
            "accepted conn": .int(Int64(snapshot.acceptedConnections)),
            "listen queue": .int(Int64(queue?.current ?? 0)),
            "max listen queue": .int(Int64(max(snapshot.maxListenQueue, UInt64(queue?.current ?? 0)))),
            "listen queue len": .int(Int64(queue?.maximum ?? 0)),
            "idle processes": .int(Int64(snapshot.idleProcesses)),
            "active processes": .int(Int64(snapshot.activeProcesses)),
            "total processes": .int(Int64(snapshot.totalProcesses)),
            "max active processes": .int(Int64(snapshot.maxActiveProcesses)),
            "max children reached": .int(Int64(snapshot.maxChildrenReached)),
            "slow requests": .int(Int64(snapshot.slowRequests)),
        ]
        if request.query.items.contains(where: { $0.name == "full" }) {
            body["processes"] = .array(
                snapshot.workers.map { worker in
                    [
                        "pid": .int(Int64(worker.pid)),
                        "state": worker.busy ? "Running" : "Idle",
                        "start since": .int((now - worker.stateSinceMicroseconds) / 1_000_000),
                        "requests": .int(Int64(worker.requests)),
                        "request duration": .int(
                            worker.busy ? now - worker.stateSinceMicroseconds : worker.lastDurationMicroseconds),
                        "request method": .string(worker.method ?? "-"),
                        "request uri": .string(worker.uri ?? "-"),
                    ]
                })
        }
        return .json(.object(body))
    }
}
