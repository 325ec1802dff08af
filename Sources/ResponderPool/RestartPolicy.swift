/// When to start a worker again after it exited: at once after a clean exit (recycling, reload)
/// or after a crash of a worker that had been up a while; with doubling back-off while workers
/// keep crashing at start, so a broken deploy or a missing database library does not fork-bomb.
public struct RestartPolicy: Sendable, Equatable {
    public enum Exit: Sendable, Equatable {
        /// Exit status 0: recycled after `max_requests`, or drained on request.
        case clean
        /// Killed by the supervisor (request time limit): the worker was healthy until then.
        case killedBySupervisor
        /// Anything else: a crash, a signal, a non-zero status.
        case crashed
    }

    /// A worker that dies sooner than this after starting is "crashing at start".
    public let minimumUptimeSeconds: Double
    public let initialDelaySeconds: Double
    public let maximumDelaySeconds: Double
    public private(set) var consecutiveEarlyCrashes = 0

    public init(minimumUptimeSeconds: Double = 1, initialDelaySeconds: Double = 0.1, maximumDelaySeconds: Double = 30) {
        self.minimumUptimeSeconds = minimumUptimeSeconds
        self.initialDelaySeconds = initialDelaySeconds
        self.maximumDelaySeconds = maximumDelaySeconds
    }

    /// Records an exit and returns how long to wait before starting the replacement.
    public mutating func delayAfter(_ exit: Exit, uptimeSeconds: Double) -> Double {
        switch exit {
        case .clean, .killedBySupervisor:
            self.consecutiveEarlyCrashes = 0
            return 0
        case .crashed where uptimeSeconds >= self.minimumUptimeSeconds:
            self.consecutiveEarlyCrashes = 0
            return 0
        case .crashed:
            self.consecutiveEarlyCrashes += 1
            var delay = self.initialDelaySeconds
            for _ in 1..<self.consecutiveEarlyCrashes where delay < self.maximumDelaySeconds { delay *= 2 }
            return min(delay, self.maximumDelaySeconds)
        }
    }
}
