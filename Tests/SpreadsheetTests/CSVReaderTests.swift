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
