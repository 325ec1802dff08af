/// One record of a BIFF8 stream ([MS-XLS] 2.1.4): a 16-bit type, a 16-bit length and the body,
/// located by its range in the stream.
struct BIFFRecord {
    let type: UInt16
    let body: Range<Int>

    // The record types read; every other record is skipped.
    static let bof: UInt16 = 0x0809
    static let eof: UInt16 = 0x000A
    static let continuation: UInt16 = 0x003C  // CONTINUE
    static let filePass: UInt16 = 0x002F
    static let dateMode: UInt16 = 0x0022
    static let format: UInt16 = 0x041E
    static let extendedFormat: UInt16 = 0x00E0  // XF
    static let boundSheet: UInt16 = 0x0085
    static let sharedStringTable: UInt16 = 0x00FC  // SST
    static let labelSST: UInt16 = 0x00FD
    static let label: UInt16 = 0x0204
    static let richString: UInt16 = 0x00D6  // RSTRING
    static let number: UInt16 = 0x0203
    static let rk: UInt16 = 0x027E
    static let mulRK: UInt16 = 0x00BD
    static let boolErr: UInt16 = 0x0205
    static let formula: UInt16 = 0x0006
    static let string: UInt16 = 0x0207  // a formula's text result

    /// BOF's version field: BIFF8, and BIFF5 (Excel 5.0/95, whose stream is called "Book").
    static let biff8Version: UInt16 = 0x0600
    static let biff5Version: UInt16 = 0x0500
    /// BOF's substream types.
    static let globalsSubstream: UInt16 = 0x0005
    static let worksheetSubstream: UInt16 = 0x0010

    /// The records that hold a cell's value; each starts with its row, column and XF index.
    /// (BLANK and MULBLANK are left out: an empty cell is what a missing one reads as.)
    static func isCellValue(_ type: UInt16) -> Bool {
        switch type {
        case labelSST, label, richString, number, rk, mulRK, boolErr, formula: return true
        default: return false
        }
    }
}

/// Reads the records of a BIFF8 stream one after the other from an offset. Every substream ends
/// with an EOF record, so running out of stream is damage, and so is a record whose length runs
/// past the end of the stream.
struct BIFFRecordReader {
    let stream: UnsafeBufferPointer<UInt8>
    private(set) var position: Int

    init(_ stream: UnsafeBufferPointer<UInt8>, at position: Int) {
        self.stream = stream
        self.position = position
    }

    mutating func next() throws(SpreadsheetError) -> BIFFRecord {
        guard self.position >= 0, self.position + 4 <= self.stream.count else { throw XLSReader.damaged }
        let start = self.position + 4
        let end = start + Int(self.stream.uint16(at: self.position + 2))
        guard end <= self.stream.count else { throw XLSReader.damaged }
        defer { self.position = end }
        return BIFFRecord(type: self.stream.uint16(at: self.position), body: start..<end)
    }

    /// The BOF record that must open a substream: its version and substream type.
    mutating func beginningOfFile() throws(SpreadsheetError) -> (version: UInt16, substream: UInt16) {
        let record = try self.next()
        guard record.type == BIFFRecord.bof, record.body.count >= 4 else { throw XLSReader.damaged }
        return (self.stream.uint16(at: record.body.lowerBound), self.stream.uint16(at: record.body.lowerBound + 2))
    }
}
