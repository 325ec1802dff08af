/// Reads the first non-empty worksheet of an .xlsx workbook, streaming its XML from the ZIP.
enum XLSXReader {
    /// A row element larger than this is refused: no real row comes near it, and it bounds the
    /// carry-over buffer.
    static let maxRowBytes = 8 << 20

    static func read(_ bytes: [UInt8], limits: SpreadsheetLimits, visit: (SheetRow) throws -> Void) throws {
        let archive = try ZIPArchive(bytes)
        var budget = DecompressionBudget(limit: limits.maxDecompressedBytes)
        guard let workbookEntry = archive.entry("xl/workbook.xml") else {
            throw SpreadsheetError.damagedWorkbook("xl/workbook.xml is missing")
        }
        guard let relationshipsEntry = archive.entry("xl/_rels/workbook.xml.rels") else {
            throw SpreadsheetError.damagedWorkbook("its list of sheets (xl/_rels/workbook.xml.rels) is missing")
        }
        let workbookXML = try archive.read(workbookEntry, budget: &budget)
        let relationshipsXML = try archive.read(relationshipsEntry, budget: &budget)
        let workbook = try workbookXML.withUnsafeBufferPointer { workbookBuffer in
            try relationshipsXML.withUnsafeBufferPointer { relationshipsBuffer in
                try WorkbookStructure(workbookXML: workbookBuffer, relationshipsXML: relationshipsBuffer)
            }
        }
        var dateStyles = DateStyles.none
        if let stylesEntry = archive.entry("xl/styles.xml") {
            let stylesXML = try archive.read(stylesEntry, budget: &budget)
            dateStyles = try stylesXML.withUnsafeBufferPointer { try DateStyles(stylesXML: $0) }
        }
        var sharedStrings: [String] = []
        if let sharedStringsEntry = archive.entry("xl/sharedStrings.xml") {
            sharedStrings = try SharedStrings.read(sharedStringsEntry, of: archive, budget: &budget, limits: limits)
        }

        var counter = RowCounter(limits: limits)
        for partName in workbook.worksheetParts {
            guard let sheetEntry = archive.entry(partName) else {
                throw SpreadsheetError.damagedWorkbook("the sheet \(partName) is missing")
            }
            var scanner = SheetXMLScanner(
                sharedStrings: sharedStrings, dateStyles: dateStyles, dateSystem: workbook.dateSystem, limits: limits)
            var splitter = XMLElementSplitter(
                elementName: "row", maxElementBytes: Self.maxRowBytes,
                tooLargeMessage: "A row of the sheet is larger than \(describeByteCount(Self.maxRowBytes))")
            try archive.extract(sheetEntry, budget: &budget) { chunk in
                try splitter.feed(chunk) { element in
                    let (number, cells) = try scanner.parse(row: element)
                    if let cells = try counter.admit(cells) {
                        try visit(SheetRow(number: number, cells: cells, dateSystem: workbook.dateSystem))
                    }
                }
            }
            try splitter.finish()
            if counter.visited > 0 { return }
        }
    }
}
