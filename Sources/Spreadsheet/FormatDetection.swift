/// The file formats read.
public enum SpreadsheetFormat: String, Sendable {
    case xlsx, xls, csv
}

/// Tells the format from the bytes (never from the file name, which a client controls).
enum FormatDetection {
    private static let zipSignature: [UInt8] = [0x50, 0x4B, 0x03, 0x04]
    private static let pdfSignature = Array("%PDF-".utf8)
    /// How much of a text file is looked at.
    static let textSampleBytes = 64 * 1024

    static func detect(_ bytes: [UInt8]) -> SpreadsheetFormat? {
        if bytes.starts(with: Self.zipSignature) { return Self.isWorkbookZIP(bytes) ? .xlsx : nil }
        if bytes.starts(with: CompoundFile.signature) { return .xls }
        if bytes.starts(with: Self.pdfSignature) || Self.isMarkup(bytes) { return nil }
        return Self.looksLikeText(bytes.prefix(Self.textSampleBytes)) ? .csv : nil
    }

    /// Markup that opens like a web page or an XML document. Systems that "export to Excel" often
    /// write an HTML table (or Excel 2003's XML) under a `.xls` name; read as CSV it would become
    /// one column of tags and a misleading "no phone column" error.
    static func isMarkup(_ bytes: [UInt8]) -> Bool {
        var start = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        while start < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[start]) { start += 1 }
        let opening = String(decoding: bytes[start..<min(bytes.count, start + 16)], as: UTF8.self).lowercased()
        return Self.markupOpenings.contains { opening.hasPrefix($0) }
    }

    private static let markupOpenings = ["<!doctype", "<html", "<table", "<?xml", "<workbook"]

    /// A ZIP is a workbook when it has `xl/workbook.xml`. A ZIP whose table of contents cannot be
    /// read (an upload cut short, a damaged file) counts as a workbook too, so that the client hears
    /// "damaged workbook" (400) rather than "wrong type of file" (415): a spreadsheet is what people
    /// upload here, and the name of the workbook part may sit in the part that is missing.
    private static func isWorkbookZIP(_ bytes: [UInt8]) -> Bool {
        guard let archive = try? ZIPArchive(bytes) else { return true }
        return archive.entry("xl/workbook.xml") != nil
    }

    /// Text has no NUL bytes and hardly any other control characters (tab, line feed, carriage
    /// return and form feed aside). Bytes from 0x80 up are allowed: they are UTF-8 or Windows-1252.
    private static func looksLikeText(_ sample: ArraySlice<UInt8>) -> Bool {
        var controls = 0
        for byte in sample {
            switch byte {
            case 0x00: return false
            case 0x09, 0x0A, 0x0C, 0x0D: continue
            case 0x01..<0x20, 0x7F: controls += 1
            default: continue
            }
        }
        return controls * 100 <= sample.count  // at most 1 %
    }
}
