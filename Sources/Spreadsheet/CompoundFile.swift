/// The streams of an OLE2 compound file ([MS-CFB]), the container of a legacy .xls workbook: a
/// header, sectors of 512 or 4096 bytes chained through a file allocation table (FAT) whose own
/// sectors are listed by the DIFAT, a directory of named streams, and a mini stream of 64-byte
/// sectors (with its own mini FAT) that holds the streams smaller than the cutoff.
///
/// Every number in the file is untrusted: a sector is read only when it lies wholly inside the
/// file, a chain that has not ended after as many links as there are sectors loops, and no stream
/// can be larger than the file holding it. `file` must stay valid while this value is used.
struct CompoundFile {
    /// A stream of the directory.
    struct Stream {
        fileprivate let start: UInt32
        fileprivate let size: Int
    }

    static let signature: [UInt8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]
    private static let headerSize = 512
    private static let headerDIFATEntries = 109
    private static let endOfChain: UInt32 = 0xFFFF_FFFE
    private static let noEntry: UInt32 = 0xFFFF_FFFF
    private static let directoryEntrySize = 128
    private static let miniSectorSize = 64
    private static let storageTypeStream: UInt8 = 2
    private static let storageTypeRoot: UInt8 = 5

    private let sectors: Sectors
    private let fat: [UInt32]
    private let directory: [UInt8]
    private let miniStreamCutoff: Int
    private let firstMiniFATSector: UInt32
    /// Version 3 files (512-byte sectors) keep only the low 32 bits of a stream's size; the high
    /// half may hold garbage.
    private let sizesHave64Bits: Bool

    init(_ file: UnsafeBufferPointer<UInt8>) throws(SpreadsheetError) {
        guard file.count >= Self.headerSize, file.starts(with: Self.signature) else { throw XLSReader.damaged }
        let sectorShift = Int(file.uint16(at: 0x1E))
        guard sectorShift == 9 || sectorShift == 12, file.uint16(at: 0x20) == 6 else { throw XLSReader.damaged }
        let sectors = Sectors(file: file, shift: sectorShift)
        self.sectors = sectors
        self.sizesHave64Bits = sectorShift == 12
        self.miniStreamCutoff = Int(file.uint32(at: 0x38))
        self.firstMiniFATSector = file.uint32(at: 0x3C)

        // The FAT's sectors: the first 109 are listed in the header, the rest in a chain of DIFAT
        // sectors, each ending with the number of the next.
        let fatSectorCount = Int(file.uint32(at: 0x2C))
        guard fatSectorCount <= sectors.count else { throw XLSReader.damaged }
        var fatSectors: [Int] = []
        fatSectors.reserveCapacity(fatSectorCount)
        for index in 0..<min(Self.headerDIFATEntries, fatSectorCount) {
            fatSectors.append(Int(file.uint32(at: 0x4C + 4 * index)))
        }
        let entriesPerDIFATSector = sectors.size / 4 - 1
        var difatSector = file.uint32(at: 0x44)
        var difatSectorsRead = 0
        while fatSectors.count < fatSectorCount {
            guard difatSectorsRead < sectors.count else { throw XLSReader.damaged }
            let sector = try sectors.sector(Int(difatSector))
            for index in 0..<min(entriesPerDIFATSector, fatSectorCount - fatSectors.count) {
                fatSectors.append(Int(sector.uint32(at: 4 * index)))
            }
            difatSector = sector.uint32(at: 4 * entriesPerDIFATSector)
            difatSectorsRead += 1
        }
        var fat: [UInt32] = []
        fat.reserveCapacity(fatSectorCount * sectors.size / 4)
        for number in fatSectors {
            let sector = try sectors.sector(number)
            for offset in stride(from: 0, to: sector.count, by: 4) { fat.append(sector.uint32(at: offset)) }
        }
        self.fat = fat
        self.directory = try sectors.gather(Self.chain(from: file.uint32(at: 0x30), in: fat, maxLength: sectors.count))
        guard self.directory.count >= Self.directoryEntrySize, self.directory[0x42] == Self.storageTypeRoot else {
            throw XLSReader.damaged
        }
    }

    /// The stream called `name` (compared ignoring ASCII case, as MS-CFB compares names) among the
    /// root storage's children, which the directory keeps as a tree of siblings.
    func stream(named name: String) throws(SpreadsheetError) -> Stream? {
        let name = Array(name.uppercased().utf16)
        var visited = [Bool](repeating: false, count: self.entryCount)
        var pending = [self.link(0, at: 0x4C)]
        while let entry = pending.popLast() {
            guard entry != Self.noEntry else { continue }
            guard entry < self.entryCount, !visited[Int(entry)] else { throw XLSReader.damaged }
            visited[Int(entry)] = true
            let base = Int(entry) * Self.directoryEntrySize
            if self.directory[base + 0x42] == Self.storageTypeStream, self.entryName(at: base, equals: name) {
                return try self.streamHeader(at: base)
            }
            pending.append(self.link(Int(entry), at: 0x44))
            pending.append(self.link(Int(entry), at: 0x48))
        }
        return nil
    }

