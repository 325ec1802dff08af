/// What the globals substream of a BIFF8 Workbook stream (from its start to the first EOF) says
/// about the whole workbook: the date system, which cell styles show dates, the sheets and the
/// shared strings.
struct BIFFWorkbookGlobals {
    struct Sheet {
        /// Where the sheet's BOF record is in the Workbook stream.
        let offset: Int
        /// Neither hidden nor very hidden, and not a chart, macro or VBA sheet.
        let isVisibleWorksheet: Bool
    }

    let dateSystem: DateSystem
    let dateStyles: DateStyles
    let sheets: [Sheet]
    let sharedStrings: [String]

    init(_ stream: UnsafeBufferPointer<UInt8>, limits: SpreadsheetLimits) throws(SpreadsheetError) {
        var records = BIFFRecordReader(stream, at: 0)
        let bof = try records.beginningOfFile()
        guard bof.version == BIFFRecord.biff8Version else {
            throw bof.version == BIFFRecord.biff5Version ? XLSReader.excel95 : XLSReader.damaged
        }
        guard bof.substream == BIFFRecord.globalsSubstream else { throw XLSReader.damaged }

        var dateSystem = DateSystem.excel1900
        var formatIDs: [Int] = []
        var customDateFormats: [Int: Bool] = [:]
        var sheets: [Sheet] = []
        var sharedStrings: [String] = []
        var scratch: [UInt16] = []
        while true {
            let record = try records.next()
            let body = record.body
            switch record.type {
            case BIFFRecord.eof:
                self.dateSystem = dateSystem
                self.dateStyles = DateStyles(formatIDs: formatIDs, customDateFormats: customDateFormats)
                self.sheets = sheets
                self.sharedStrings = sharedStrings
                return
            case BIFFRecord.filePass:
                // Every record after this one is encrypted.
                throw XLSReader.encryptedWorkbook
            case BIFFRecord.dateMode:
                guard body.count >= 2 else { throw XLSReader.damaged }
                dateSystem = stream.uint16(at: body.lowerBound) == 1 ? .excel1904 : .excel1900
            case BIFFRecord.format:
                var reader = BIFFContinuedRecord(record, in: stream)
                let id = Int(try reader.uint16())
                customDateFormats[id] = NumberFormat.isDate(code: try reader.string(richExtended: false, scratch: &scratch))
            case BIFFRecord.extendedFormat:
                // Cells name their XF by its position among the XF records.
                guard body.count >= 4 else { throw XLSReader.damaged }
                formatIDs.append(Int(stream.uint16(at: body.lowerBound + 2)))
            case BIFFRecord.boundSheet:
                guard body.count >= 6 else { throw XLSReader.damaged }
                let visibility = stream[body.lowerBound + 4] & 0x03  // 0 visible, 1 hidden, 2 very hidden
                let type = stream[body.lowerBound + 5]  // 0 worksheet (or dialog), 1 macro, 2 chart, 6 VBA
                sheets.append(
                    Sheet(offset: Int(stream.uint32(at: body.lowerBound)), isVisibleWorksheet: visibility == 0 && type == 0))
            case BIFFRecord.sharedStringTable:
                sharedStrings = try BIFFSharedStringTable.read(record, in: stream, limits: limits)
            default:
                continue
            }
        }
    }
}
