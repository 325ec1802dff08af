/// The ZIP (IEEE 802.3) CRC-32 of inflated parts, eight bytes per step ("slicing by 8"). On Linux
/// ZIPFoundation checks CRCs with a byte-at-a-time loop that took a fifth of an .xlsx read, so the
/// reader asks it to skip that and checks here instead.
struct CRC32 {
    private(set) var value: UInt32 = 0

    /// tables[k][b]: the CRC contribution of byte b followed by k zero bytes.
    private static let tables: [[UInt32]] = {
        var tables = [[UInt32]](repeating: [UInt32](repeating: 0, count: 256), count: 8)
        for byte in 0..<256 {
            var crc = UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
            tables[0][byte] = crc
        }
        for byte in 0..<256 {
            for slice in 1..<8 {
                let previous = tables[slice - 1][byte]
                tables[slice][byte] = (previous >> 8) ^ tables[0][Int(previous & 0xFF)]
            }
        }
        return tables
    }()

    mutating func update(_ bytes: UnsafeBufferPointer<UInt8>) {
        var crc = ~self.value
        Self.tables.withUnsafeBufferPointer { tables in
            let (t0, t1, t2, t3) = (tables[0], tables[1], tables[2], tables[3])
            let (t4, t5, t6, t7) = (tables[4], tables[5], tables[6], tables[7])
            var index = 0
            let count = bytes.count
            while index + 8 <= count {
                let low = crc ^ (UInt32(bytes[index]) | UInt32(bytes[index + 1]) << 8
                    | UInt32(bytes[index + 2]) << 16 | UInt32(bytes[index + 3]) << 24)
                crc = t7[Int(low & 0xFF)] ^ t6[Int(low >> 8 & 0xFF)] ^ t5[Int(low >> 16 & 0xFF)] ^ t4[Int(low >> 24)]
                    ^ t3[Int(bytes[index + 4])] ^ t2[Int(bytes[index + 5])] ^ t1[Int(bytes[index + 6])]
                    ^ t0[Int(bytes[index + 7])]
                index += 8
            }
            while index < count {
                crc = (crc >> 8) ^ t0[Int((crc ^ UInt32(bytes[index])) & 0xFF)]
                index += 1
            }
        }
        self.value = ~crc
    }
}
