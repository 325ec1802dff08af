// libFuzzer harness for the .xlsx reader (Sources/Spreadsheet/XLSXReader.swift: ZIPArchive, the
// workbook, relationships, styles and shared strings, then the sheets row by row), built by
// scripts/fuzz.sh.
//
// Two kinds of input:
// * A ZIP file (starts with "PK\3\4"), read as it is: seeded with the .xlsx fixtures, this fuzzes
//   the ZIP directory, the local headers and the inflater's bounds.
// * Anything else is a list of parts, `name NUL content NUL name NUL content ...`, which the harness
//   packs into a ZIP of stored (uncompressed) entries with correct CRCs before reading it. Mutating
//   deflate data or a CRC-checked part rarely gets past the checksum, so this is what lets the
//   fuzzer reach the XML readers. scripts/fuzz.sh seeds it with the parts of every .xlsx fixture.
//   Each part is also cut into elements by XMLElementSplitter twice, once whole and once in three
//   chunks, and the two must agree: the reader sees inflated data in chunks of any size.
//
// Thrown SpreadsheetErrors are expected; crashes, traps, hangs, leaks and running out of memory are
// the findings, as is a row that breaks what SheetRow promises (Tests/Fuzz/SheetRows).
@testable import Spreadsheet

private func read(_ bytes: [UInt8], limits: SpreadsheetLimits) {
    readChecked(bytes, limits: limits) { bytes, limits, visit in try XLSXReader.read(bytes, limits: limits, visit: visit) }
}

// MARK: Parts mode

private func append16(_ value: Int, to bytes: inout [UInt8]) {
    bytes.append(UInt8(truncatingIfNeeded: value))
    bytes.append(UInt8(truncatingIfNeeded: value >> 8))
}

private func append32(_ value: UInt32, to bytes: inout [UInt8]) {
    append16(Int(value & 0xFFFF), to: &bytes)
    append16(Int(value >> 16), to: &bytes)
}

/// A ZIP of stored entries, as a writer with no compression makes it.
private func storedZIP(_ parts: [(name: [UInt8], content: [UInt8])]) -> [UInt8] {
    var file: [UInt8] = []
    var directory: [UInt8] = []
    for part in parts {
        var crc = CRC32()
        part.content.withUnsafeBufferPointer { crc.update($0) }
        let offset = file.count
        let name = Array(part.name.prefix(0xFFFF))
        // Local header: signature, version, flags (bit 11: UTF-8 names), method 0, time, date.
        append32(0x0403_4B50, to: &file)
        for value in [20, 0x0800, 0, 0, 0] { append16(value, to: &file) }
        append32(crc.value, to: &file)
        append32(UInt32(part.content.count), to: &file)
        append32(UInt32(part.content.count), to: &file)
        append16(name.count, to: &file)
        append16(0, to: &file)
        file += name
        file += part.content
        // Central directory entry.
        append32(0x0201_4B50, to: &directory)
        for value in [20, 20, 0x0800, 0, 0, 0] { append16(value, to: &directory) }
        append32(crc.value, to: &directory)
        append32(UInt32(part.content.count), to: &directory)
        append32(UInt32(part.content.count), to: &directory)
        for value in [name.count, 0, 0, 0, 0] { append16(value, to: &directory) }
        append32(0, to: &directory)
        append32(UInt32(offset), to: &directory)
        directory += name
    }
    let directoryOffset = file.count
    file += directory
    append32(0x0605_4B50, to: &file)
    for value in [0, 0, parts.count, parts.count] { append16(value, to: &file) }
    append32(UInt32(directory.count), to: &file)
    append32(UInt32(directoryOffset), to: &file)
    append16(0, to: &file)
    return file
}

/// The elements `XMLElementSplitter` hands out for `content` fed in pieces cut at `cuts`, or the
/// error it threw.
private func split(_ content: [UInt8], cuts: [Int], row: Bool) -> [[UInt8]]? {
    var elements: [[UInt8]] = []
    var splitter =
        row
        ? XMLElementSplitter(elementName: "row", maxElementBytes: 1 << 20, tooLargeMessage: "too large")
        : XMLElementSplitter(elementName: "si", maxElementBytes: 1 << 20, tooLargeMessage: "too large")
    do {
        var start = 0
        for cut in cuts + [content.count] where cut >= start {
            try content[start..<cut].withUnsafeBufferPointer { piece in
                try splitter.feed(piece) { elements.append(Array($0)) }
            }
            start = cut
        }
        try splitter.finish()
    } catch {
        return nil
    }
    return elements
}

private func checkSplitting(_ content: [UInt8]) {
    guard content.count >= 2 else { return }
    // Cuts that the fuzzer controls: the first two bytes pick them.
    let first = Int(content[0]) * content.count / 256
    let second = first + (content.count - first) * Int(content[1]) / 256
    for row in [true, false] {
        let whole = split(content, cuts: [], row: row)
        let pieces = split(content, cuts: [first, second], row: row)
        precondition(
            whole == pieces,
            "XMLElementSplitter depends on the chunking (cuts at \(first) and \(second)): "
                + "\(whole?.count ?? -1) elements whole, \(pieces?.count ?? -1) in pieces")
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    let api = SpreadsheetLimits(maxRows: 200_001)  // Sources/API/IngestionRoutes.swift
    let tight = SpreadsheetLimits(
        maxRows: 3, maxColumns: 4, maxDecompressedBytes: 64 * 1024, maxSharedStrings: 8, maxSharedStringBytes: 64,
        maxCellBytes: 16)
    if bytes.starts(with: [0x50, 0x4B, 0x03, 0x04]) {
        read(bytes, limits: api)
        read(bytes, limits: tight)
        return 0
    }
    let pieces = bytes.split(separator: 0, omittingEmptySubsequences: false)
    var parts: [(name: [UInt8], content: [UInt8])] = []
    var index = 0
    while index < pieces.count {
        let content = index + 1 < pieces.count ? Array(pieces[index + 1]) : []
        parts.append((Array(pieces[index]), content))
        index += 2
    }
    let zip = storedZIP(parts)
    read(zip, limits: api)
    read(zip, limits: tight)
    for part in parts { checkSplitting(part.content) }
    return 0
}
