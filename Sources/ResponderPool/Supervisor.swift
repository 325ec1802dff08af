import CFastCGI
import Glibc
import Time

/// The pool's parent process: opens the socket, starts the workers as fresh processes of the same
/// executable (socket as fd 0, scoreboard as fd 3, as spawn-fcgi does), and keeps them running.
///
/// - A dead worker is replaced (with back-off while workers crash at start).
/// - A worker busy on one request past the time limit is killed and replaced.
/// - SIGTERM/SIGINT/SIGQUIT drain: workers finish their request in flight and exit, then so does
///   the supervisor; stragglers are killed after the drain timeout.
/// - SIGHUP replaces every worker gracefully (a new binary at the same path is picked up).
/// - Workers die with the supervisor (PR_SET_PDEATHSIG), so none is ever orphaned.
public final class Supervisor {
    private struct Slot {
        var pid: pid_t = 0
        var startedAt = 0.0
        var startAfter = 0.0
        var restartPolicy = RestartPolicy()
        var killedForTimeLimit = false
    }

    private let configuration: PoolConfiguration
    private let executable: String
    private var slots: [Slot]
    private var listenDescriptor: Int32 = -1
    private var socketPath: String?
    private var scoreboard: Scoreboard!
    private var drainingSince: Double?

    public init(configuration: PoolConfiguration) throws(PoolError) {
        self.configuration = configuration
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let length = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard length > 0 else { throw .system("readlink /proc/self/exe", errno) }
        self.executable = String(decoding: buffer[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        self.slots = Array(repeating: Slot(), count: configuration.workers)
    }

    /// Runs until drained; returns the process exit status.
    public func run() throws(PoolError) -> Int32 {
        var signals = sigset_t()
        sigemptyset(&signals)
        for signal in [SIGTERM, SIGINT, SIGQUIT, SIGHUP, SIGCHLD] { sigaddset(&signals, signal) }
        sigprocmask(SIG_BLOCK, &signals, nil)
        Glibc.signal(SIGPIPE, SIG_IGN)

        try self.openSocket()
        self.scoreboard = try Scoreboard.create(slots: self.configuration.workers)
        PoolLog.write(
            "supervisor pid=\(getpid()) listening on \(self.describeListen()) workers=\(self.configuration.workers) "
                + "max_requests=\(self.configuration.maxRequests) request_time_limit=\(self.configuration.requestTimeLimitSeconds)s long_request_time_limit=\(self.configuration.longRequestTimeLimitSeconds)s")

        while true {
            var timeout = timespec(tv_sec: 0, tv_nsec: 200_000_000)
            let received = sigtimedwait(&signals, nil, &timeout)
            switch received {
            case SIGTERM, SIGINT, SIGQUIT: self.beginDrain(signal: received)
            case SIGHUP: self.reload()
            default: break
            }
            self.reapWorkers()
            if let since = self.drainingSince {
                if self.slots.allSatisfy({ $0.pid == 0 }) { break }
                if PoolClock.monotonicSeconds() - since > self.configuration.drainTimeoutSeconds {
                    for slot in self.slots where slot.pid != 0 {
                        PoolLog.write("supervisor: worker pid=\(slot.pid) did not drain in time; killing it")
                        kill(slot.pid, SIGKILL)
                    }
                }
                continue
            }
            self.enforceRequestTimeLimit()
            self.startDueWorkers()
            if let queue = listenQueue(descriptor: self.listenDescriptor) { self.scoreboard.recordListenQueue(queue.current) }
        }
        if let socketPath { unlink(socketPath) }
        PoolLog.write("supervisor pid=\(getpid()) drained; exiting")
        return 0
    }

    private func describeListen() -> String {
        switch self.configuration.listen {
        case .unix(let path): return path
        case .tcp(let address): return address
        case .inherited(let descriptor): return "inherited fd \(descriptor)"
        }
    }

    private func openSocket() throws(PoolError) {
        var descriptor: Int32
        switch self.configuration.listen {
        case .inherited(let inherited):
            descriptor = inherited
        case .unix(let path):
            // libfcgi's opener removes a stale socket file and binds; the mode is set here because
            // nginx's worker user must be able to connect (listen.mode in PHP-FPM terms).
            let previousMask = umask(0o777 & ~self.configuration.socketMode)
            descriptor = FCGX_OpenSocket(path, self.configuration.backlog)
            umask(previousMask)
            guard descriptor >= 0 else { throw .system("bind \(path)", errno) }
            chmod(path, self.configuration.socketMode)
            self.socketPath = path
        case .tcp(let address):
            descriptor = FCGX_OpenSocket(address, self.configuration.backlog)
            guard descriptor >= 0 else { throw .system("bind \(address)", errno) }
        }
        // Keep the socket above the standard descriptors so that spawning can place it on fd 0.
        let moved = fcntl(descriptor, F_DUPFD_CLOEXEC, 10)
        guard moved >= 0 else { throw .system("fcntl F_DUPFD_CLOEXEC", errno) }
        close(descriptor)
        // Non-blocking: workers wait in epoll and a worker that loses the race gets EAGAIN.
        let flags = fcntl(moved, F_GETFL)
        guard fcntl(moved, F_SETFL, flags | O_NONBLOCK) == 0 else { throw .system("fcntl O_NONBLOCK", errno) }
        self.listenDescriptor = moved
    }

    private func startDueWorkers() {
        let now = PoolClock.monotonicSeconds()
        for index in self.slots.indices where self.slots[index].pid == 0 && self.slots[index].startAfter <= now {
            switch self.spawnWorker(slot: index) {
            case .success(let pid):
                self.slots[index].pid = pid
                self.slots[index].startedAt = now
                self.slots[index].killedForTimeLimit = false
            case .failure(let error):
                PoolLog.write("supervisor: cannot start worker \(index): \(error)")
                self.slots[index].startAfter = now + self.slots[index].restartPolicy.delayAfter(.crashed, uptimeSeconds: 0)
            }
        }
    }

    private func spawnWorker(slot: Int) -> Result<pid_t, PoolError> {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, self.listenDescriptor, 0)
        posix_spawn_file_actions_adddup2(&actions, self.scoreboard.descriptor, Scoreboard.inheritedDescriptor)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var emptyMask = sigset_t()
        sigemptyset(&emptyMask)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGTERM, SIGINT, SIGQUIT, SIGHUP, SIGCHLD, SIGPIPE] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigmask(&attributes, &emptyMask)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        var environment = environ.toStrings().filter {
            !$0.hasPrefix("SPEECHAI_WORKER_SLOT=") && !$0.hasPrefix("SPEECHAI_SUPERVISOR_PID=")
                && !$0.hasPrefix("LISTEN_PID=") && !$0.hasPrefix("LISTEN_FDS=")
        }
        environment.append("SPEECHAI_WORKER_SLOT=\(slot)")
        environment.append("SPEECHAI_SUPERVISOR_PID=\(getpid())")
        let arguments = [self.executable, "worker"]

        var pid: pid_t = 0
        let status = withCStringArray(arguments) { argv in
            withCStringArray(environment) { envp in
                posix_spawn(&pid, self.executable, &actions, &attributes, argv, envp)
            }
        }
        guard status == 0 else { return .failure(.system("posix_spawn", status)) }
        return .success(pid)
    }

