import Spreadsheet
import Testing
import Time

private let damagedMessage = "The .xls file is damaged or password-protected"

@Suite("xls")
struct XLSReaderTests {
    private func date(_ year: Int, _ month: Int, _ day: Int) throws -> Cell {
        .date(try #require(CivilDate(year: year, month: month, day: day)))
    }

    /// Both files show the same dates, each converted with its workbook's date system, which every
    /// row also carries.
    @Test("text, numbers, dates, date-times and times, after an empty first sheet",
          arguments: [("contacts.xls", DateSystem.excel1900), ("date1904.xls", .excel1904)])
    func contacts(fixture: String, dateSystem: DateSystem) throws {
        let (format, rows) = try Fixtures.rows(fixture)
        #expect(format == .xls)
        #expect(rows.map(\.number) == [1, 2, 4])
        #expect(rows.allSatisfy { $0.dateSystem == dateSystem })
        #expect(rows[0].cells == ["RUT", "Nombre", "Saldo", "Vencimiento", "Registro", "Hora"].map(Cell.text))
        #expect(
            rows[1].cells == [
                .number(12_345_678), .text("María José Pérez"), .number(1500.5), try self.date(2024, 1, 15),
                try self.date(2024, 2, 29), .number(0.5),
            ])
        #expect(rows[2].cells == [.empty, .text("Soto & Cía"), .empty, try self.date(1999, 12, 31)])
    }

    /// cells.xls is crafted by make_fixtures.py (its Workbook stream is in the mini stream); the
    /// others hold the same workbook in 4,096-byte sectors, with a FAT listed partly by a DIFAT
    /// sector, and with a shared-string table whose count says 2^31 − 1.
    @Test("every kind of cell record, after hidden, very hidden, chart and empty sheets",
          arguments: ["cells.xls", "cells_v4.xls", "cells_difat.xls", "cells_sst_count.xls"])
    func cells(fixture: String) throws {
        let rows = try Fixtures.rows(fixture).rows
        #expect(rows.map(\.number) == [1, 2, 3, 4, 5, 10])
        guard rows.count == 6 else { return }
        // Shared strings cut across CONTINUE records in every place BIFF8 allows.
        #expect(
            rows[0].cells
                == ["Nombre", "Ñuñoa", "Hola mundo", "東京", "Pérez y Compañía", "Ωmega ñandú", "Negrita", "ふりがな付き"]
                .map(Cell.text) + [.empty] + ["€ 100", "final", "precio €"].map(Cell.text))
        // RK integers, RK × 100, RK doubles, NUMBER; dates by custom and built-in formats; a time of
        // day, a duration and a quoted literal stay numbers, and so does serial 60 (1900-02-29).
        #expect(
            rows[1].cells == [
                .number(12_345_678), .number(1500.5), .number(0.5), .number(1.25), .number(-1234.5678), .number(-42),
                try self.date(2024, 1, 15), .number(0.75), try self.date(1999, 12, 31), .number(1.5), .number(45292),
                .number(60),
            ])
        #expect(rows[2].cells == [.empty, .number(7), try self.date(2024, 1, 1), .number(1.25), .number(0.5)])
        #expect(
            rows[3].cells == [
                .boolean(true), .boolean(false), .error("#N/A"), .error("#DIV/0!"), .text("Línea"), .text("Łódź"),
                .text("Negrita"),
            ])
        // Formulas' cached results; the text ones come in STRING records, one of them continued.
        #expect(
            rows[4].cells == [
                .number(3.5), try self.date(2023, 3, 15), .text("resultado"), .boolean(true), .error("#REF!"), .empty,
                .text("continuado"),
            ])
        #expect(rows[5].cells == Array(repeating: .empty, count: 9) + [.text("fin")])
    }

    @Test("a shared-string table that xlwt split into CONTINUE records, cutting strings")
    func sharedStringsAcrossRecords() throws {
        let texts = (0..<3000).map { index in
            switch index % 10 {
            case 9: "Ł\(index)"
            case 1, 5: "ñ\(index)"
            default: "c\(index)"
            }
        }
        let expected = texts + [String(repeating: "ñandú ", count: 1400), String(repeating: "Ωmega ", count: 700), "Hola mundo"]
        let rows = try Fixtures.rows("sst_continue.xls").rows
        #expect(rows.count == 302)
        #expect(rows.flatMap(\.cells) == expected.map(Cell.text))
    }

    @Test("rows out of order come out in order; a cell written twice keeps its last value")
    func unordered() throws {
        let rows = try Fixtures.rows("unordered.xls").rows
        #expect(rows.map(\.number) == [1, 2, 3])
        #expect(rows.map(\.cells) == [[.text("a1"), .text("B1 final")], [.number(2)], [.text("tercera")]])
    }

    @Test("damaged .xls")
    func damaged() throws {
        let error = try #require(throws: SpreadsheetError.self) { try Fixtures.rows("damaged.xls") }
        #expect(error.kind == .corrupt)
        #expect(error.message == damagedMessage)
    }

    @Test("password-protected, Excel 95, and damaged or hostile compound files and records", arguments: [
        ("encrypted.xls", "The workbook is password-protected; save it without a password and upload it again"),
        ("excel95.xls", "Excel 5.0/95 workbooks are not supported; save as .xlsx"),
        ("fat_cycle.xls", damagedMessage),
        ("difat_outside.xls", damagedMessage),
        ("directory_cycle.xls", damagedMessage),
        ("truncated_stream.xls", damagedMessage),
        ("record_overrun.xls", damagedMessage),
        ("sst_count_short.xls", damagedMessage),  // a cell refers past the strings the table holds
    ])
    func unreadable(fixture: String, message: String) throws {
        let error = try #require(throws: SpreadsheetError.self) { try Fixtures.rows(fixture) }
        #expect(error.kind == .corrupt)
        #expect(error.message == message)
    }

    /// Its DIMENSIONS record declares the whole BIFF8 grid, 65,536 × 256 cells; the reader goes by
    /// the cell records, so only the two cells it has are read.
    @Test("a sheet whose dimensions span the whole grid")
    func hugeDimensions() throws {
        let rows = try Fixtures.rows("huge_dimensions.xls").rows
        #expect(rows.map(\.number) == [1, 65_536])
        #expect(rows.first?.cells == [.text("a")])
        #expect(rows.last?.cells == Array(repeating: .empty, count: 255) + [.text("z")])
    }

    @Test("limits on texts, shared strings and columns", arguments: [
        ("sst_continue.xls", SpreadsheetLimits(maxCellBytes: 8000), "A text in the workbook is longer than 8000 bytes"),
        ("sst_continue.xls", SpreadsheetLimits(maxSharedStrings: 3000), "The workbook has more than 3000 different texts"),
        ("unordered.xls", SpreadsheetLimits(maxCellBytes: 5), "A cell in row 3 holds more than 5 bytes of text"),
        ("cells.xls", SpreadsheetLimits(maxColumns: 3), "Row 1 has a value beyond column 3; at most 3 columns are read"),
    ])
    func limits(fixture: String, limits: SpreadsheetLimits, message: String) throws {
        let error = try #require(throws: SpreadsheetError.self) { try Fixtures.rows(fixture, limits: limits) }
        #expect(error.kind == .tooLarge)
        #expect(error.message == message)
    }
}
