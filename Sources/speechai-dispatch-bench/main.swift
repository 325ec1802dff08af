// Benchmark B3, the dispatcher (BENCHMARKS.md), driven by bench/bench.py:
//   speechai-dispatch-bench setup URL ACCOUNTS JOBS      due jobs on ACCOUNTS accounts (one batch each)
//   speechai-dispatch-bench run URL DISPATCHERS          dispatchers (threads of their own) until nothing is due
//   speechai-dispatch-bench latency URL SAMPLES          one claim of 200 jobs, rolled back, SAMPLES times
//   speechai-dispatch-bench pad URL ROWS                 ROWS finished jobs more in the jobs table
// Calls go through the simulator with no delay, so every claimed job is held, placed and settled.
import Accounts
import Batches
import Dispatching
import Foundation
import JSON
import Money
import PostgreSQL
import Providers
import Threads
import Time

let arguments = CommandLine.arguments
guard arguments.count == 4, let count = Int(arguments[3]) else {
    print("usage: speechai-dispatch-bench setup|run|latency|pad DATABASE_URL N")
    exit(2)
}
let url = arguments[2]

var always = CallSettings(timezone: "America/Santiago")
always.allowedHours = DailyWindow(start: MinuteOfDay(hour: 0, minute: 0), end: MinuteOfDay(hour: 23, minute: 59))
always.daysOfWeek = [1, 2, 3, 4, 5, 6, 7]

let timing = DispatchStore.Timing(firstPoll: { _ in .zero }, lostAfter: { _ in .seconds(600) })
let configuration = Dispatcher.Configuration(
    provider: Simulator(delay: .zero), fromNumber: nil, defaultAgentId: nil, timing: timing)

struct Rollback: Error {}

switch arguments[1] {
case "setup":
    let accounts = count
    let jobs = Int(ProcessInfo.processInfo.environment["B3_JOBS"] ?? "100000") ?? 100_000
    let connection = try Connection(url: url)
    let run = String(Timestamp.now().microsecondsSinceEpoch % 1_000_000_000)
    for index in 0..<accounts {
        var new = NewAccount(
            accountId: "b3-\(run)-\(index)", accountName: "B3 \(index)", contactName: "Bench", contactEmail: "b3@example.cl",
            contactPhone: nil, planType: .creditBased, country: .chile, timezone: "America/Santiago")
        new.initialCredits = 10_000_000
        new.maxConcurrentCalls = 1000
        new.dailyCallLimit = 10_000_000
        let account = try AccountStore(connection: connection).create(new)
        let batch = NewBatch(
            accountKey: account.key, name: "B3", description: "", priority: 1, country: "CL", useCase: .marketing,
            processingType: .json, sourceFilename: nil, callSettings: always, useCaseSettings: UseCaseSettings(),
            retellAgentId: nil)
        let perAccount = jobs / accounts
        // Numbers ending in 0: every call is a conversation, so each job is dialled once.
        _ = try BatchStore(connection: connection).create(batch, jobs: (0..<perAccount).map { job in
            let phone = "+569\(String(10_000_000 + index * 10_000 + job * 10).suffix(8))"
            return NewJob(
                contactKey: "phone:" + phone, contactName: "Contacto \(job)", contactDni: nil, phones: [phone],
                payloadJSON: "{}", maxAttempts: 1, estimatedCost: 0, sourceRow: nil)
        })
    }
    print("accounts=\(accounts) jobs=\(jobs / accounts * accounts)")
case "run":
    let counter = NSLock()
    nonisolated(unsafe) var claimed = 0
    nonisolated(unsafe) var failures: [String] = []
    let started = ContinuousClock.now
    onThreads(count) { _ in
        do {
            let dispatcher = Dispatcher(connection: try Connection(url: url), configuration: configuration)
            while true {
                let report = try dispatcher.pass(budget: .seconds(30))
                counter.lock()
                claimed += report.claimed
                counter.unlock()
                if report.claimed == 0 { break }
            }
        } catch {
            counter.lock()
            failures.append("\(error)")
            counter.unlock()
        }
    }
    let seconds = Double((ContinuousClock.now - started).components.attoseconds) / 1e18
        + Double((ContinuousClock.now - started).components.seconds)
    print("jobs_per_second=\(Int(Double(claimed) / seconds)) claimed=\(claimed) seconds=\(seconds) dispatchers=\(count) errors=\(failures.count)")
    for failure in failures.prefix(3) { print("error: \(failure)") }
case "latency":
    let connection = try Connection(url: url)
    var samples: [Double] = []
    for _ in 0..<count {
        let started = ContinuousClock.now
        do {
            try connection.transaction {
                _ = try DispatchStore(connection: connection).claim(
                    now: .now(), limit: 200, provider: "simulator",
                    timing: timing,
                    defaultAgentId: nil)
                throw Rollback()
            }
        } catch is Rollback {}
        let elapsed = ContinuousClock.now - started
        samples.append(Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15)
    }
    samples.sort()
    let rows = try connection.query("SELECT count(*) AS n FROM jobs")[0].int("n")
    print("claim_ms_median=\(samples[samples.count / 2]) jobs_rows=\(rows) samples=\(count)")
case "pad":
    let connection = try Connection(url: url, timeouts: Connection.Timeouts(lock: .seconds(5), statement: .seconds(600)))
    try connection.execute(script: """
        WITH account AS (SELECT id FROM accounts WHERE account_id LIKE 'b3-%' ORDER BY id LIMIT 1),
             batch AS (SELECT b.id, b.account_id FROM batches b JOIN account a ON a.id = b.account_id LIMIT 1)
        INSERT INTO jobs (batch_id, account_id, status, contact_key, phones, completed_at)
        SELECT batch.id, batch.account_id, 'completed', 'phone:+pad' || g, ARRAY['+5690' || g], now()
        FROM batch, generate_series(1, \(count)) AS g
        """)
    print("padded=\(count)")
default:
    print("unknown mode \(arguments[1])")
    exit(2)
}