    private func reapWorkers() {
        while true {
            var status: Int32 = 0
            let pid = waitpid(-1, &status, WNOHANG)
            guard pid > 0 else { return }
            guard let index = self.slots.firstIndex(where: { $0.pid == pid }) else { continue }
            let slot = self.slots[index]
            let uptime = PoolClock.monotonicSeconds() - slot.startedAt
            self.scoreboard.workerGone(slot: index)
            self.slots[index].pid = 0
            let exitedCleanly = (status & 0x7f) == 0 && ((status >> 8) & 0xff) == 0
            let exit: RestartPolicy.Exit =
                slot.killedForTimeLimit ? .killedBySupervisor : exitedCleanly ? .clean : .crashed
            if exit == .crashed {
                let how = (status & 0x7f) != 0 ? "signal \(status & 0x7f)" : "status \((status >> 8) & 0xff)"
                PoolLog.write("supervisor: worker \(index) pid=\(pid) died (\(how)) after \(Int(uptime * 1000)) ms")
            }
            let delay = self.slots[index].restartPolicy.delayAfter(exit, uptimeSeconds: uptime)
            if delay > 0 { PoolLog.write("supervisor: restarting worker \(index) in \(delay) s (crashing at start)") }
            self.slots[index].startAfter = PoolClock.monotonicSeconds() + delay
        }
    }

    private func enforceRequestTimeLimit() {
        let snapshot = self.scoreboard.snapshot()
        let now = Timestamp.now().microsecondsSinceEpoch
        for worker in snapshot.workers where worker.busy {
            let seconds = self.configuration.timeLimitSeconds(method: worker.method ?? "", uri: worker.uri ?? "")
            guard now - worker.stateSinceMicroseconds > Int64(seconds * 1_000_000) else { continue }
            let index = worker.slot
            guard self.slots[index].pid == worker.pid, !self.slots[index].killedForTimeLimit else { continue }
            PoolLog.write(
                "supervisor: worker \(index) pid=\(worker.pid) exceeded the request time limit of "
                    + "\(seconds) s on \(worker.method ?? "") \(worker.uri ?? ""); killing it")
            self.slots[index].killedForTimeLimit = true
            kill(worker.pid, SIGKILL)
        }
    }

    private func beginDrain(signal: Int32) {
        guard self.drainingSince == nil else { return }
        PoolLog.write("supervisor: signal \(signal); draining \(self.slots.filter { $0.pid != 0 }.count) workers")
        self.drainingSince = PoolClock.monotonicSeconds()
        for slot in self.slots where slot.pid != 0 { kill(slot.pid, SIGTERM) }
    }

    private func reload() {
        PoolLog.write("supervisor: SIGHUP; replacing every worker gracefully")
        for slot in self.slots where slot.pid != 0 { kill(slot.pid, SIGTERM) }
    }
}

extension UnsafeMutablePointer where Pointee == UnsafeMutablePointer<CChar>? {
    fileprivate func toStrings() -> [String] {
        var strings: [String] = []
        var cursor = self
        while let entry = cursor.pointee {
            strings.append(String(cString: entry))
            cursor += 1
        }
        return strings
    }
}

/// Calls `body` with a NULL-terminated `char *[]` that lives for the duration of the call.
private func withCStringArray<R>(_ strings: [String], _ body: ([UnsafeMutablePointer<CChar>?]) -> R) -> R {
    let copies: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) } + [nil]
    defer { copies.forEach { free($0) } }
    return body(copies)
}
