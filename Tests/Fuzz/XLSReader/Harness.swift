// libFuzzer harness for the .xls reader (Sources/Spreadsheet/XLSReader.swift: the OLE2 compound
// file, then BIFF8 records), built by scripts/fuzz.sh. Seeded with the .xls fixtures, whose 512-byte
// sectors hold the BIFF records uncompressed, so mutations reach the record decoders directly.
//
// Thrown SpreadsheetErrors are expected; crashes, traps, hangs, leaks and running out of memory are
// the findings, as is a row that breaks what SheetRow promises (Tests/Fuzz/SheetRows).
@testable import Spreadsheet

/// BIFF8 holds at most 65,536 rows.
private let rules = RowRules(maxRowNumber: 65_536)

private func read(_ bytes: [UInt8], limits: SpreadsheetLimits) {
    readChecked(bytes, limits: limits, rules: rules) { bytes, limits, visit in try XLSReader.read(bytes, limits: limits, visit: visit) }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    read(bytes, limits: SpreadsheetLimits(maxRows: 200_001))  // Sources/API/IngestionRoutes.swift
    read(bytes, limits: SpreadsheetLimits(maxRows: 3, maxColumns: 4, maxSharedStrings: 8, maxCellBytes: 16))
    return 0
}
