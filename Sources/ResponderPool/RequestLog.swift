import Glibc
import Time

/// The worker's request log: one line per request (time, method, path, status, duration, pid),
/// written to standard error in batches.
///
/// Lines are buffered and written at most every `flushInterval` or when the buffer fills, and
/// always before the worker waits idle for longer than that: under load one write(2) carries
/// dozens of lines instead of one syscall per request; when quiet a line appears within 100 ms.
/// A worker killed with SIGKILL loses at most that much log.
struct RequestLog {
    static let flushInterval = 0.1
    private static let flushSize = 32 * 1024

    private var buffer: [UInt8] = []
    private var lastFlush = PoolClock.monotonicSeconds()
    private let pidText: [UInt8]

    init(pid: Int32) {
        self.pidText = Array(" pid=\(pid)".utf8)
        self.buffer.reserveCapacity(RequestLog.flushSize + 1024)
    }

    var isEmpty: Bool { self.buffer.isEmpty }

    mutating func record(method: String, path: String, status: Int, seconds: Double, slow: Bool) {
        self.buffer.append(contentsOf: Timestamp.now().rfc3339.utf8)
        self.buffer.append(UInt8(ascii: " "))
        self.buffer.append(contentsOf: method.utf8)
        self.buffer.append(UInt8(ascii: " "))
        self.buffer.append(contentsOf: path.utf8)
        self.buffer.append(UInt8(ascii: " "))
        self.appendDecimal(status)
        self.buffer.append(UInt8(ascii: " "))
        let hundredths = Int((seconds * 100_000).rounded())
        self.appendDecimal(hundredths / 100)
        self.buffer.append(UInt8(ascii: "."))
        if hundredths % 100 < 10 { self.buffer.append(UInt8(ascii: "0")) }
        self.appendDecimal(hundredths % 100)
        self.buffer.append(contentsOf: "ms".utf8)
        self.buffer.append(contentsOf: self.pidText)
        if slow { self.buffer.append(contentsOf: " slow".utf8) }
        self.buffer.append(UInt8(ascii: "\n"))
        if self.buffer.count >= RequestLog.flushSize || PoolClock.monotonicSeconds() - self.lastFlush >= RequestLog.flushInterval {
            self.flush()
        }
    }

    mutating func flush() {
        self.lastFlush = PoolClock.monotonicSeconds()
        guard !self.buffer.isEmpty else { return }
        self.buffer.withUnsafeBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = write(2, bytes.baseAddress! + offset, bytes.count - offset)
                if written <= 0 { break }
                offset += written
            }
        }
        self.buffer.removeAll(keepingCapacity: true)
    }

    private mutating func appendDecimal(_ value: Int) {
        if value >= 10 { self.appendDecimal(value / 10) }
        self.buffer.append(UInt8(ascii: "0") + UInt8(value % 10))
    }
}
