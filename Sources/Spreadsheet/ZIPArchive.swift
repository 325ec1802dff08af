import FoundationEssentials
import ZIPFoundation

/// The parts of an .xlsx (a ZIP file) held in memory.
///
/// The central directory is read here, with every offset and size checked against the bytes we
/// have, rather than by ZIPFoundation's `Archive`: on Linux, `Archive(data:)` reads through an
/// `fopencookie` stream whose read function traps when an offset in the file points past its end,
/// and `Archive.extract` spins forever on a deflate stream that does not end before the file does,
/// and reads uninitialised memory on a short last chunk. Inflating is ZIPFoundation's
/// (`Data.decompress`, a streaming zlib inflate with a consumer), fed by a provider that only ever
/// hands out the entry's own compressed bytes.
struct ZIPArchive {
    struct Entry {
        let name: String
        let flags: UInt16
        let method: UInt16
        let crc32: UInt32
        let compressedSize: Int
        let uncompressedSize: Int
        /// Where the compressed bytes start (after the local header).
        let dataOffset: Int

        var isEncrypted: Bool { self.flags & 1 != 0 }
    }

    /// Bounds the size of the entry table of a hostile file; real workbooks have tens of parts.
    static let maxEntries = 65_536

    let bytes: [UInt8]
    /// By lower-cased name: OPC part names are case-insensitive (some writers say `SharedStrings.xml`).
    private let entries: [String: Entry]
    /// How much inflated data `extract` hands over at a time.
    static let chunkSize = 128 * 1024
    /// The largest part read whole (workbook, relationships, styles).
    static let maxWholePartBytes = 16 << 20

    init(_ bytes: [UInt8]) throws(SpreadsheetError) {
        self.bytes = bytes
        self.entries = try bytes.withUnsafeBufferPointer { buffer throws(SpreadsheetError) in
            try Self.readCentralDirectory(buffer)
        }
    }

    func entry(_ name: String) -> Entry? { self.entries[name.lowercased()] }

    // MARK: Reading entries

    /// Inflates `entry` and passes its bytes to `consume` in chunks of at most `chunkSize`, counting
    /// them against `budget`. Errors thrown by `consume` come out unchanged; when it returns normally
    /// to the end, the CRC and length are checked.
    func extract(
        _ entry: Entry, budget: inout DecompressionBudget,
        consume: (UnsafeBufferPointer<UInt8>) throws -> Void
    ) throws {
        guard !entry.isEncrypted else {
            throw SpreadsheetError.corrupt("The workbook is encrypted; save it without a password and upload it again")
        }
        try budget.reserve(declared: entry.uncompressedSize)
        var produced = 0
        var checksum = CRC32()
        switch entry.method {
        case 0:  // stored
            var offset = entry.dataOffset
            let end = entry.dataOffset + entry.compressedSize
            try self.bytes.withUnsafeBufferPointer { buffer in
                while offset < end {
                    let piece = UnsafeBufferPointer(rebasing: buffer[offset..<min(end, offset + Self.chunkSize)])
                    try budget.add(piece.count)
                    checksum.update(piece)
                    try consume(piece)
                    offset += piece.count
                }
            }
            produced = entry.compressedSize
        case 8:  // deflate
            produced = try self.inflate(entry, budget: &budget, checksum: &checksum, consume: consume)
        default:
            throw SpreadsheetError.damagedWorkbook("\(entry.name) uses a compression method other than deflate")
        }
        guard checksum.value == entry.crc32, produced == entry.uncompressedSize else {
            throw SpreadsheetError.damagedWorkbook("\(entry.name) fails its checksum")
        }
    }

    /// The whole inflated entry, for the small parts (workbook, relationships, styles), which are
    /// refused beyond `maxWholePartBytes`.
    func read(_ entry: Entry, budget: inout DecompressionBudget) throws -> [UInt8] {
        let maxBytes = Self.maxWholePartBytes
        let tooLarge = SpreadsheetError.tooLarge(
            "The workbook's part \(entry.name) is larger than \(describeByteCount(maxBytes))")
        guard entry.uncompressedSize <= maxBytes else { throw tooLarge }
        var content: [UInt8] = []
        content.reserveCapacity(entry.uncompressedSize)
        try self.extract(entry, budget: &budget) { chunk in
            guard content.count + chunk.count <= maxBytes else { throw tooLarge }
            content.append(contentsOf: chunk)
        }
        return content
    }

    /// Wraps errors thrown by the consumer so they can be told from the inflater's own.
    private struct ConsumerError: Error {
        let underlying: any Error
    }

