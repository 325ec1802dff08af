import CPool
import FastCGI
import Glibc

/// What a worker needs to know about the pool, for handlers such as `/internal/status`.
public struct WorkerContext: Sendable {
    public let slot: Int
    public let scoreboard: Scoreboard
    /// The shared listening socket (fd 0).
    public let listenDescriptor: Int32
}

/// A worker process: accepts on the shared socket, serves one request at a time, publishes its
/// state in the scoreboard, and exits after `max_requests` or when asked to drain.
public enum Worker {
    /// Exit statuses the supervisor sees.
    public static let exitCleanly: Int32 = 0
    public static let exitStartupFailure: Int32 = 70
    public static let exitAcceptFailure: Int32 = 71

    /// Runs the worker loop. `makeHandler` is called once, after the process is set up, to build
    /// the request handler (database session, routes).
    public static func run(
        configuration: PoolConfiguration, environment: [String: String],
        makeHandler: (WorkerContext) -> (Request) -> Response
    ) -> Int32 {
        guard let slot = environment["SPEECHAI_WORKER_SLOT"].flatMap(Int.init),
            let supervisor = environment["SPEECHAI_SUPERVISOR_PID"].flatMap(Int32.init)
        else {
            PoolLog.write("worker: started without SPEECHAI_WORKER_SLOT; workers are started by the supervisor")
            return exitStartupFailure
        }
        // Before FCGX_Init, so libfcgi leaves SIGTERM to us (see CPool.h).
        guard cpool_install_drain_handler() == 0, cpool_die_with_parent(SIGTERM, supervisor) == 0 else {
            return exitStartupFailure
        }
        let scoreboard: Scoreboard
        let listener: FastCGIListener
        do {
            scoreboard = try Scoreboard.attach(descriptor: Scoreboard.inheritedDescriptor)
            listener = try FastCGIListener(descriptor: 0, maximumBodyBytes: configuration.maximumBodyBytes)
        } catch {
            PoolLog.write("worker \(slot): \(error)")
            return exitStartupFailure
        }
        cpool_tune_allocator()
        let pid = getpid()
        scoreboard.workerStarted(slot: slot, pid: pid)
        let handle = makeHandler(WorkerContext(slot: slot, scoreboard: scoreboard, listenDescriptor: 0))
        var served = 0
        let maxRequests = configuration.maxRequests + Int.random(in: 0...configuration.maxRequests / 8)
        var log = RequestLog(pid: pid)
        defer { log.flush() }

        while cpool_drain_requested() == 0 {
            // With log lines pending, wait no longer than the log's flush interval.
            let ready = cpool_wait_for_connection(0, log.isEmpty ? -1 : Int32(RequestLog.flushInterval * 1000))
            if ready == 2 {
                log.flush()
                continue
            }
            if ready == 0 { break }
            if ready < 0 {
                PoolLog.write("worker \(slot) pid=\(pid): waiting for connections failed: errno \(errno)")
                return exitAcceptFailure
            }
            let request: Request
            var response: Response?
            let started = PoolClock.monotonicSeconds()
            switch listener.accept() {
            case .nothingPending:
                continue
            case .failed(let code):
                PoolLog.write("worker \(slot) pid=\(pid): accept failed: \(String(cString: strerror(code)))")
                return exitAcceptFailure
            case .request(let accepted):
                request = accepted
            case .bodyTooLarge(let accepted, let length):
                request = accepted
                response = Response(
                    status: 413, headers: [HTTPHeader("Content-Type", "application/json")],
                    body: Array(
                        #"{"detail":"Request body too large","message":"Request body too large","code":"PAYLOAD_TOO_LARGE"}"#
                            .utf8))
                PoolLog.write("worker \(slot): refused a body of \(length) bytes")
            }
            scoreboard.requestStarted(slot: slot, method: request.method, uri: request.uri)
            let finalResponse = response ?? handle(request)
            if let failure = listener.respond(finalResponse) {
                PoolLog.write("worker \(slot): \(request.method) \(request.path): the streamed body failed: \(failure)")
            }
            let elapsed = PoolClock.monotonicSeconds() - started
            let slow = elapsed >= configuration.slowRequestSeconds
            scoreboard.requestFinished(slot: slot, durationMicroseconds: Int64(elapsed * 1_000_000), slow: slow)
            scoreboard.recordRequest(
                method: RequestSeries.knownMethods.contains(request.method) ? request.method : "OTHER",
                route: finalResponse.route ?? "(no route)", status: finalResponse.status,
                durationMicroseconds: Int64(elapsed * 1_000_000))
            log.record(method: request.method, path: request.path, status: finalResponse.status, seconds: elapsed, slow: slow)
            served += 1
            if configuration.maxRequests > 0 && served >= maxRequests { break }
        }
        return exitCleanly
    }
}
