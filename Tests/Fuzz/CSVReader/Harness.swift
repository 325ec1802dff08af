// libFuzzer harness for the CSV reader (Sources/Spreadsheet/CSVReader.swift, with WideText's UTF-16
// conversion and FormatDetection in front of it, as Spreadsheet.read does), built by scripts/fuzz.sh.
//
// The bytes are read as CSV whatever they look like, with the API's limits and with tight ones.
// Thrown SpreadsheetErrors are expected; crashes, traps, hangs, leaks and running out of memory are
// the findings, as is a row that breaks what SheetRow promises (Tests/Fuzz/SheetRows).
@testable import Spreadsheet

/// CSV rows are numbered by record, so they come in increasing order, and every cell is text.
private let rules = RowRules(increasing: true, textOnly: true)

private func read(_ bytes: [UInt8], limits: SpreadsheetLimits) {
    readChecked(bytes, limits: limits, rules: rules) { bytes, limits, visit in try CSVReader.read(bytes, limits: limits, visit: visit) }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    let api = SpreadsheetLimits(maxRows: 200_001)  // Sources/API/IngestionRoutes.swift
    let tight = SpreadsheetLimits(maxRows: 3, maxColumns: 4, maxCellBytes: 16)
    read(bytes, limits: api)
    read(bytes, limits: tight)
    // Spreadsheet.read's path for text: UTF-16 with a byte-order mark becomes UTF-8 first.
    if let utf8 = try? WideText.utf8(from: bytes) { read(utf8, limits: api) }
    if !bytes.starts(with: [0x50, 0x4B, 0x03, 0x04]) { sink &+= FormatDetection.detect(bytes) == nil ? 0 : 1 }
    return 0
}
