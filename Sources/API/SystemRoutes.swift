import FastCGI
import Glibc
import JSON
import Metrics
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
        router.get("/internal/metrics") { _, _ in try metrics(context) }
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

    /// Prometheus metrics (PRODUCT.md §9): requests by route and status with duration
    /// histograms and the pool's saturation (from the scoreboard every worker writes), and what
    /// dispatchers and settlements did (counters kept in PostgreSQL), with a few gauges of open
    /// work read through partial indexes. nginx exposes `/internal/` to loopback clients only.
    static func metrics(_ context: AppContext) throws -> Response {
        guard let worker = context.worker else { throw HTTPError.notFound("Not running in a responder pool") }
        var text = PrometheusText()
        let (series, dropped) = worker.scoreboard.requestMetrics()
        text.family("speechai_http_requests_total", "counter", "Requests answered, by route pattern, method and status.")
        for entry in series {
            text.sample(
                "speechai_http_requests_total", [("route", entry.route), ("method", entry.method), ("status", String(entry.status))],
                Int64(entry.count))
        }
        text.family("speechai_http_request_duration_seconds", "histogram", "Time from accepting a request to its last byte.")
        for entry in series {
            text.histogram(
                "speechai_http_request_duration_seconds",
                [("route", entry.route), ("method", entry.method), ("status", String(entry.status))],
                bounds: Scoreboard.bucketBoundsSeconds, buckets: entry.buckets,
                sumSeconds: Double(entry.durationSumMicroseconds) / 1_000_000, count: entry.count)
        }
        text.family("speechai_http_requests_uncounted_total", "counter", "Requests left out because the series table was full.")
        text.sample("speechai_http_requests_uncounted_total", [], Int64(dropped))

        let snapshot = worker.scoreboard.snapshot()
        let queue = listenQueue(descriptor: worker.listenDescriptor)
        text.family("speechai_pool_workers", "gauge", "Responder workers by state.")
        text.sample("speechai_pool_workers", [("state", "busy")], Int64(snapshot.activeProcesses))
        text.sample("speechai_pool_workers", [("state", "idle")], Int64(snapshot.idleProcesses))
        text.family("speechai_pool_workers_configured", "gauge", "Workers the pool is configured to run.")
        text.sample("speechai_pool_workers_configured", [], Int64(snapshot.configuredWorkers))
        text.family("speechai_pool_listen_queue", "gauge", "Connections waiting for a worker (accept queue).")
        text.sample("speechai_pool_listen_queue", [], Int64(queue?.current ?? 0))
        text.family("speechai_pool_listen_queue_limit", "gauge", "The accept queue's capacity.")
        text.sample("speechai_pool_listen_queue_limit", [], Int64(queue?.maximum ?? 0))
        text.family("speechai_pool_max_children_reached_total", "counter", "Requests that found every worker busy.")
        text.sample("speechai_pool_max_children_reached_total", [], Int64(snapshot.maxChildrenReached))
        text.family("speechai_pool_slow_requests_total", "counter", "Requests slower than the slow-request threshold.")
        text.sample("speechai_pool_slow_requests_total", [], Int64(snapshot.slowRequests))
        text.family("speechai_pool_accepted_connections_total", "counter", "Connections accepted since the pool started.")
        text.sample("speechai_pool_accepted_connections_total", [], Int64(snapshot.acceptedConnections))

        try context.database.withConnection { connection in
            let counters = try MetricCounters(connection: connection).all()
            text.family("speechai_calls_settled_total", "counter", "Calls settled, by outcome.")
            for counter in counters where counter.name == MetricCounters.callsSettled {
                text.sample("speechai_calls_settled_total", [("outcome", counter.label)], counter.value)
            }
            text.family(
                "speechai_dispatcher_events_total", "counter",
                "What dispatcher passes did: passes, claimed, placed, refused, uncertain, suspended, held_back, do_not_call, polled, settled, lost, holds_expired.")
            for counter in counters where counter.name == MetricCounters.dispatcher {
                text.sample("speechai_dispatcher_events_total", [("event", counter.label)], counter.value)
            }
            let open = try connection.query(
                """
                SELECT (SELECT count(*) FROM calls WHERE settled_at IS NULL) AS open_calls,
                    (SELECT count(*) FROM credit_holds WHERE status = 'pending') AS pending_holds,
                    (SELECT coalesce(sum(amount), 0) FROM credit_holds WHERE status = 'pending' AND unit = 'credits') AS held_credits,
                    (SELECT count(*) FROM jobs WHERE status = 'suspended') AS suspended_jobs,
                    (SELECT count(*) FROM accounts WHERE status = 'suspended') AS suspended_accounts
                """)[0]
            text.family("speechai_calls_open", "gauge", "Calls placed or being placed whose result is not settled yet.")
            text.sample("speechai_calls_open", [], try open.int("open_calls"))
            text.family("speechai_holds_pending", "gauge", "Credit holds not yet posted, voided or expired.")
            text.sample("speechai_holds_pending", [], try open.int("pending_holds"))
            text.family("speechai_holds_pending_credits", "gauge", "Credits reserved by pending holds.")
            text.sample("speechai_holds_pending_credits", [], try open.amount("held_credits").description)
            text.family("speechai_jobs_suspended", "gauge", "Jobs waiting for their account to be topped up.")
            text.sample("speechai_jobs_suspended", [], try open.int("suspended_jobs"))
            text.family("speechai_accounts_suspended", "gauge", "Accounts suspended.")
            text.sample("speechai_accounts_suspended", [], try open.int("suspended_accounts"))
        }
        return Response(status: 200, headers: [HTTPHeader("Content-Type", PrometheusText.contentType)], body: Array(text.text.utf8))
    }
}
