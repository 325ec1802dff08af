import Money
import Spreadsheet
import TestSupport
import Testing
import Time

@testable import Ingestion

/// The import pipeline on rows as the spreadsheet readers give them.
@Suite struct ContactListBuilderTests {
    static let today = CivilDate(year: 2026, month: 3, day: 10)!
    static let header: [Cell] = [
        "RUTS", "Nombre", "Origen Empresa", "Saldo actualizado", "FechaVencimiento", "Días de retraso",
        "Teléfono móvil", "Teléfono Residencial",
    ].map(Cell.text)

    func build(_ rows: [[Cell]], header: [Cell] = header, options: ImportOptions? = nil) throws -> ContactList {
        var builder = ContactListBuilder(options: options ?? ImportOptions(country: .chile, today: Self.today))
        try builder.add(SheetRow(number: 1, cells: header, dateSystem: .excel1900))
        for (index, cells) in rows.enumerated() {
            try builder.add(SheetRow(number: index + 2, cells: cells, dateSystem: .excel1900))
        }
        return try builder.finish()
    }

    static func date(_ year: Int, _ month: Int, _ day: Int) -> Cell { .date(CivilDate(year: year, month: month, day: day)!) }

    @Test func columnsAreMatchedExactlyFirstThenByContainment() {
        let map = ColumnMap(
            headers: ["Título", "FechaVencimientoOriginal", "FechaVencimiento", "Saldo Principal", "Saldo actualizado",
                      "Teléfono Residencial", "Teléfono móvil", "Nombre", "RUTS", "Teléfono 2"],
            country: .chile)
        #expect(map[.dueDate] == 2)
        #expect(map[.amount] == 4)
        #expect(map[.landlinePhone] == 5)
        #expect(map[.mobilePhone] == 6)
        #expect(map[.name] == 7)
        #expect(map[.id] == 8)
        #expect(map[.phone] == 9)
        let fallback = ColumnMap(headers: ["Saldo Principal", "Saldo Total", "Celular 1"], country: .chile)
        #expect(fallback[.amount] == 0)
        #expect(fallback[.mobilePhone] == 2)
        #expect(ColumnMap(headers: ["DNI", "Celular"], country: .argentina)[.id] == 0)
        #expect(ColumnMap(headers: ["CUIT/CUIL", "Celular"], country: .argentina)[.id] == 0)
    }

    @Test func rowsAreGroupedByRutWithSumsDatesAndEveryPhoneMobilesFirst() throws {
        let list = try self.build([
            [.number(123456785), .text("ANA  PEREZ"), .text("Natura"), .number(1000), Self.date(2026, 2, 1), .number(10),
             .text("912345678"), .text("223456789")],
            [.text("12.345.678-5"), .text("Ana Perez"), .text("Avon"), .number(2500), Self.date(2026, 2, 20), .number(5),
             .empty, .text("+56 9 8765 4321")],
            [.text("12345678-5"), .empty, .empty, .number(0.5), Self.date(2026, 1, 15), .number(20), .text("912345678"),
             .empty],
        ])
        #expect(list.contacts.count == 1)
        let contact = try #require(list.contacts.first)
        #expect(contact.key == "id:123456785")
        #expect(contact.idDisplay == "12.345.678-5")
        #expect(contact.name == "ANA PEREZ")
        #expect(contact.company == "Natura")
        #expect(contact.amount == Amount("3500.5"))
        #expect(contact.rowCount == 3)
        #expect(contact.phones == ["+56912345678", "+56987654321", "+56223456789"])
        // Latest due date 2026-02-20 + its 5 days late + 3; earliest 2026-01-15 + its 20 days late + 7.
        #expect(contact.fechaLimite == CivilDate(year: 2026, month: 2, day: 28))
        #expect(contact.fechaMaxima == CivilDate(year: 2026, month: 2, day: 11))
        #expect(contact.firstRow == 2)
        #expect(list.dataRows == 3)
        #expect(list.invalidRows == 0)
    }

    /// A hundred years of days late either way, no more: the deadlines stay dates that read back.
    @Test func daysLateBeyondAHundredYearsIsARowError() throws {
        let row: (Double) -> [Cell] = { days in
            [.text("11111111-1"), .text("X"), .empty, .number(10), Self.date(1900, 1, 1), .number(days), .text("912345678")]
        }
        let far = try self.build([row(-1_000_000), row(36_501)])
        #expect(far.contacts.isEmpty && far.rowErrors.count == 2)
        #expect(far.rowErrors.allSatisfy { $0.reason.hasPrefix("days late must be from -36500 to 36500") })
        let edge = try self.build([row(-36_500)])
        #expect(edge.contacts[0].fechaLimite == CivilDate(year: 1900, month: 1, day: 1)!.adding(days: -36_497))
        #expect(CivilDate(iso: edge.contacts[0].fechaLimite!.iso) == edge.contacts[0].fechaLimite)
    }

    @Test func overridesCountFromTodayInTheBatchZone() throws {
        var options = ImportOptions(country: .chile, today: Self.today)
        options.daysUntilDeadline = 5
        options.daysUntilMaximum = 30
        let list = try self.build([[.text("11111111-1"), .text("X"), .empty, .number(10), Self.date(2020, 1, 1), .number(1), .text("912345678")]],
                                  options: options)
        #expect(list.contacts[0].fechaLimite == CivilDate(year: 2026, month: 3, day: 15))
        #expect(list.contacts[0].fechaMaxima == CivilDate(year: 2026, month: 4, day: 9))
    }

