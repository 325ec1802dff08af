import Time

/// Identifiers made in bulk (an import's `_id`s, a claim's attempts, holds and ledger rows), laid
/// out as MongoDB lays out ObjectIds: 4 bytes of seconds, 5 random bytes for this sequence, a
/// 3-byte counter from a random start. Unique, unguessable across
/// sequences, and increasing within one, so the database appends them to its indexes instead of
/// scattering 100,000 inserts over the pages; and made here rather than by the column's default
/// (`speechai_object_id()`), which costs PostgreSQL about 20 µs a row.
public struct ObjectIdSequence {
    private let prefix: [UInt8]
    private var counter: UInt32

    public init(now: Timestamp = .now()) {
        var random = SystemRandomNumberGenerator()
        let seconds = UInt64(UInt32(truncatingIfNeeded: now.microsecondsSinceEpoch / 1_000_000))
        let sequenceBytes = (random.next() as UInt64) & 0xFF_FFFF_FFFF
        self.prefix = ObjectIdSequence.hex(seconds, digits: 8) + ObjectIdSequence.hex(sequenceBytes, digits: 10)
        // A sequence stays below 2^23 ids (an import has at most 200,000 rows); start low enough never to wrap.
        self.counter = UInt32.random(in: 0..<(1 << 23), using: &random)
    }

    public mutating func next() -> String {
        defer { self.counter += 1 }
        return String(decoding: self.prefix + ObjectIdSequence.hex(UInt64(self.counter), digits: 6), as: UTF8.self)
    }

    private static func hex(_ value: UInt64, digits: Int) -> [UInt8] {
        let alphabet = Array("0123456789abcdef".utf8)
        return (0..<digits).map { index in alphabet[Int((value >> (4 * UInt64(digits - 1 - index))) & 0xF)] }
    }
}
