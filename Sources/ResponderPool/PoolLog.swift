import Glibc

/// One line per event on standard error (journald under systemd, `var/log` under `make run`).
/// Each line goes out in a single write(2), so lines from different workers never interleave.
public enum PoolLog {
    public static func write(_ message: String) {
        let line = "\(timestamp()) \(message)\n"
        line.utf8CString.withUnsafeBufferPointer { buffer in
            _ = Glibc.write(2, buffer.baseAddress, buffer.count - 1)
        }
    }

    private static func timestamp() -> String {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        var seconds = spec.tv_sec
        var parts = tm()
        gmtime_r(&seconds, &parts)
        let millis = spec.tv_nsec / 1_000_000
        return "\(parts.tm_year + 1900)-\(pad(parts.tm_mon + 1))-\(pad(parts.tm_mday))T\(pad(parts.tm_hour)):"
            + "\(pad(parts.tm_min)):\(pad(parts.tm_sec)).\(millis < 10 ? "00" : millis < 100 ? "0" : "")\(millis)Z"
    }

    private static func pad(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
}
