import Spreadsheet
import Testing
import Time

@Suite("xlsx")
struct XLSXReaderTests {
    private func date(_ year: Int, _ month: Int, _ day: Int) throws -> Cell {
        .date(try #require(CivilDate(year: year, month: month, day: day)))
    }

    @Test("skips the empty first sheet and the hidden one, and reads every kind of cell")
    func contacts() throws {
        let (format, rows) = try Fixtures.rows("contacts.xlsx")
        #expect(format == .xlsx)
        #expect(rows.map(\.number) == [1, 2, 4, 5, 6, 7, 12])
        #expect(rows.allSatisfy { $0.dateSystem == .excel1900 })
        #expect(
            rows[0].cells
                == ["RUT", "Nombre", "Empresa", "Saldo", "Vencimiento", "Fecha pago", "Activo", "Nota"].map(Cell.text))
        #expect(
            rows[1].cells == [
                .number(12_345_678), .text("María José Pérez"), .text("Café ñandú"), .number(1500.5),
                try self.date(2024, 1, 1),  // mm-dd-yy (built-in 14)
                try self.date(2024, 1, 19),  // custom dd/mm/yyyy
                .boolean(true), .text("texto"),  // the cached result of a formula
            ])
    }

    @Test("sparse rows are padded, and cells without references follow each other")
    func sparseAndSequential() throws {
        let rows = try Fixtures.rows("contacts.xlsx").rows
        #expect(rows[2].cells == [.empty, .text("Soto & Cía"), .empty, .empty, try self.date(2023, 3, 15)])
        #expect(
            rows[3].cells == [
                .number(1), .error("#N/A"), .boolean(false), .text("Línea 1\r\nLínea 2"), .text("<b>&amp;</b>"),
            ])
        #expect(rows[6].cells == Array(repeating: .empty, count: 9) + [.text("columna J")])
    }

    @Test("durations, pure times and quoted literals stay numbers; a date-time is its date")
    func numberFormatsThatAreNotDates() throws {
        let row = try Fixtures.rows("contacts.xlsx").rows[4]
        #expect(row.number == 6)  // the row has no r: it follows row 5
        #expect(row.cells == [.number(1.5), .number(0.5), .number(45292), try self.date(2024, 1, 1), .number(-1250)])
    }

    @Test("1900 date system: Excel's fictitious 1900-02-29 and the ends of the range")
    func serials1900() throws {
        let row = try Fixtures.rows("contacts.xlsx").rows[5]
        #expect(
            row.cells == [
                try self.date(1900, 1, 1), try self.date(1900, 2, 28), .number(60), try self.date(1900, 3, 1),
                try self.date(9999, 12, 31), .number(2_958_466), .number(0.5),
            ])
    }

    @Test("1904 date system")
    func dateSystem1904() throws {
        let rows = try Fixtures.rows("date1904.xlsx").rows
        #expect(rows.allSatisfy { $0.dateSystem == .excel1904 })
        #expect(rows.map { $0.cells[0] } == [.text("Fecha"), try self.date(1904, 1, 1), try self.date(1905, 1, 1), try self.date(2024, 1, 1)])
    }

    @Test("rich-text runs are joined and phonetic guides left out")
    func richText() throws {
        let rows = try Fixtures.rows("rich_text.xlsx").rows
        #expect(rows.count == 1)
        #expect(rows[0].cells == [.text("Hola mundo"), .text("東京")])
    }

    @Test("namespace-prefixed elements (x:row, x:c)")
    func prefixedElements() throws {
        let rows = try Fixtures.rows("prefixed.xlsx").rows
        #expect(rows.map(\.cells) == [[.text("Nombre")], [.text("Ana"), .number(7)]])
    }

    @Test("a header-only workbook has one row")
    func headerOnly() throws {
        let rows = try Fixtures.rows("header_only.xlsx").rows
        #expect(rows.map(\.cells) == [[.text("RUT"), .text("Nombre")]])
    }

    @Test("damaged, hostile and encrypted workbooks", arguments: [
        ("truncated.xlsx", "truncated"),
        ("crc_mismatch.xlsx", "checksum"),
        ("bad_local_offset.xlsx", "outside the file"),
        ("bad_directory_offset.xlsx", "out of bounds"),
        ("encrypted_entry.xlsx", "encrypted"),
        ("encrypted.xlsx", "password-protected"),
        ("unterminated_deflate.xlsx", "compressed data"),
        ("stored_block_overrun.xlsx", "compressed data"),
        ("doctype.xlsx", "entity declarations"),
        ("unknown_entity.xlsx", "undefined entity"),
        ("invalid_character.xlsx", "character that does not exist"),
        ("unclosed_tag.xlsx", "ends inside a tag"),
        ("huge_row_number.xlsx", "row number"),
        ("bad_shared_index.xlsx", "shared text that does not exist"),
        ("missing_sheet.xlsx", "is missing"),
    ])
    func corrupt(fixture: String, messageMentions: String) throws {
        let error = try #require(throws: SpreadsheetError.self) { try Fixtures.rows(fixture) }
        #expect(error.kind == .corrupt)
        #expect(error.message.contains(messageMentions), "\(error.message)")
        #expect(!error.message.contains("Error"), "no type names or dumps in client messages")
    }

    @Test("a sheet that inflates past the limit, whether its ZIP entry declares it or lies",
          arguments: ["bomb.xlsx", "bomb_lying.xlsx"])
    func zipBomb(fixture: String) throws {
        let limits = SpreadsheetLimits(maxDecompressedBytes: 64 * 1024)
        let error = try #require(throws: SpreadsheetError.self) { try Fixtures.rows(fixture, limits: limits) }
        #expect(error.kind == .tooLarge)
        #expect(error.message == "The workbook expands to more than 64 KB when unpacked")
    }

    @Test("a value in a column beyond the limit (XFD1048577 does not overflow anything)")
    func hugeColumn() throws {
        let error = try #require(throws: SpreadsheetError.self) { try Fixtures.rows("huge_column.xlsx") }
        #expect(error.kind == .tooLarge)
        #expect(error.message.contains("beyond column 1024"))
        let narrow = SpreadsheetLimits(maxColumns: 3)
        let narrowError = try #require(throws: SpreadsheetError.self) { try Fixtures.rows("contacts.xlsx", limits: narrow) }
        #expect(narrowError.message == "Row 1 has a value beyond column 3; at most 3 columns are read")
    }

    @Test("texts longer than maxCellBytes")
    func longText() throws {
        let limits = SpreadsheetLimits(maxCellBytes: 10)
        let error = try #require(throws: SpreadsheetError.self) { try Fixtures.rows("contacts.xlsx", limits: limits) }
        #expect(error.kind == .tooLarge)
        #expect(error.message.contains("longer than 10 bytes"))
    }

    @Test("more shared strings than allowed")
    func sharedStringLimit() throws {
        let error = try #require(throws: SpreadsheetError.self) {
            try Fixtures.rows("contacts.xlsx", limits: SpreadsheetLimits(maxSharedStrings: 5))
        }
        #expect(error.kind == .tooLarge)
        #expect(error.message.contains("more than 5 different texts"))
    }
}