    /// Returns the number of bytes produced.
    private func inflate(
        _ entry: Entry, budget: inout DecompressionBudget, checksum: inout CRC32,
        consume: (UnsafeBufferPointer<UInt8>) throws -> Void
    ) throws -> Int {
        let compressed = entry.dataOffset..<(entry.dataOffset + entry.compressedSize)
        var produced = 0
        do {
            _ = try Data.decompress(
                size: Int64(entry.compressedSize), bufferSize: Self.chunkSize, skipCRC32: true,
                provider: { position, _ in
                    // zlib is always told the chunk is `chunkSize` long, so every chunk is: past the
                    // entry's end it is padded with zeros (never valid deflate data), and asking again
                    // after that means the stream did not end in time.
                    let start = compressed.lowerBound + Int(position)
                    guard start < compressed.upperBound else {
                        throw SpreadsheetError.damagedWorkbook("the compressed data of \(entry.name) ends early")
                    }
                    var chunk = Data(count: Self.chunkSize)
                    let available = min(Self.chunkSize, compressed.upperBound - start)
                    self.bytes.withUnsafeBufferPointer { source in
                        chunk.withUnsafeMutableBytes { target in
                            target.copyMemory(from: UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: source[start..<(start + available)])))
                        }
                    }
                    return chunk
                },
                consumer: { data in
                    try budget.add(data.count)
                    produced += data.count
                    try data.withUnsafeBytes { raw in
                        let chunk = raw.bindMemory(to: UInt8.self)
                        checksum.update(chunk)
                        do { try consume(chunk) } catch { throw ConsumerError(underlying: error) }
                    }
                })
            return produced
        } catch let error as ConsumerError {
            throw error.underlying
        } catch let error as SpreadsheetError {
            throw error
        } catch {
            throw SpreadsheetError.damagedWorkbook("the compressed data of \(entry.name) is invalid")
        }
    }

    // MARK: The central directory

    private static func readCentralDirectory(
        _ bytes: UnsafeBufferPointer<UInt8>
    ) throws(SpreadsheetError) -> [String: Entry] {
        guard let endRecord = Self.findEndRecord(bytes) else {
            throw .damagedWorkbook("the ZIP file is truncated (its table of contents is missing)")
        }
        var count = Int(bytes.uint16(at: endRecord + 10))
        var directorySize = Int(bytes.uint32(at: endRecord + 12))
        var directoryOffset = Int(bytes.uint32(at: endRecord + 16))
        if count == 0xFFFF || directorySize == 0xFFFF_FFFF || directoryOffset == 0xFFFF_FFFF {
            // ZIP64: the real values are in a record the locator just before this one points to.
            let locator = endRecord - 20
            guard locator >= 0, bytes.uint32(at: locator) == 0x0706_4B50 else {
                throw .damagedWorkbook("its ZIP64 table of contents is missing")
            }
            let record = bytes.uint64(at: locator + 8)
            guard bytes.count >= 56, record <= UInt64(bytes.count - 56), bytes.uint32(at: Int(record)) == 0x0606_4B50 else {
                throw .damagedWorkbook("its ZIP64 table of contents is missing")
            }
            let recordOffset = Int(record)
            guard bytes.uint64(at: recordOffset + 32) <= UInt64(Self.maxEntries),
                bytes.uint64(at: recordOffset + 40) <= UInt64(bytes.count),
                bytes.uint64(at: recordOffset + 48) <= UInt64(bytes.count)
            else { throw .damagedWorkbook("its ZIP table of contents is out of bounds") }
            count = Int(bytes.uint64(at: recordOffset + 32))
            directorySize = Int(bytes.uint64(at: recordOffset + 40))
            directoryOffset = Int(bytes.uint64(at: recordOffset + 48))
        }
        guard count <= Self.maxEntries else { throw .damagedWorkbook("the ZIP file has too many entries") }
        guard directoryOffset <= bytes.count, directorySize <= bytes.count - directoryOffset else {
            throw .damagedWorkbook("its ZIP table of contents is out of bounds")
        }
        var entries: [String: Entry] = [:]
        var position = directoryOffset
        for _ in 0..<count {
            guard position + 46 <= bytes.count, bytes.uint32(at: position) == 0x0201_4B50 else {
                throw .damagedWorkbook("its ZIP table of contents is damaged")
            }
            let nameLength = Int(bytes.uint16(at: position + 28))
            let extraLength = Int(bytes.uint16(at: position + 30))
            let commentLength = Int(bytes.uint16(at: position + 32))
            let nameStart = position + 46
            let extraStart = nameStart + nameLength
            let next = extraStart + extraLength + commentLength
            guard next <= bytes.count else { throw .damagedWorkbook("its ZIP table of contents is damaged") }
            var compressedSize = UInt64(bytes.uint32(at: position + 20))
            var uncompressedSize = UInt64(bytes.uint32(at: position + 24))
            var localHeader = UInt64(bytes.uint32(at: position + 42))
            Self.applyZIP64Sizes(
                bytes, extra: extraStart..<(extraStart + extraLength), uncompressed: &uncompressedSize,
                compressed: &compressedSize, localHeader: &localHeader)
            let name = String(decoding: UnsafeBufferPointer(rebasing: bytes[nameStart..<extraStart]), as: UTF8.self)
            let entry = try Self.locateData(
                bytes, name: name, flags: bytes.uint16(at: position + 8), method: bytes.uint16(at: position + 10),
                crc32: bytes.uint32(at: position + 16), compressedSize: compressedSize,
                uncompressedSize: uncompressedSize, localHeader: localHeader)
            let key = name.lowercased()
            if entries[key] == nil { entries[key] = entry }
            position = next
        }
        return entries
    }

    /// Checks the entry's local header and that its compressed bytes lie inside the file.
    private static func locateData(
        _ bytes: UnsafeBufferPointer<UInt8>, name: String, flags: UInt16, method: UInt16, crc32: UInt32,
        compressedSize: UInt64, uncompressedSize: UInt64, localHeader: UInt64
    ) throws(SpreadsheetError) -> Entry {
        let outOfBounds = SpreadsheetError.damagedWorkbook("the ZIP entry \(name) lies outside the file")
        guard localHeader <= UInt64(bytes.count), compressedSize <= UInt64(bytes.count),
            uncompressedSize <= UInt64(Int.max)
        else { throw outOfBounds }
        let header = Int(localHeader)
        guard header + 30 <= bytes.count, bytes.uint32(at: header) == 0x0403_4B50 else { throw outOfBounds }
        let dataOffset = header + 30 + Int(bytes.uint16(at: header + 26)) + Int(bytes.uint16(at: header + 28))
        guard dataOffset <= bytes.count, Int(compressedSize) <= bytes.count - dataOffset else { throw outOfBounds }
        return Entry(
            name: name, flags: flags, method: method, crc32: crc32, compressedSize: Int(compressedSize),
            uncompressedSize: Int(uncompressedSize), dataOffset: dataOffset)
    }

    /// Sizes and offsets of 0xFFFFFFFF are in the ZIP64 extra field (id 1), in this order.
    private static func applyZIP64Sizes(
        _ bytes: UnsafeBufferPointer<UInt8>, extra: Range<Int>, uncompressed: inout UInt64,
        compressed: inout UInt64, localHeader: inout UInt64
    ) {
        var position = extra.lowerBound
        while position + 4 <= extra.upperBound {
            let id = bytes.uint16(at: position)
            let size = Int(bytes.uint16(at: position + 2))
            let fieldEnd = position + 4 + size
            guard fieldEnd <= extra.upperBound else { return }
            if id == 1 {
                var field = position + 4
                if uncompressed == 0xFFFF_FFFF, field + 8 <= fieldEnd {
                    uncompressed = bytes.uint64(at: field)
                    field += 8
                }
                if compressed == 0xFFFF_FFFF, field + 8 <= fieldEnd {
                    compressed = bytes.uint64(at: field)
                    field += 8
                }
                if localHeader == 0xFFFF_FFFF, field + 8 <= fieldEnd {
                    localHeader = bytes.uint64(at: field)
                }
                return
            }
            position = fieldEnd
        }
    }

    /// The end-of-central-directory record is in the last 22 + 65,535 (comment) bytes.
    private static func findEndRecord(_ bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        guard bytes.count >= 22 else { return nil }
        var position = bytes.count - 22
        let lowest = max(0, bytes.count - 22 - 65_535)
        while position >= lowest {
            if bytes.uint32(at: position) == 0x0605_4B50 { return position }
            position -= 1
        }
        return nil
    }
}

