@testable import Spreadsheet
import Testing
import Time

@Suite("number formats, serial dates, decimal numbers")
struct InternalsTests {
    @Test("custom format codes that show dates", arguments: [
        "mm-dd-yy", "dd/mm/yyyy", "yyyy-mm-dd h:mm", "d-mmm", "mmmm", "[$-409]d/m/yy h:mm AM/PM", "DD/MM/YYYY",
    ])
    func dateCodes(code: String) {
        #expect(NumberFormat.isDate(code: code))
    }

    @Test("format codes that do not", arguments: [
        "General", "0.00", "#,##0", "[h]:mm:ss", "[mm]:ss", "h:mm", "h:mm:ss AM/PM", "mm:ss", "\"Fecha: \"0",
        "0 \\d\\a\\y\\s", "[Red]-0.00", "_-* #,##0_-",
    ])
    func notDateCodes(code: String) {
        #expect(!NumberFormat.isDate(code: code))
    }

    @Test("built-in formats")
    func builtIn() {
        #expect([14, 15, 16, 17, 22, 27, 36, 50, 58].allSatisfy(NumberFormat.isBuiltInDate))
        #expect(![0, 1, 2, 18, 19, 20, 21, 45, 46, 47, 49, 59].contains(where: NumberFormat.isBuiltInDate))
    }

    @Test("serial dates")
    func serials() {
        #expect(ExcelSerialDate.date(serial: 45292.99, system: .excel1900)?.iso == "2024-01-01")
        #expect(ExcelSerialDate.date(serial: 0, system: .excel1904)?.iso == "1904-01-01")
        #expect(ExcelSerialDate.date(serial: 0, system: .excel1900) == nil)
        #expect(ExcelSerialDate.date(serial: -1, system: .excel1900) == nil)
        #expect(ExcelSerialDate.date(serial: .infinity, system: .excel1900) == nil)
        #expect(ExcelSerialDate.date(serial: 2_957_003, system: .excel1904)?.iso == "9999-12-31")
        #expect(ExcelSerialDate.date(serial: 2_957_004, system: .excel1904) == nil)
    }

    private func parse(_ text: String) -> Double? {
        let bytes = Array(text.utf8)
        return bytes.withUnsafeBufferPointer { DecimalNumber.parse($0, 0..<$0.count) }
    }

    @Test("decimal numbers read exactly as Swift's parser reads them", arguments: [
        "0", "-0", "12345678", "1500.5", "0.1", "-1.25E+3", "1e-7", "3.14159265358979", "0.30000000000000004",
        "123456789012345678901234567890", "1.7976931348623157e308", "4.9e-324", "+42", "007",
    ])
    func decimalNumbers(text: String) {
        #expect(self.parse(text) == Double(text))
    }

    @Test("not numbers", arguments: ["", "-", "1.2.3", "inf", "nan", "0x10", "1e", "1e+", "12a", " 1"])
    func notNumbers(text: String) {
        #expect(self.parse(text) == nil)
    }

    @Test("relationship targets")
    func partNames() {
        #expect(WorkbookStructure.partName(target: "worksheets/sheet1.xml") == "xl/worksheets/sheet1.xml")
        #expect(WorkbookStructure.partName(target: "/xl/worksheets/sheet2.xml") == "xl/worksheets/sheet2.xml")
        #expect(WorkbookStructure.partName(target: "../xl/./worksheets/sheet3.xml") == "xl/worksheets/sheet3.xml")
    }
}
