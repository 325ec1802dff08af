/// The shared-string table of a BIFF8 workbook (the SST record and its CONTINUE records), where
/// the text of LABELSST cells lives, by index.
enum BIFFSharedStringTable {
    static func read(
        _ record: BIFFRecord, in stream: UnsafeBufferPointer<UInt8>, limits: SpreadsheetLimits
    ) throws(SpreadsheetError) -> [String] {
        var reader = BIFFContinuedRecord(record, in: stream)
        _ = try reader.uint32()  // how many cells use the strings
        let declared = Int(try reader.uint32())
        var strings: [String] = []
        // The declared count may lie; every string takes at least 3 bytes (count and flags).
        strings.reserveCapacity(min(declared, limits.maxSharedStrings, stream.count / 3))
        var scratch: [UInt16] = []
        // A table that ends before its declared count is read as far as it goes: a cell that
        // refers past its end is the damage.
        while strings.count < declared, !reader.isAtEnd() {
            guard strings.count < limits.maxSharedStrings else {
                throw SpreadsheetError.tooManySharedStrings(limit: limits.maxSharedStrings)
            }
            let string = try reader.string(richExtended: true, scratch: &scratch)
            guard string.utf8.count <= limits.maxCellBytes else {
                throw SpreadsheetError.sharedTextTooLong(limit: limits.maxCellBytes)
            }
            strings.append(string)
        }
        return strings
    }
}