/// Counts the bytes inflated from every part of one workbook against `maxDecompressedBytes`: the
/// sizes a ZIP declares may lie, so what the inflater actually produces is what counts.
struct DecompressionBudget {
    let limit: Int
    private(set) var used = 0

    init(limit: Int) {
        self.limit = limit
    }

    /// Refuses an entry whose declared size alone would exceed what is left.
    func reserve(declared size: Int) throws(SpreadsheetError) {
        if size > self.limit - self.used { throw self.exceeded }
    }

    mutating func add(_ count: Int) throws(SpreadsheetError) {
        self.used += count
        if self.used > self.limit { throw self.exceeded }
    }

    private var exceeded: SpreadsheetError {
        .tooLarge("The workbook expands to more than \(describeByteCount(self.limit)) when unpacked")
    }
}

extension UnsafeBufferPointer<UInt8> {
    /// Little-endian integers; callers check the bounds.
    func uint16(at offset: Int) -> UInt16 {
        UInt16(self[offset]) | UInt16(self[offset + 1]) << 8
    }

    func uint32(at offset: Int) -> UInt32 {
        UInt32(self.uint16(at: offset)) | UInt32(self.uint16(at: offset + 2)) << 16
    }

    func uint64(at offset: Int) -> UInt64 {
        UInt64(self.uint32(at: offset)) | UInt64(self.uint32(at: offset + 4)) << 32
    }
}
