import Foundation

/// Runs `body(0..<count)` on `count` threads of their own and waits for all of them: for work that
/// waits (benchmark clients, provider requests), where `DispatchQueue.concurrentPerform` would run
/// at most one iteration per core — on a 2-core machine, "16 clients" would have been 2.
public func onThreads(_ count: Int, _ body: @escaping @Sendable (Int) -> Void) {
    let group = DispatchGroup()
    for index in 0..<count {
        group.enter()
        let thread = Thread {
            body(index)
            group.leave()
        }
        thread.stackSize = 1 << 20
        thread.start()
    }
    group.wait()
}

/// `items.map(transform)` on at most `threads` threads of their own (item i on thread i % threads),
/// in the items' order: for calls that wait on the network, such as a provider's.
public func concurrentMap<Item: Sendable, Result: Sendable>(
    _ items: [Item], threads: Int, _ transform: @escaping @Sendable (Item) -> Result
) -> [Result] {
    guard !items.isEmpty else { return [] }
    let results = Slots<Result>(count: items.count)
    let threads = max(1, min(threads, items.count))
    onThreads(threads) { worker in
        for index in stride(from: worker, to: items.count, by: threads) { results.set(index, transform(items[index])) }
    }
    return results.all()
}

/// One slot per item, written by whichever thread computed it.
private final class Slots<Value>: @unchecked Sendable {
    private var values: [Value?]
    private let lock = NSLock()

    init(count: Int) { self.values = Array(repeating: nil, count: count) }

    func set(_ index: Int, _ value: Value) {
        self.lock.lock()
        self.values[index] = value
        self.lock.unlock()
    }

    /// Every slot, once all threads are done (each was set exactly once).
    func all() -> [Value] {
        self.lock.lock()
        defer { self.lock.unlock() }
        return self.values.map { $0! }
    }
}