    /// The bytes of `stream`, from the mini stream when it is smaller than the cutoff.
    func read(_ stream: Stream) throws(SpreadsheetError) -> [UInt8] {
        guard stream.size < self.miniStreamCutoff else {
            return try self.sectors.gather(self.chain(from: stream.start, in: self.fat), size: stream.size)
        }
        let root = try self.streamHeader(at: 0)
        let miniStream = try self.sectors.gather(self.chain(from: root.start, in: self.fat), size: root.size)
        var miniFAT: [UInt32] = []
        let miniFATBytes = try self.sectors.gather(self.chain(from: self.firstMiniFATSector, in: self.fat))
        miniFATBytes.withUnsafeBufferPointer { bytes in
            miniFAT = stride(from: 0, to: bytes.count, by: 4).map { bytes.uint32(at: $0) }
        }
        let sectors = try Self.chain(from: stream.start, in: miniFAT, maxLength: miniFAT.count)
        guard sectors.count * Self.miniSectorSize >= stream.size else { throw XLSReader.damaged }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(stream.size)
        try miniStream.withUnsafeBufferPointer { miniStream throws(SpreadsheetError) in
            for sector in sectors where bytes.count < stream.size {
                let start = sector * Self.miniSectorSize
                let end = start + min(Self.miniSectorSize, stream.size - bytes.count)
                guard end <= miniStream.count else { throw XLSReader.damaged }
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: miniStream[start..<end]))
            }
        }
        return bytes
    }

    // MARK: Chains

    private var entryCount: Int { self.directory.count / Self.directoryEntrySize }

    private func chain(from start: UInt32, in table: [UInt32]) throws(SpreadsheetError) -> [Int] {
        try Self.chain(from: start, in: table, maxLength: self.sectors.count)
    }

    /// The sector numbers of the chain that starts at `start` in `table` (the FAT or the mini FAT).
    private static func chain(from start: UInt32, in table: [UInt32], maxLength: Int) throws(SpreadsheetError) -> [Int] {
        var sectors: [Int] = []
        var sector = start
        while sector != Self.endOfChain {
            guard sector < table.count, sectors.count < maxLength else { throw XLSReader.damaged }
            sectors.append(Int(sector))
            sector = table[Int(sector)]
        }
        return sectors
    }

    // MARK: Directory entries

    /// The sibling or child link at `offset` of directory entry `entry`.
    private func link(_ entry: Int, at offset: Int) -> UInt32 {
        self.directory.withUnsafeBufferPointer { $0.uint32(at: entry * Self.directoryEntrySize + offset) }
    }

    private func streamHeader(at base: Int) throws(SpreadsheetError) -> Stream {
        let (start, size) = self.directory.withUnsafeBufferPointer { entry in
            (entry.uint32(at: base + 0x74), self.sizesHave64Bits ? entry.uint64(at: base + 0x78) : UInt64(entry.uint32(at: base + 0x78)))
        }
        guard size <= UInt64(self.sectors.file.count) else { throw XLSReader.damaged }
        return Stream(start: start, size: Int(size))
    }

    /// Whether the entry's UTF-16 name (its length counts the terminating NUL) is `name`, an
    /// upper-cased ASCII name.
    private func entryName(at base: Int, equals name: [UInt16]) -> Bool {
        self.directory.withUnsafeBufferPointer { entry in
            let length = Int(entry.uint16(at: base + 0x40))
            guard length == 2 * (name.count + 1) else { return false }
            for (index, expected) in name.enumerated() {
                var unit = entry.uint16(at: base + 2 * index)
                if unit >= 0x61 && unit <= 0x7A { unit -= 0x20 }
                if unit != expected { return false }
            }
            return true
        }
    }
}

/// The file's sectors of `size` bytes, numbered from the one after the header.
private struct Sectors {
    let file: UnsafeBufferPointer<UInt8>
    let shift: Int
    var size: Int { 1 << self.shift }
    /// The sectors that start inside the file: no chain can be longer.
    let count: Int

    init(file: UnsafeBufferPointer<UInt8>, shift: Int) {
        self.file = file
        self.shift = shift
        self.count = max(0, ((file.count + (1 << shift) - 1) >> shift) - 1)
    }

    /// Sector `number`, which must lie wholly inside the file.
    func sector(_ number: Int) throws(SpreadsheetError) -> UnsafeBufferPointer<UInt8> {
        guard number < self.count, (number + 2) << self.shift <= self.file.count else { throw XLSReader.damaged }
        let start = (number + 1) << self.shift
        return UnsafeBufferPointer(rebasing: self.file[start..<(start + self.size)])
    }

    /// The sectors of `chain` one after the other, cut to `size` bytes (all of them when nil). Only
    /// the bytes wanted must be in the file: some writers leave the last sector short.
    func gather(_ chain: [Int], size: Int? = nil) throws(SpreadsheetError) -> [UInt8] {
        let size = size ?? chain.count * self.size
        guard size <= self.file.count, chain.count * self.size >= size else { throw XLSReader.damaged }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(size)
        for sector in chain where bytes.count < size {
            let start = (sector + 1) << self.shift
            let end = start + min(self.size, size - bytes.count)
            guard end <= self.file.count else { throw XLSReader.damaged }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: self.file[start..<end]))
        }
        return bytes
    }
}
