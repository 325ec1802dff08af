@testable import Spreadsheet
import TestSupport
import Testing

@Suite("robustness")
struct RobustnessTests {
    @Test("stored (uncompressed) ZIP entries read like deflated ones")
    func storedEntries() throws {
        let stored = try Fixtures.rows("contacts_stored.xlsx").rows
        let deflated = try Fixtures.rows("contacts.xlsx").rows
        #expect(stored.map(\.cells) == deflated.map(\.cells))
    }

    /// Damaged bytes anywhere — ZIP structures, deflate data, the XML itself (in the stored file),
    /// compound-file sectors and BIFF records — end in a SpreadsheetError or in rows, never in a
    /// trap or a hang.
    @Test("randomly damaged files", arguments: [
        "contacts.xlsx", "contacts_stored.xlsx", "utf8_bom.csv", "contacts.xls", "cells.xls", "cells_v4.xls", "sst_continue.xls",
    ])
    func damagedBytes(fixture: String) throws {
        let original = try Fixtures.bytes(fixture)
        var random = SplitMix64(state: 20_240_101)
        for _ in 0..<300 {
            var bytes = original
            for _ in 0..<Int.random(in: 1...8, using: &random) {
                let index = Int.random(in: 0..<bytes.count, using: &random)
                bytes[index] = UInt8.random(in: 0...255, using: &random)
            }
            if Bool.random(using: &random) { bytes.removeLast(Int.random(in: 0..<bytes.count, using: &random)) }
            do {
                try Spreadsheet.read(bytes) { _ in }
            } catch is SpreadsheetError {
                // expected
            }
        }
    }

    /// The splitter must find the same elements however the part is cut into chunks.
    @Test("row elements across chunk boundaries")
    func chunkBoundaries() throws {
        let xml = Array(
            """
            <?xml version="1.0"?><worksheet><!-- <row> in a comment --><sheetData>\
            <row r="1"><c r="A1" t="inlineStr"><is><t><![CDATA[</row>]]></t></is></c></row>\
            <row r="2"/><x:row r="3" a='>'><x:c><x:v>3</x:v></x:c></x:row >\
            <row r="4"><c><v>4</v></c></row></sheetData><rowBreaks count="0"/></worksheet>
            """.utf8)
        func elements(chunkSize: Int) throws -> [String] {
            var splitter = XMLElementSplitter(elementName: "row", maxElementBytes: 1 << 20, tooLargeMessage: "too large")
            var found: [String] = []
            var start = 0
            while start < xml.count {
                let end = min(xml.count, start + chunkSize)
                try xml[start..<end].withUnsafeBufferPointer { chunk in
                    try splitter.feed(chunk) { found.append(String(decoding: $0, as: UTF8.self)) }
                }
                start = end
            }
            try splitter.finish()
            return found
        }
        let whole = try elements(chunkSize: xml.count)
        #expect(whole.count == 4)
        #expect(whole[1] == #"<row r="2"/>"#)
        #expect(whole[2].hasSuffix("</x:row >"))
        for chunkSize in 1..<64 {
            #expect(try elements(chunkSize: chunkSize) == whole, "chunk size \(chunkSize)")
        }
    }

    @Test("an element larger than the limit")
    func oversizedElement() throws {
        var splitter = XMLElementSplitter(elementName: "row", maxElementBytes: 64, tooLargeMessage: "A row is too large")
        let xml = Array(("<row>" + String(repeating: "<c><v>1</v></c>", count: 20)).utf8)
        let error = try #require(throws: SpreadsheetError.self) {
            try xml.withUnsafeBufferPointer { try splitter.feed($0) { _ in } }
        }
        #expect(error.kind == .tooLarge)
        #expect(error.message == "A row is too large")
    }
}
