import CPool
import Glibc
import Time

/// The pool's shared-memory scoreboard, as Apache and PHP-FPM keep one: a header of pool-wide
/// counters and one slot per worker. The supervisor creates it; every worker maps the same memory
/// (inherited as fd 3) and publishes its own state; whoever serves `/internal/status` reads it.
public final class Scoreboard: @unchecked Sendable {
    /// Where a worker finds the scoreboard.
    public static let inheritedDescriptor: Int32 = 3

    let board: UnsafeMutablePointer<cpool_scoreboard>
    public let slotCount: Int
    public let descriptor: Int32

    private init(board: UnsafeMutablePointer<cpool_scoreboard>, slotCount: Int, descriptor: Int32) {
        self.board = board
        self.slotCount = slotCount
        self.descriptor = descriptor
    }

    /// Creates an empty scoreboard with `slots` worker slots.
    public static func create(slots: Int) throws(PoolError) -> Scoreboard {
        let size = cpool_scoreboard_size(UInt32(slots))
        let descriptor = cpool_shared_memory_create(size)
        guard descriptor >= 0 else { throw .system("memfd_create", errno) }
        let scoreboard = try Scoreboard.map(descriptor: descriptor, slots: slots)
        scoreboard.board.pointee.magic = CPOOL_SCOREBOARD_MAGIC
        scoreboard.board.pointee.slot_count = UInt32(slots)
        scoreboard.board.pointee.start_time_us = Timestamp.now().microsecondsSinceEpoch
        return scoreboard
    }

