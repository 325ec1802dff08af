import Threads
// speechai-ledger-bench: benchmark B2. Clients hold and settle credit through the project's own
// ledger code (each pair: a hold, then a partial post), for a fixed time, on one hot account or
// spread over many; prints the pairs per second, then checks the ledger invariants.
//
//   speechai-ledger-bench --database-url URL --accounts 1 --clients 16 --seconds 10
import Accounts
import Dispatch
import Foundation
import Money
import PostgreSQL
import Time

struct Options {
    var databaseURL = ProcessInfo.processInfo.environment["DATABASE_URL"] ?? ""
    var accounts = 1
    var clients = 16
    var seconds = 10.0

    init(_ arguments: [String]) {
        var iterator = arguments.makeIterator()
        while let argument = iterator.next() {
            let value = iterator.next() ?? ""
            switch argument {
            case "--database-url": self.databaseURL = value
            case "--accounts": self.accounts = Int(value) ?? self.accounts
            case "--clients": self.clients = Int(value) ?? self.clients
            case "--seconds": self.seconds = Double(value) ?? self.seconds
            default:
                FileHandle.standardError.write(Data("unknown option \(argument)\n".utf8))
                exit(2)
            }
        }
    }
}

final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var pairs = 0
    private var errors: [String] = []
    func add(_ count: Int) { self.lock.withLock { self.pairs += count } }
    func fail(_ message: String) { self.lock.withLock { self.errors.append(message) } }
    var total: Int { self.lock.withLock { self.pairs } }
    var failures: [String] { self.lock.withLock { self.errors } }
}

let options = Options(Array(CommandLine.arguments.dropFirst()))
let setup = try Connection(url: options.databaseURL, applicationName: "speechai-ledger-bench")
let prefix = "bench-\(options.accounts)-"
var keys: [Int64] = []
for index in 0..<options.accounts {
    let accountId = "\(prefix)\(index)"
    if let existing = try AccountStore(connection: setup).find(accountId) {
        keys.append(existing.key)
        continue
    }
    var new = NewAccount(
        accountId: accountId, accountName: "Benchmark \(index)", contactName: "Bench", contactEmail: "bench@example.cl",
        contactPhone: nil, planType: .creditBased, country: .chile, timezone: "America/Santiago")
    new.initialCredits = 10_000_000
    keys.append(try AccountStore(connection: setup).create(new).key)
}
let accountKeys = keys
let counter = Counter()
let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(options.seconds * 1e9)
let holdAmount: Amount = Amount("0.47")!
let postAmount: Amount = Amount("0.2")!

onThreads(options.clients) { client in
    do {
        let ledger = Ledger(connection: try Connection(url: options.databaseURL, applicationName: "speechai-ledger-bench"))
        var generator = SystemRandomNumberGenerator()
        var pairs = 0
        let expires = Timestamp(microsecondsSinceEpoch: Timestamp.now().microsecondsSinceEpoch + 3_600_000_000)
        while DispatchTime.now().uptimeNanoseconds < deadline {
            let account = accountKeys[Int(generator.next() % UInt64(accountKeys.count))]
            guard case .held(let hold) = try ledger.hold(accountKey: account, amount: holdAmount, reference: "bench", expiresAt: expires)
            else { continue }
            try ledger.post(holdId: hold.holdId, amount: postAmount)
            pairs += 1
        }
        counter.add(pairs)
    } catch {
        counter.fail("client \(client): \(error)")
    }
}

let rate = Double(counter.total) / options.seconds
print("pairs_per_second=\(Int(rate)) pairs=\(counter.total) clients=\(options.clients) accounts=\(options.accounts) errors=\(counter.failures.count)")
for failure in counter.failures.prefix(5) { print("error: \(failure)") }
exit(counter.failures.isEmpty ? 0 : 1)
