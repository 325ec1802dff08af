/// Why the pool could not start or a worker could not run.
public enum PoolError: Error, CustomStringConvertible {
    case system(String, Int32)
    case badScoreboard
    case configuration(String)

    public var description: String {
        switch self {
        case .system(let call, let code): return "\(call) failed: \(String(cString: strerror(code)))"
        case .badScoreboard: return "fd 3 is not a pool scoreboard"
        case .configuration(let message): return message
        }
    }
}

import Glibc
