import ArgumentParser
import Dispatching
import Foundation
import PostgreSQL
import Providers
import Time

/// `speechai-dispatcher run` (one pass, as the systemd timer starts it) and `loop` (`make run`).
@main
struct SpeechAIDispatcher: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "speechai-dispatcher",
        abstract: "Claims due jobs, holds credit, places calls and settles them.",
        subcommands: [Run.self, Loop.self])
}

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "One pass, then exit.")

    @Option(help: "Stop claiming after this many seconds.")
    var maxSeconds: Double = 50

    func run() throws {
        let environment = try Environment()
        let report = try environment.dispatcher().pass(budget: .milliseconds(Int64(self.maxSeconds * 1000)))
        log(report.line)
    }
}

struct Loop: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "A pass every --interval seconds until SIGTERM.")

    @Option(help: "Seconds between the starts of two passes.")
    var interval: Double = 2

    func run() throws {
        let environment = try Environment()
        // Stopping mid-pass is safe: an open transaction rolls back, and an attempt already
        // recorded is resolved by the next pass.
        signal(SIGTERM) { _ in _exit(0) }
        signal(SIGINT) { _ in _exit(0) }
        var dispatcher: Dispatcher?
        while true {
            let started = ContinuousClock.now
            do {
                if dispatcher == nil { dispatcher = try environment.dispatcher() }
                let report = try dispatcher!.pass(budget: .milliseconds(Int64(self.interval * 1000)))
                if report != PassReport() { log(report.line) }
            } catch let error as DatabaseError {
                // The database went away: reconnect on the next pass.
                log("pass failed: \(error.debugDescription)")
                dispatcher = nil
            }
            let elapsed = ContinuousClock.now - started
            let pause = Duration.milliseconds(Int64(self.interval * 1000)) - elapsed
            if pause > .zero { Thread.sleep(forTimeInterval: Double(pause.wholeMilliseconds) / 1000) }
        }
    }
}

func log(_ message: String) {
    print("\(Timestamp.now().rfc3339) dispatcher pid=\(getpid()) \(message)")
    fflush(nil)
}

/// The configuration, from the same environment file as the pool:
/// `DATABASE_URL`, `SPEECHAI_PROVIDER` (`simulator`, the default, or `retell`),
/// `SPEECHAI_SIMULATOR_DELAY` (seconds until a simulated call has its result, default 3),
/// `RETELL_BASE_URL`, `RETELL_API_KEY`, `RETELL_FROM_NUMBER`, `RETELL_AGENT_ID`, `RETELL_TIMEOUT_SECONDS`
/// (a request's whole time limit, default 10), `RETELL_POLL_AFTER_SECONDS` (when a call with no
/// webhook is polled; default max_call_duration + 120), `RETELL_LOST_AFTER_SECONDS` (when an attempt
/// nothing is known of is closed as lost; default max_call_duration + 900), and for tests only
/// `SPEECHAI_TEST_CLOCK=1` with `SPEECHAI_TEST_NOW` (an RFC 3339 instant the whole pass runs at).
struct Environment {
    let databaseURL: String
    let configuration: Dispatcher.Configuration

    init() throws {
        let variables = ProcessInfo.processInfo.environment
        guard let url = variables["DATABASE_URL"], !url.isEmpty else { throw ValidationError("set DATABASE_URL") }
        self.databaseURL = url
        var clock: @Sendable () -> Timestamp = Timestamp.now
        if variables["SPEECHAI_TEST_CLOCK"] == "1", let text = variables["SPEECHAI_TEST_NOW"] {
            guard let fixed = Timestamp(parsing: text) else { throw ValidationError("SPEECHAI_TEST_NOW is not a time") }
            // The test clock starts at the given instant and runs on from it.
            let offset = fixed.microsecondsSinceEpoch - Timestamp.now().microsecondsSinceEpoch
            clock = { Timestamp(microsecondsSinceEpoch: Timestamp.now().microsecondsSinceEpoch + offset) }
        }
        let provider: any CallProvider
        let firstPoll: @Sendable (Int) -> Duration
        let lostAfter: @Sendable (Int) -> Duration
        switch variables["SPEECHAI_PROVIDER"] ?? "simulator" {
        case "simulator":
            let delay = Duration.milliseconds(Int64((Double(variables["SPEECHAI_SIMULATOR_DELAY"] ?? "3") ?? 3) * 1000))
            provider = Simulator(delay: delay, clock: clock)
            firstPoll = { _ in delay }
            lostAfter = { _ in delay + .seconds(600) }
        case "retell":
            guard let base = variables["RETELL_BASE_URL"], let key = variables["RETELL_API_KEY"] else {
                throw ValidationError("SPEECHAI_PROVIDER=retell needs RETELL_BASE_URL and RETELL_API_KEY")
            }
            let timeout = Double(variables["RETELL_TIMEOUT_SECONDS"] ?? "10") ?? 10
            provider = RetellClient(
                baseURL: base, apiKey: key,
                http: HTTPClient(connectTimeout: .seconds(3), timeout: .milliseconds(Int64(timeout * 1000))))
            // A webhook normally settles the call; the poll is the fallback after the longest call,
            // and an attempt nothing is known of is closed as lost a quarter of an hour later.
            let pollAfter = variables["RETELL_POLL_AFTER_SECONDS"].flatMap(Int.init)
            let lostAfterSeconds = variables["RETELL_LOST_AFTER_SECONDS"].flatMap(Int.init)
            firstPoll = { maxCall in .seconds(pollAfter ?? maxCall + 120) }
            lostAfter = { maxCall in .seconds(lostAfterSeconds ?? maxCall + 900) }
        case let other:
            throw ValidationError("SPEECHAI_PROVIDER must be simulator or retell, not \(other)")
        }
        var configuration = Dispatcher.Configuration(
            provider: provider, fromNumber: variables["RETELL_FROM_NUMBER"], defaultAgentId: variables["RETELL_AGENT_ID"],
            timing: DispatchStore.Timing(firstPoll: firstPoll, lostAfter: lostAfter))
        configuration.clock = clock
        self.configuration = configuration
    }

    func dispatcher() throws -> Dispatcher {
        Dispatcher(
            connection: try Connection(
                url: self.databaseURL, applicationName: "speechai-dispatcher",
                timeouts: Connection.Timeouts(lock: .seconds(5), statement: .seconds(60))),
            configuration: self.configuration)
    }
}
