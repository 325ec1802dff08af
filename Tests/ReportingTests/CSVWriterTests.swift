import Money
import Reporting
import Testing
import Time

@Suite struct CSVWriterTests {
    private func line(_ cells: [ReportCell]) -> String {
        var writer = CSVWriter()
        writer.writeRow(cells)
        return String(decoding: writer.take(), as: UTF8.self)
    }

    @Test func fieldsAreQuotedOnlyWhenTheyMustBe() {
        #expect(line([.text("ANA PÉREZ"), .text("a,b"), .text("dice \"sí\""), .text("dos\nlíneas")])
            == "ANA PÉREZ,\"a,b\",\"dice \"\"sí\"\"\",\"dos\nlíneas\"\r\n")
    }

    @Test func typedCellsAreWrittenAsPlainValues() {
        #expect(line([.integer(-3), .amount(Amount(tenThousandths: 1_234_500)), .date(CivilDate(year: 2026, month: 12, day: 2)!), .empty])
            == "-3,123.45,2026-12-02,\r\n")
    }

    @Test(arguments: ["=HYPERLINK(A1)", "+56912345678", "-1+1", "@SUM(A1)", "\t=1", "\r=1"])
    func textThatASpreadsheetWouldEvaluateIsShownInstead(_ text: String) {
        let written = line([.text(text)])
        #expect(written.hasPrefix("'") || written.hasPrefix("\"'"))
        #expect(written.contains(text))
    }

    @Test func aQuotedFormulaIsGuardedInsideItsQuotes() {
        #expect(line([.text("=HYPERLINK(\"http://x\",\"y\")")]) == "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"\r\n")
    }

    @Test func numbersAreNeverGuarded() {
        #expect(line([.amount(Amount(tenThousandths: -50_000))]) == "-5\r\n")
    }

    @Test func theByteOrderMarkComesFirst() {
        var writer = CSVWriter()
        writer.writeByteOrderMark()
        writer.writeRow([.text("ñ")])
        #expect(Array(writer.take().prefix(3)) == CSVWriter.byteOrderMark)
    }
}
