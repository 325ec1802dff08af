import Spreadsheet
import Testing

@Suite("csv")
struct CSVReaderTests {
    @Test("UTF-8 with BOM, CRLF, quoted fields with quotes, commas and line breaks, no final newline")
    func utf8WithBOM() throws {
        let (format, rows) = try Fixtures.rows("utf8_bom.csv")
        #expect(format == .csv)
        #expect(rows.map(\.number) == [1, 2, 4, 6])  // 3 is blank, 5 has only empty fields
        #expect(rows[0].cells == [.text("RUT"), .text("Nombre"), .text("Nota")])
        #expect(rows[1].cells == [.text("12345678-5"), .text("María José"), .text("dice \"hola\", y\r\nse va")])
        #expect(rows[2].cells == [.text("9876543-K"), .text("  Pedro  ")])  // kept as written
        #expect(rows[3].cells == [.text("11111111-1"), .text("Último"), .text("fin")])
        #expect(rows.allSatisfy { $0.dateSystem == .excel1900 })
    }

    @Test("semicolon-delimited UTF-8")
    func semicolons() throws {
        let rows = try Fixtures.rows("semicolon.csv").rows
        #expect(rows.map(\.cells) == [
            [.text("RUT"), .text("Nombre"), .text("Saldo")],
            [.text("12345678-5"), .text("Ñuñoa, Chile"), .text("1.500,50")],
            [.text("22222222-2"), .text("Zoë"), .text("0")],
        ])
    }

    @Test("Windows-1252 / Latin-1 when the bytes are not UTF-8")
    func latin1() throws {
        let rows = try Fixtures.rows("latin1.csv").rows
        #expect(rows[1].cells == [.text("12345678-5"), .text("José Ñandú"), .text("€ 100")])
    }

    @Test("tab-delimited, and Excel's sep= line")
    func otherDelimiters() throws {
        #expect(try Fixtures.rows("tab.csv").rows.map(\.cells) == [[.text("RUT"), .text("Nombre")], [.text("1-9"), .text("Ana, María")]])
        let declared = try Fixtures.rows("sep_line.csv").rows
        #expect(declared.map(\.number) == [1, 2])
        #expect(declared.map(\.cells) == [[.text("RUT"), .text("Nombre")], [.text("1-9"), .text("Ana")]])
    }

    @Test("header only, and an empty file")
    func headerOnlyAndEmpty() throws {
        #expect(try Fixtures.rows("header_only.csv").rows.map(\.cells) == [[.text("RUT"), .text("Nombre"), .text("Telefono")]])
        let empty = try Fixtures.rows("empty.csv")
        #expect(empty.format == .csv)
        #expect(empty.rows.isEmpty)
    }

    @Test("an unclosed quote names the line it starts on")
    func unclosedQuote() throws {
        let error = try #require(throws: SpreadsheetError.self) { try Fixtures.rows("unclosed_quote.csv") }
        #expect(error.kind == .corrupt)
        #expect(error.message == "The CSV file has an unclosed quote that starts on line 3")
    }

    @Test("column and cell-size limits")
    func limits() throws {
        let wide = try #require(throws: SpreadsheetError.self) {
            try Fixtures.rows("semicolon.csv", limits: SpreadsheetLimits(maxColumns: 2))
        }
        #expect(wide.kind == .tooLarge)
        let long = try #require(throws: SpreadsheetError.self) {
            try Fixtures.rows("semicolon.csv", limits: SpreadsheetLimits(maxCellBytes: 5))
        }
        #expect(long.message == "A cell in row 1 holds more than 5 bytes of text")
    }
}

/// Wide Unicode text (hardening issue, finding 8): Excel's "Unicode Text" is read, the rest is
/// refused with what the file is and how to save it.
@Suite("utf-16 and utf-32 text")
struct WideTextTests {
    static func utf16(_ text: String, littleEndian: Bool) -> [UInt8] {
        var bytes: [UInt8] = littleEndian ? [0xFF, 0xFE] : [0xFE, 0xFF]
        for unit in text.utf16 {
            let pair = [UInt8(unit & 0xFF), UInt8(unit >> 8)]
            bytes += littleEndian ? pair : pair.reversed()
        }
        return bytes
    }

    @Test("UTF-16 with a byte-order mark is read as CSV", arguments: [true, false])
    func utf16WithMark(littleEndian: Bool) throws {
        var rows: [SheetRow] = []
        let format = try Spreadsheet.read(Self.utf16("RUT\tNombre\r\n12345678-5\tMaría 😀\r\n", littleEndian: littleEndian)) {
            rows.append($0)
        }
        #expect(format == .csv)
        #expect(rows.map(\.cells) == [[.text("RUT"), .text("Nombre")], [.text("12345678-5"), .text("María 😀")]])
    }

    @Test("UTF-32 and unmarked UTF-16 are refused with advice")
    func refused() throws {
        let utf32: [UInt8] = [0xFF, 0xFE, 0x00, 0x00] + Array("RUT".unicodeScalars.flatMap { [UInt8($0.value), 0, 0, 0] })
        let unmarked = Array(Self.utf16("RUT,Nombre\n1,Ana\n", littleEndian: true).dropFirst(2))
        for (bytes, what) in [(utf32, "UTF-32"), (unmarked, "UTF-16")] {
            let error = try #require(throws: SpreadsheetError.self) { try Spreadsheet.read(bytes) { _ in } }
            #expect(error.kind == .unsupportedFormat)
            #expect(error.message.contains(what) && error.message.contains("CSV UTF-8"), "\(error.message)")
        }
    }

    @Test("an odd byte count or an unpaired surrogate is a damaged file")
    func damaged() throws {
        let odd = Self.utf16("RUT\n", littleEndian: true) + [0x41]
        let lone = Self.utf16("RUT\n", littleEndian: true) + [0x00, 0xD8, 0x41, 0x00]
        for bytes in [odd, lone] {
            let error = try #require(throws: SpreadsheetError.self) { try Spreadsheet.read(bytes) { _ in } }
            #expect(error.kind == .corrupt)
        }
    }
}
