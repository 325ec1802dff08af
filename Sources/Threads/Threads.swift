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
