/// Text files in UTF-16 or UTF-32: Excel saves "Unicode Text" as UTF-16LE with a byte-order mark.
/// UTF-16 with its mark is converted to UTF-8 and read as CSV; the rest is refused with a message
/// that says what the file is and how to save it instead.
enum WideText {
    private static let saveAsAdvice = "save it as \"CSV UTF-8\" or as an Excel workbook (.xlsx) and upload it again"

    /// The file as UTF-8 when it is UTF-16 with a byte-order mark; nil when it is not wide text.
    static func utf8(from bytes: [UInt8]) throws(SpreadsheetError) -> [UInt8]? {
        if bytes.starts(with: [0xFF, 0xFE, 0x00, 0x00]) || bytes.starts(with: [0x00, 0x00, 0xFE, 0xFF]) {
            throw SpreadsheetError(.unsupportedFormat, "The file is UTF-32 text, which is not read here: \(saveAsAdvice)")
        }
        if bytes.starts(with: [0xFF, 0xFE]) { return try self.decodeUTF16(bytes.dropFirst(2), littleEndian: true) }
        if bytes.starts(with: [0xFE, 0xFF]) { return try self.decodeUTF16(bytes.dropFirst(2), littleEndian: false) }
        if self.looksLikeUnmarkedUTF16(bytes.prefix(FormatDetection.textSampleBytes)) {
            throw SpreadsheetError(
                .unsupportedFormat, "The file looks like UTF-16 text without a byte-order mark: \(saveAsAdvice)")
        }
        return nil
    }

    private static func decodeUTF16(_ bytes: ArraySlice<UInt8>, littleEndian: Bool) throws(SpreadsheetError) -> [UInt8] {
        guard bytes.count % 2 == 0 else {
            throw SpreadsheetError.corrupt("The UTF-16 text file ends in the middle of a character")
        }
        var units: [UInt16] = []
        units.reserveCapacity(bytes.count / 2)
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let first = UInt16(bytes[index])
            let second = UInt16(bytes[index + 1])
            units.append(littleEndian ? first | second << 8 : first << 8 | second)
            index += 2
        }
        var output: [UInt8] = []
        output.reserveCapacity(units.count)
        let failed = Swift.transcode(units.makeIterator(), from: UTF16.self, to: UTF8.self, stoppingOnError: true) {
            output.append($0)
        }
        guard !failed else {
            throw SpreadsheetError.corrupt("The UTF-16 text file has an invalid character (an unpaired surrogate)")
        }
        return output
    }

    /// ASCII text in UTF-16 has a NUL in every other byte.
    private static func looksLikeUnmarkedUTF16(_ sample: ArraySlice<UInt8>) -> Bool {
        guard sample.count >= 8 else { return false }
        var evenNULs = 0
        var oddNULs = 0
        for (offset, byte) in sample.enumerated() where byte == 0 {
            if offset % 2 == 0 { evenNULs += 1 } else { oddNULs += 1 }
        }
        let half = sample.count / 2
        return max(evenNULs, oddNULs) * 10 >= half * 9 && min(evenNULs, oddNULs) * 10 <= half
    }
}
