import Glibc
import Time

/// One line per event on standard error (journald under systemd, `var/log` under `make run`).
/// Each line goes out in a single write(2), so lines from different workers never interleave.
public enum PoolLog {
    public static func write(_ message: String) {
        var line = Timestamp.now().rfc3339
        line += " "
        line += message
        line += "\n"
        line.withUTF8 { buffer in
            _ = Glibc.write(2, buffer.baseAddress, buffer.count)
        }
    }
}
