import Accounts
import Testing
import Time

@Suite struct ObjectIdSequenceTests {
    @Test func idsAreObjectIdShapedIncreasingAndDifferBetweenSequences() throws {
        let now = Timestamp(parsing: "2025-10-25T14:41:29Z")!
        var first = ObjectIdSequence(now: now)
        let ids = (0..<1000).map { _ in first.next() }
        #expect(ids.allSatisfy { $0.utf8.count == 24 && $0.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) } })
        #expect(ids.allSatisfy { $0.hasPrefix("68fce199") })  // the seconds of `now`
        #expect(ids == ids.sorted())
        #expect(Set(ids).count == ids.count)
        var second = ObjectIdSequence(now: now)
        #expect(second.next().dropFirst(8).prefix(10) != ids[0].dropFirst(8).prefix(10))
    }
}
