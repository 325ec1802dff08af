import Testing

@testable import JSON

@Suite struct JSONSerializationTests {
    @Test func rendersObjectsInInsertionOrder() {
        let value: JSON = ["b": 1, "a": "x", "c": [true, nil]]
        #expect(value.serializedString == #"{"b":1,"a":"x","c":[true,null]}"#)
    }

    @Test func escapesStrings() {
        let value: JSON = .string("quote\" back\\ nl\n tab\t bell\u{07} ñ")
        #expect(value.serializedString == #""quote\" back\\ nl\n tab\t bell\u0007 ñ""#)
    }

    @Test(arguments: ["0.1", "10.2500", "-3e2", "12345678901234.5678"])
    func writesNumberLiteralsAsTheyAre(literal: String) {
        #expect(JSON.number(literal).serializedString == literal)
    }
}

@Suite struct JSONParserTests {
    @Test func parsesNestedValues() throws {
        let value = try JSON.parse(#" {"a": [1, -2.50, 3e2, "s"], "b": {"c": false}, "d": null} "#)
        #expect(value["a"] == .array([.int(1), .number("-2.50"), .number("3e2"), "s"]))
        #expect(value["b"]?["c"] == .bool(false))
        #expect(value["d"] == .null)
    }

    @Test func keepsNumbersAsTheirDigits() throws {
        #expect(try JSON.parse("100.10").numberText == "100.10")
        #expect(try JSON.parse("9223372036854775808") == .number("9223372036854775808"))
        #expect(try JSON.parse("42").numberText == "42")
        #expect(try JSON.parse("\"42\"").numberText == nil)
    }

    @Test func decodesEscapesAndSurrogatePairs() throws {
        #expect(try JSON.parse(#""a\u00f1\ud83d\ude00\n\/""#) == .string("añ😀\n/"))
    }

    @Test(arguments: [
        "", "{", "[1,]", "{\"a\":1,}", "01", "1.", "-", "tru", "\"unterminated", "\"\\x\"", "\"\\ud800\"",
        "{\"a\":1,\"a\":2}", "1 2", "\"tab\there\"", "1" + String(repeating: "0", count: 70) + ".5", "NaN",
    ])
    func rejectsMalformedInput(text: String) {
        #expect(throws: JSONParseError.self) { try JSON.parse(text) }
    }

    @Test func boundsNesting() {
        let deep = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        #expect(throws: JSONParseError.self) { try JSON.parse(deep) }
        #expect(throws: Never.self) { try JSON.parse(String(repeating: "[", count: 60) + String(repeating: "]", count: 60)) }
    }

    @Test func roundTrips() throws {
        let text = #"{"name":"Año \"1\"","amount":1234.5678,"list":[1,2,{"x":null}],"ok":true}"#
        #expect(try JSON.parse(text).serializedString == text)
    }
}
