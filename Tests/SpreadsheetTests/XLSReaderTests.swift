import Spreadsheet
import Testing
import Time

@Suite("xls")
struct XLSReaderTests {
    private func date(_ year: Int, _ month: Int, _ day: Int) throws -> Cell {
        .date(try #require(CivilDate(year: year, month: month, day: day)))
    }

    /// FreeXL converts dates itself with the workbook's date system, so both files read the same.
    @Test("text, numbers, dates, date-times and times, after an empty first sheet",
          arguments: ["contacts.xls", "date1904.xls"])
    func contacts(fixture: String) throws {
        let (format, rows) = try Fixtures.rows(fixture)
        #expect(format == .xls)
        #expect(rows.map(\.number) == [1, 2, 4])
        #expect(rows[0].cells == ["RUT", "Nombre", "Saldo", "Vencimiento", "Registro", "Hora"].map(Cell.text))
        #expect(
            rows[1].cells == [
                .number(12_345_678), .text("María José Pérez"), .number(1500.5), try self.date(2024, 1, 15),
                try self.date(2024, 2, 29), .number(0.5),
            ])
        #expect(rows[2].cells == [.empty, .text("Soto & Cía"), .empty, try self.date(1999, 12, 31)])
    }

    @Test("damaged .xls")
    func damaged() throws {
        let error = try #require(throws: SpreadsheetError.self) { try Fixtures.rows("damaged.xls") }
        #expect(error.kind == .corrupt)
        #expect(error.message == "The .xls file is damaged or password-protected")
    }

    @Test("sheets declaring more cells than FreeXL may allocate")
    func hugeDimensions() throws {
        let error = try #require(throws: SpreadsheetError.self) { try Fixtures.rows("huge_dimensions.xls") }
        #expect(error.kind == .tooLarge)
    }
}
