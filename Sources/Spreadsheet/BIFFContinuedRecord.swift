/// The body of a BIFF8 record read together with the CONTINUE records right after it: a record
/// holds at most 8,224 bytes, so longer data (the shared-string table, a long formula result) goes
/// on in CONTINUE records. Integers and skipped bytes run across the record boundaries; a string's
/// characters do too, but each continuation of them starts with a flags byte of its own, because
/// the characters after it may be stored compressed or not, whatever the first part was.
struct BIFFContinuedRecord {
    private let stream: UnsafeBufferPointer<UInt8>
    private var position: Int
    /// The end of the record or CONTINUE being read.
    private var end: Int

    init(_ record: BIFFRecord, in stream: UnsafeBufferPointer<UInt8>) {
        self.stream = stream
        self.position = record.body.lowerBound
        self.end = record.body.upperBound
    }

    /// Whether the record and its continuations are used up.
    mutating func isAtEnd() -> Bool {
        while self.position == self.end {
            if !self.continueInNextRecord() { return true }
        }
        return false
    }

    mutating func byte() throws(SpreadsheetError) -> UInt8 {
        guard !self.isAtEnd() else { throw XLSReader.damaged }
        defer { self.position += 1 }
        return self.stream[self.position]
    }

    mutating func uint16() throws(SpreadsheetError) -> UInt16 {
        if self.end - self.position >= 2 {
            defer { self.position += 2 }
            return self.stream.uint16(at: self.position)
        }
        return UInt16(try self.byte()) | UInt16(try self.byte()) << 8
    }

    mutating func uint32() throws(SpreadsheetError) -> UInt32 {
        UInt32(try self.uint16()) | UInt32(try self.uint16()) << 16
    }

    mutating func skip(_ count: Int) throws(SpreadsheetError) {
        var remaining = count
        while remaining > 0 {
            guard !self.isAtEnd() else { throw XLSReader.damaged }
            let step = min(remaining, self.end - self.position)
            self.position += step
            remaining -= step
        }
    }

    /// An XLUnicodeString: a 16-bit character count, a flags byte (bit 0: two bytes a character
    /// rather than one) and the characters. With `richExtended` (the shared-string table's
    /// XLUnicodeRichExtendedString) the flags may announce formatting runs (bit 3) and East Asian
    /// phonetic data (bit 2), whose sizes come before the characters and whose bytes after them;
    /// both are skipped. One-byte characters are the low bytes of UTF-16 code units (Excel stores a
    /// string that way only when every character is below U+0100), so they are Latin-1 whatever
    /// the CODEPAGE record says. They are read as Windows-1252, which differs from Latin-1 only in
    /// 0x80–0x9F (control characters there, never text), for the writers that put Windows-1252
    /// bytes in them. `scratch` is reused between calls.
    mutating func string(richExtended: Bool, scratch: inout [UInt16]) throws(SpreadsheetError) -> String {
        let count = Int(try self.uint16())
        var flags = try self.byte()
        var runs = 0
        var phoneticBytes = 0
        if richExtended {
            if flags & 0x08 != 0 { runs = Int(try self.uint16()) }
            if flags & 0x04 != 0 { phoneticBytes = Int(try self.uint32()) }
        }
        let text: String
        if flags & 0x01 == 0, self.end - self.position >= count, self.isASCII(self.position..<(self.position + count)) {
            text = String(decoding: UnsafeBufferPointer(rebasing: self.stream[self.position..<(self.position + count)]), as: UTF8.self)
            self.position += count
        } else {
            scratch.removeAll(keepingCapacity: true)
            var remaining = count
            while remaining > 0 {
                if self.position == self.end {
                    guard self.continueInNextRecord() else { throw XLSReader.damaged }
                    flags = try self.byte()
                    continue
                }
                if flags & 0x01 == 0 {
                    let available = min(remaining, self.end - self.position)
                    for byte in self.stream[self.position..<(self.position + available)] {
                        scratch.append(UInt16(truncatingIfNeeded: TextEncoding.windows1252Scalar(byte)))
                    }
                    self.position += available
                    remaining -= available
                } else {
                    // A lone byte before the boundary is no whole character: it is dropped.
                    let available = min(remaining, (self.end - self.position) / 2)
                    for index in 0..<available { scratch.append(self.stream.uint16(at: self.position + 2 * index)) }
                    self.position = available == 0 ? self.end : self.position + 2 * available
                    remaining -= available
                }
            }
            text = String(decoding: scratch, as: UTF16.self)
        }
        try self.skip(4 * runs + phoneticBytes)
        return text
    }

    private func isASCII(_ range: Range<Int>) -> Bool {
        for index in range where self.stream[index] >= 0x80 { return false }
        return true
    }

    /// Moves into the CONTINUE record that follows the one read; false when the next record is
    /// something else or does not fit in the stream.
    private mutating func continueInNextRecord() -> Bool {
        let header = self.end
        guard header + 4 <= self.stream.count, self.stream.uint16(at: header) == BIFFRecord.continuation else {
            return false
        }
        let end = header + 4 + Int(self.stream.uint16(at: header + 2))
        guard end <= self.stream.count else { return false }
        self.position = header + 4
        self.end = end
        return true
    }
}