    /// Maps the scoreboard a supervisor created (a worker's view).
    public static func attach(descriptor: Int32) throws(PoolError) -> Scoreboard {
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw .system("fstat scoreboard", errno) }
        let headerSize = Int(cpool_scoreboard_size(0))
        guard info.st_size >= headerSize else { throw .badScoreboard }
        let slotSize = (Int(info.st_size) - headerSize) / Int(cpool_scoreboard_size(1) - cpool_scoreboard_size(0))
        let scoreboard = try Scoreboard.map(descriptor: descriptor, slots: slotSize)
        guard scoreboard.board.pointee.magic == CPOOL_SCOREBOARD_MAGIC,
            Int(scoreboard.board.pointee.slot_count) == slotSize
        else { throw .badScoreboard }
        return scoreboard
    }

    private static func map(descriptor: Int32, slots: Int) throws(PoolError) -> Scoreboard {
        let size = Int(cpool_scoreboard_size(UInt32(slots)))
        guard let memory = mmap(nil, size, PROT_READ | PROT_WRITE, MAP_SHARED, descriptor, 0), memory != MAP_FAILED
        else { throw .system("mmap scoreboard", errno) }
        return Scoreboard(
            board: memory.bindMemory(to: cpool_scoreboard.self, capacity: 1), slotCount: slots, descriptor: descriptor)
    }

    func slot(_ index: Int) -> UnsafeMutablePointer<cpool_slot> {
        cpool_scoreboard_slot(self.board, UInt32(index))
    }

    // MARK: Worker side

    func workerStarted(slot index: Int, pid: Int32) {
        let slot = self.slot(index)
        cpool_atomic_store64(&slot.pointee.state_since_us, Timestamp.now().microsecondsSinceEpoch)
        cpool_atomic_store(&slot.pointee.requests, 0)
        cpool_atomic_store32(&slot.pointee.pid, pid)
        cpool_atomic_store32(&slot.pointee.state, Int32(CPOOL_SLOT_IDLE))
    }

    func requestStarted(slot index: Int, method: String, uri: String) {
        var method = method
        var uri = uri
        let now = Timestamp.now().microsecondsSinceEpoch
        method.withUTF8 { methodBytes in
            uri.withUTF8 { uriBytes in
                cpool_slot_begin_request(
                    self.slot(index), methodBytes.baseAddress, methodBytes.count, uriBytes.baseAddress, uriBytes.count, now)
            }
        }
        cpool_atomic_add(&self.board.pointee.accepted_conn, 1)
        var live = 0
        var busy = 0
        for other in 0..<self.slotCount {
            let slot = self.slot(other)
            guard cpool_atomic_load32(&slot.pointee.pid) != 0 else { continue }
            live += 1
            if cpool_atomic_load32(&slot.pointee.state) == Int32(CPOOL_SLOT_BUSY) { busy += 1 }
        }
        cpool_atomic_max(&self.board.pointee.max_active, UInt64(busy))
        if busy >= live { cpool_atomic_add(&self.board.pointee.max_children_reached, 1) }
    }

    func requestFinished(slot index: Int, durationMicroseconds: Int64, slow: Bool) {
        cpool_slot_end_request(self.slot(index), Timestamp.now().microsecondsSinceEpoch, durationMicroseconds)
        if slow { cpool_atomic_add(&self.board.pointee.slow_requests, 1) }
    }

    /// Counts a finished request in the metrics of its (method, route, status).
    func recordRequest(method: String, route: String, status: Int, durationMicroseconds: Int64) {
        var method = method
        var route = route
        method.withUTF8 { methodBytes in
            route.withUTF8 { routeBytes in
                cpool_series_record(
                    self.board, methodBytes.baseAddress, methodBytes.count, routeBytes.baseAddress, routeBytes.count,
                    Int32(status), UInt64(max(0, durationMicroseconds)))
            }
        }
    }

    // MARK: Supervisor side

    func workerGone(slot index: Int) {
        let slot = self.slot(index)
        cpool_atomic_store32(&slot.pointee.state, Int32(CPOOL_SLOT_EMPTY))
        cpool_atomic_store32(&slot.pointee.pid, 0)
    }

    func recordListenQueue(_ length: UInt32) {
        cpool_atomic_max(&self.board.pointee.max_listen_queue, UInt64(length))
    }

    // MARK: Readers

    private static func text(_ characters: [CChar]) -> String {
        String(decoding: characters.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Every request series counted since the pool started, and the requests left uncounted
    /// because the series table was full.
    public func requestMetrics() -> (series: [RequestSeries], dropped: UInt64) {
        var series: [RequestSeries] = []
        for index in 0..<UInt32(CPOOL_SERIES_CAPACITY) {
            guard let entry = cpool_series_at(self.board, index) else { continue }
            var copy = entry.pointee
            let method = withUnsafeBytes(of: &copy.method) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
            let route = withUnsafeBytes(of: &copy.route) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
            let buckets = withUnsafeBytes(of: &copy.buckets) { Array($0.bindMemory(to: UInt64.self)) }
            series.append(
                RequestSeries(
                    method: method, route: route, status: Int(copy.status), count: copy.count,
                    durationSumMicroseconds: copy.duration_sum_us, buckets: buckets))
        }
        series.sort { ($0.route, $0.method, $0.status) < ($1.route, $1.method, $1.status) }
        return (series, cpool_atomic_load(&self.board.pointee.series_dropped))
    }

    /// The histogram's bucket bounds in seconds (the last is +Inf).
    public static let bucketBoundsSeconds: [Double] = (0..<UInt32(CPOOL_BUCKET_COUNT)).map { index in
        let bound = cpool_bucket_bound_us(index)
        return bound == UInt64.max ? .infinity : Double(bound) / 1_000_000
    }

    public func snapshot() -> ScoreboardSnapshot {
        var workers: [ScoreboardSnapshot.Worker] = []
        for index in 0..<self.slotCount {
            let slot = self.slot(index)
            let pid = cpool_atomic_load32(&slot.pointee.pid)
            guard pid != 0 else { continue }
            var method = [CChar](repeating: 0, count: 8)
            var uri = [CChar](repeating: 0, count: Int(CPOOL_URI_CAPACITY))
            cpool_slot_read_request(slot, &method, &uri)
            let busy = cpool_atomic_load32(&slot.pointee.state) == Int32(CPOOL_SLOT_BUSY)
            workers.append(
                ScoreboardSnapshot.Worker(
                    slot: index, pid: pid, busy: busy,
                    stateSinceMicroseconds: cpool_atomic_load64(&slot.pointee.state_since_us),
                    requests: cpool_atomic_load(&slot.pointee.requests),
                    lastDurationMicroseconds: cpool_atomic_load64(&slot.pointee.last_duration_us),
                    method: busy ? Scoreboard.text(method) : nil, uri: busy ? Scoreboard.text(uri) : nil))
        }
        return ScoreboardSnapshot(
            startTimeMicroseconds: self.board.pointee.start_time_us,
            acceptedConnections: cpool_atomic_load(&self.board.pointee.accepted_conn),
            maxActiveProcesses: cpool_atomic_load(&self.board.pointee.max_active),
            maxChildrenReached: cpool_atomic_load(&self.board.pointee.max_children_reached),
            slowRequests: cpool_atomic_load(&self.board.pointee.slow_requests),
            maxListenQueue: cpool_atomic_load(&self.board.pointee.max_listen_queue),
            configuredWorkers: self.slotCount,
            workers: workers)
    }
}

/// A consistent-enough copy of the scoreboard (each field is read atomically; the whole is not).
public struct ScoreboardSnapshot: Sendable, Equatable {
    public struct Worker: Sendable, Equatable {
        public let slot: Int
        public let pid: Int32
        public let busy: Bool
        public let stateSinceMicroseconds: Int64
        public let requests: UInt64
        public let lastDurationMicroseconds: Int64
        public let method: String?
        public let uri: String?

        public init(
            slot: Int, pid: Int32, busy: Bool, stateSinceMicroseconds: Int64, requests: UInt64,
            lastDurationMicroseconds: Int64, method: String?, uri: String?
        ) {
            self.slot = slot
            self.pid = pid
            self.busy = busy
            self.stateSinceMicroseconds = stateSinceMicroseconds
            self.requests = requests
            self.lastDurationMicroseconds = lastDurationMicroseconds
            self.method = method
            self.uri = uri
        }
    }

    public let startTimeMicroseconds: Int64
    public let acceptedConnections: UInt64
    public let maxActiveProcesses: UInt64
    public let maxChildrenReached: UInt64
    public let slowRequests: UInt64
    public let maxListenQueue: UInt64
    public let configuredWorkers: Int
    public let workers: [Worker]

    public var activeProcesses: Int { self.workers.filter(\.busy).count }
    public var idleProcesses: Int { self.workers.count - self.activeProcesses }
    public var totalProcesses: Int { self.workers.count }
}

/// Requests of one (method, route, status) since the pool started. The fields are read one by one
/// while workers keep counting, so a sum may run a request ahead of its count.
public struct RequestSeries: Sendable, Equatable {
    public let method: String
    public let route: String
    public let status: Int
    public let count: UInt64
    public let durationSumMicroseconds: UInt64
    /// Requests per bucket of `Scoreboard.bucketBoundsSeconds` (not cumulative).
    public let buckets: [UInt64]

    /// Methods counted by name; any other is counted as `OTHER`, so a client cannot grow the table.
    static let knownMethods: Set<String> = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
}

enum PoolClock {
    static func monotonicSeconds() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }
}

/// The current and maximum accept-queue length of the pool's listening socket.
public func listenQueue(descriptor: Int32) -> (current: UInt32, maximum: UInt32)? {
    var current: UInt32 = 0
    var maximum: UInt32 = 0
    guard cpool_listen_queue(descriptor, &current, &maximum) == 0 else { return nil }
    return (current, maximum)
}
