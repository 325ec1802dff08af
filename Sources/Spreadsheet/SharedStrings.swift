/// Reads the shared-string table (`xl/sharedStrings.xml`), where most cells' text lives (a `t="s"`
/// cell holds an index into it). The part is streamed one `<si>` at a time, like a sheet.
enum SharedStrings {
    static func read(
        _ entry: ZIPArchive.Entry, of archive: ZIPArchive, budget: inout DecompressionBudget,
        limits: SpreadsheetLimits
    ) throws -> [String] {
        var strings: [String] = []
        var textBytes = 0
        var scratch: [UInt8] = []
        let tooLong = SpreadsheetError.sharedTextTooLong(limit: limits.maxCellBytes)
        var splitter = XMLElementSplitter(
            elementName: "si", maxElementBytes: max(1 << 20, 8 * limits.maxCellBytes), tooLargeMessage: tooLong.message)
        try archive.extract(entry, budget: &budget) { chunk in
            try splitter.feed(chunk) { element in
                guard strings.count < limits.maxSharedStrings else {
                    throw SpreadsheetError.tooManySharedStrings(limit: limits.maxSharedStrings)
                }
                var tokenizer = XMLTokenizer(element)
                guard case .startTag(_, _, let selfClosing)? = try tokenizer.next() else {
                    throw SpreadsheetError.damagedWorkbook("its shared strings are malformed")
                }
                let text =
                    selfClosing
                    ? ""
                    : try RichText.read(
                        &tokenizer, closing: "si", scratch: &scratch, maxBytes: limits.maxCellBytes, tooLong: tooLong)
                textBytes += text.utf8.count
                guard textBytes <= limits.maxSharedStringBytes else {
                    throw SpreadsheetError.sharedStringsTooLarge(limit: limits.maxSharedStringBytes)
                }
                strings.append(text)
            }
        }
        try splitter.finish()
        return strings
    }
}
