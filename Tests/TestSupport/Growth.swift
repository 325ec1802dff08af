import Dispatch

/// How much slower `large` runs than `small`: the ratio of their fastest of `rounds` runs, the two
/// measured alternately so that a burst of load from tests running in parallel hits both alike.
/// Tests of the hardening issue use it to show linear growth (4× the input ≈ 4×; quadratic ≈ 16×)
/// without any wall-clock limit.
public func growthRatio(rounds: Int = 5, small: () throws -> Void, large: () throws -> Void) rethrows -> Double {
    var fastestSmall = UInt64.max
    var fastestLarge = UInt64.max
    for _ in 0..<rounds {
        var start = DispatchTime.now().uptimeNanoseconds
        try small()
        fastestSmall = min(fastestSmall, DispatchTime.now().uptimeNanoseconds - start)
        start = DispatchTime.now().uptimeNanoseconds
        try large()
        fastestLarge = min(fastestLarge, DispatchTime.now().uptimeNanoseconds - start)
    }
    return Double(fastestLarge) / Double(max(fastestSmall, 1))
}
