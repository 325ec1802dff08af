import Testing

@testable import Money

@Suite struct AmountTests {
    @Test(arguments: [
        ("0", 0), ("7", 70_000), ("0.5", 5_000), ("-0.5", -5_000), ("123.4500", 1_234_500), ("0.0001", 1),
        ("1.50000000", 15_000), ("+3", 30_000), ("1e2", 1_000_000), ("1.5E-3", 15), ("2.", 20_000), (".25", 2_500),
        ("100000000000000", 1_000_000_000_000_000_000),
    ] as [(String, Int64)])
    func parsesExactly(text: String, tenThousandths: Int64) {
        #expect(Amount.parse(text) == .success(Amount(tenThousandths: tenThousandths)))
    }

    @Test func refusesWhatIsNotAnExactAmount() {
        #expect(Amount.parse("0.00001") == .failure(.tooPrecise))
        #expect(Amount.parse("1.23456") == .failure(.tooPrecise))
        #expect(Amount.parse("1e-5") == .failure(.tooPrecise))
        #expect(Amount.parse("1000000000000000000") == .failure(.outOfRange))
        for text in ["", "-", ".", "abc", "1.2.3", "1e", "1e999", "NaN", "1,5", " 1"] {
            #expect(Amount.parse(text) == .failure(.notANumber), "\(text)")
        }
    }

    @Test(arguments: [(0, "0"), (5_000, "0.5"), (-5_000, "-0.5"), (1_234_500, "123.45"), (1, "0.0001"), (-10_001, "-1.0001"),
                      (1_000_000_000_000_000_000, "100000000000000")] as [(Int64, String)])
    func printsPlainDecimals(tenThousandths: Int64, text: String) {
        #expect(Amount(tenThousandths: tenThousandths).description == text)
        #expect(Amount(text) == Amount(tenThousandths: tenThousandths))
    }

    @Test func addsAndComparesExactly() {
        var total = Amount.zero
        for _ in 0..<10 { total += Amount("0.1")! }
        #expect(total == 1)
        #expect(Amount("0.47")! - Amount("0.2")! == Amount("0.27")!)
        #expect(-Amount("2")! < Amount.zero)
    }

    @Test func multipliesWithRoundingHalfAwayFromZero() {
        #expect(Amount("2.5")!.multiplied(by: Amount("0.15")!) == Amount("0.375")!)
        #expect(Amount("0.0001")!.multiplied(by: Amount("0.5")!) == Amount("0.0001")!)  // 0.00005 rounds up
        #expect(Amount("-0.0001")!.multiplied(by: Amount("0.5")!) == Amount("-0.0001")!)
        #expect(Amount("0.0001")!.multiplied(by: Amount("0.4")!) == Amount.zero)
        #expect(Amount("1000000")!.multiplied(by: Amount("1000")!) == Amount("1000000000")!)
    }
}

@Suite struct NumericTextAmountTests {
    func parse(_ text: String) -> Amount? {
        var text = text
        return text.withUTF8 { Amount(numericText: $0) }
    }

    @Test(arguments: ["0", "0.0000", "100.5000", "-42.25", "0.0001", "100000000000000.0000", "-0.5000", "7"])
    func readsPostgresNumericTextInPlace(text: String) {
        #expect(self.parse(text) == Amount(text))
    }

    @Test func leavesAnythingElseToTheGeneralParser() {
        for text in ["", "-", ".", "-.", "1.23456", "1e5", "NaN", "1.2.3", "9999999999999999999"] { #expect(self.parse(text) == nil, "\(text)") }
    }
}
