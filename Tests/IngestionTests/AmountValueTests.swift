import Money
import Spreadsheet
import Testing

@testable import Ingestion

@Suite struct AmountValueTests {
    @Test(arguments: [
        // Dots for thousands, comma for decimals (Chile, Argentina), and the other way round.
        (Cell.text("$1.234,56"), "1234.56"),
        (.text("1,234.56"), "1234.56"),
        (.text("1.234.567"), "1234567"),
        (.text("1,234,567"), "1234567"),
        (.text("1234,56"), "1234.56"),
        (.text("1234.56"), "1234.56"),
        (.text("1.234,5"), "1234.5"),
        // A lone separator: thousands when 3 digits follow it and a group of 1–3 digits precedes it.
        (.text("1.234"), "1234"),
        (.text("1,234"), "1234"),
        (.text("12,500"), "12500"),
        (.text("1.5"), "1.5"),
        (.text("1,5"), "1.5"),
        (.text("0.125"), "0.125"),
        (.text("0,5"), "0.5"),
        (.text("1234.567"), "1234.567"),
        (.text("12.3456"), "12.3456"),
        // Currency, spaces and the ".-" of a round amount.
        (.text("$ 1.234.567"), "1234567"),
        (.text("CLP 1.234.567"), "1234567"),
        (.text("1.234.567 clp"), "1234567"),
        (.text("ARS$ 1.234,50"), "1234.5"),
        (.text("$1.500.-"), "1500"),
        (.text("$1.500,-"), "1500"),
        (.text("1 234 567"), "1234567"),
        (.text("1\u{A0}234,56"), "1234.56"),
        (.text("+500"), "500"),
        (.text("177388673"), "177388673"),
        (.text("0"), "0"),
        (.text("-0"), "0"),
        // Rounded half away from zero to 4 decimals.
        (.text("1.234,56789"), "1234.5679"),
        (.text("0.00005"), "0.0001"),
        (.text("0.00004"), "0"),
        // Numbers as they are.
        (.number(1234.56), "1234.56"),
        (.number(177_388_673), "177388673"),
        (.number(0.1 + 0.2), "0.3"),
        (.number(1.234), "1.234"),
        (.number(1234.56789), "1234.5679"),
        (.number(5e-5), "0.0001"),
        (.number(1e12), "1000000000000"),
        (.number(-0.0), "0"),
    ] as [(Cell, String)])
    func readsBothSeparatorConventions(cell: Cell, amount: String) throws {
        #expect(try AmountValue.parse(cell) == Amount(amount)!)
    }

    @Test(arguments: [
        (Cell.text("-1.234"), "negative amount"),
        (.text("(1.234)"), "negative amount"),
        (.text("$ -500"), "negative amount"),
        (.text("-$500"), "negative amount"),
        (.number(-5), "negative amount"),
        (.text("1.000.000.000.001"), "amount too large"),
        (.number(1e13), "amount too large"),
        (.number(1e300), "amount too large"),
        (.text("abc"), "not an amount: abc"),
        (.text("1.2.3,4,5"), "not an amount: 1.2.3,4,5"),
        (.text("12.34.56"), "not an amount: 12.34.56"),
        (.text("1.234.56"), "not an amount: 1.234.56"),
        (.text("0.123.456"), "not an amount: 0.123.456"),
        (.text("1..2"), "not an amount: 1..2"),
        (.text(",5"), "not an amount: ,5"),
        (.text("5,"), "not an amount: 5,"),
        (.text("(1.234"), "not an amount: (1.234"),
        (.text("1.234)"), "not an amount: 1.234)"),
        (.text("--5"), "not an amount: --5"),
        (.text("5-"), "not an amount: 5-"),
        (.text("USD 100"), "not an amount: USD 100"),
        (.text("1e5"), "not an amount: 1e5"),
        (.text("$"), "not an amount: $"),
        (.number(.nan), "not an amount: nan"),
        (.number(.infinity), "not an amount: inf"),
        (.boolean(true), "not an amount: TRUE"),
    ])
    func refusesWhatIsNotAnAmountOwed(cell: Cell, reason: String) {
        #expect(throws: ValueError(reason)) { try AmountValue.parse(cell) }
    }

    @Test(arguments: [Cell.empty, .text(""), .text(" \u{A0}")])
    func readsAnEmptyCellAsNoAmount(cell: Cell) throws {
        #expect(try AmountValue.parse(cell) == nil)
    }
}