    @Test func badValuesAreRowErrorsAndPhonelessContactsAreReported() throws {
        let list = try self.build([
            [.text("12345678-9"), .text("Bad check digit"), .empty, .number(1), .empty, .empty, .text("912345678")],
            [.text("11111111-1"), .text("Bad date"), .empty, .number(1), .text("31/02/2025"), .empty, .text("912345678")],
            [.empty, .text("No RUT"), .empty, .number(1), .empty, .empty, .text("912345678")],
            [.text("7654321-6"), .text("No phone"), .empty, .number(1), .empty, .empty, .text("12"), .text("abc")],
            [.text("5126663-3"), .text("Good"), .empty, .text("$1.234,56"), .text("01/02/2026"), .number(12.0), .text("987654321")],
        ])
        #expect(list.contacts.map(\.name) == ["Good"])
        #expect(list.contacts[0].amount == Amount("1234.56"))
        #expect(list.dataRows == 5)
        #expect(list.invalidRows == 4)
        #expect(list.rowErrorCount == 4)
        #expect(list.rowErrors.map(\.row) == [2, 3, 4, 5])
        #expect(list.rowErrors.map(\.column) == ["RUTS", "FechaVencimiento", "RUTS", "Teléfono móvil"])
        #expect(list.rowErrors[2].reason == "missing RUT")
        #expect(list.rowErrors[3].value == "12")
        #expect(list.rowErrors[3].reason == "no valid phone number")
    }

    @Test func listsWithoutAnIdColumnGroupByFirstPhone() throws {
        let list = try self.build(
            [[.text("Ana"), .text("+56 9 1234 5678")], [.text("Ana bis"), .text("912345678")], [.text("Luis"), .text("22 345 6789")]],
            header: [.text("Nombre"), .text("Teléfono")])
        #expect(list.contacts.map(\.key) == ["phone:+56912345678", "phone:+56223456789"])
        #expect(list.contacts[0].rowCount == 2)
        #expect(list.contacts[0].idDisplay == nil)
    }

    @Test func argentineListsUseDniAndTheArgentineNumberingPlan() throws {
        let list = try self.build(
            [[.text("20.123.456"), .text("Juan"), .text("011 15 2345-6789")]],
            header: [.text("DNI"), .text("Nombre"), .text("Celular")],
            options: ImportOptions(country: .argentina, today: Self.today))
        #expect(list.contacts.first?.key == "id:20123456")
        #expect(list.contacts.first?.phones == ["+5491123456789"])
    }

    @Test func aListWithoutPhoneColumnsOrRowsIsRefused() throws {
        #expect(throws: IngestionError.self) { try self.build([[.text("1")]], header: [.text("RUT"), .text("Nombre")]) }
        #expect(throws: IngestionError.noDataRows) { try self.build([]) }
        let empty = ContactListBuilder(options: ImportOptions(country: .chile, today: Self.today))
        #expect(throws: IngestionError.empty) { try empty.finish() }
    }

    @Test func onlyTheFirstTwentyErrorsAreKeptButAllAreCounted() throws {
        let rows = (0..<50).map { _ in [Cell.text("1-1"), .text("x"), .empty, .empty, .empty, .empty, .text("912345678")] }
        let list = try self.build(rows)
        #expect(list.rowErrors.count == 20)
        #expect(list.rowErrorCount == 50)
        #expect(list.rowErrors.first?.row == 2)
    }

    // MARK: One contact on many rows (hardening issue, finding 2)

    /// `rows` rows of one RUT, each with its own mobile (and every third with a landline).
    static func oneContact(rows: Int) -> [[Cell]] {
        (0..<rows).map { row in
            [.text("12.345.678-5"), .text("ANA"), .empty, .number(1000), .empty, .empty, .text("9\(10_000_000 + row)"),
             row % 3 == 0 ? .text("22\(1_000_000 + row)") : .empty]
        }
    }

    @Test func aContactKeepsTenPhonesMobilesFirstAndCountsTheRest() throws {
        // Twelve landlines first, then three mobiles: the mobiles still come first.
        var rows: [[Cell]] = (0..<12).map { row in
            [.text("12.345.678-5"), .text("ANA"), .empty, .empty, .empty, .empty, .empty, .text("22\(1_000_000 + row)")]
        }
        rows += (0..<3).map { row in
            [.text("12.345.678-5"), .text("ANA"), .empty, .empty, .empty, .empty, .text("9\(10_000_000 + row)"), .empty]
        }
        rows.append(rows[0])  // a repeated number is neither kept twice nor counted as dropped
        let list = try self.build(rows)
        let phones = try #require(list.contacts.first?.phones)
        #expect(phones.count == 10)
        #expect(Array(phones.prefix(3)) == ["+56910000000", "+56910000001", "+56910000002"])
        #expect(Array(phones.dropFirst(3)) == (0..<7).map { "+5622\(1_000_000 + $0)" })
        #expect(list.phonesDropped == 5)
        #expect(list.contacts.first?.rowCount == 16)
    }

    @Test func groupingOneContactGrowsLinearlyWithRows() throws {
        let small = Self.oneContact(rows: 10_000)
        let large = Self.oneContact(rows: 40_000)
        let list = try self.build(large)
        #expect(list.contacts.count == 1 && list.phonesDropped == 40_000 + 13_334 - 10)
        let ratio = try growthRatio(rounds: 3, small: { _ = try self.build(small) }, large: { _ = try self.build(large) })
        // Four times the rows: linear is about 4x; the per-phone `contains` made it 13x.
        #expect(ratio < 8, "40k rows took \(ratio)x as long as 10k")
    }
}
