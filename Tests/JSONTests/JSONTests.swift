import TestSupport
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

/// A hostile body with tens of thousands of keys (hardening issue, finding 1): parsing and lookups
/// stay linear. Measured as the growth from 10,000 to 40,000 keys, never as a time limit.
@Suite struct JSONWideObjectTests {
    static func wideObject(_ keys: Int) -> [UInt8] {
        Array(("{" + (0..<keys).map { "\"field_\($0)\":\($0)" }.joined(separator: ",") + "}").utf8)
    }

    @Test func parsingGrowsLinearlyWithTheNumberOfKeys() throws {
        let small = Self.wideObject(10_000)
        let large = Self.wideObject(40_000)
        let ratio = try growthRatio(small: { _ = try JSON.parse(small) }, large: { _ = try JSON.parse(large) })
        // Four times the keys: linear is about 4x; the linear duplicate check made it 14x.
        #expect(ratio < 8, "40k keys took \(ratio)x as long as 10k")
    }

    @Test func lookupsInALargeObjectUseTheIndex() throws {
        guard case .object(var object) = try JSON.parse(Self.wideObject(40_000)) else {
            Issue.record("not an object")
            return
        }
        #expect(object["field_39999"] == .int(39_999))
        #expect(object["missing"] == nil)
        object["field_5"] = nil
        #expect(object["field_5"] == nil && object["field_6"] == .int(6) && object.entries.count == 39_999)
        object["field_5"] = "back"
        #expect(object.keys.last == "field_5")
        #expect(object.isIndexed)
        #expect(!(try JSON.parse(Self.wideObject(JSONObject.indexedCount)).objectValue!.isIndexed))
    }

    @Test func aDuplicateKeyIsFoundInALargeObject() {
        var body = Self.wideObject(20_000)
        body.removeLast()
        body += Array(#","field_123":1}"#.utf8)
        #expect(throws: JSONParseError.self) { try JSON.parse(body) }
    }

    @Test func equalityIgnoresWhetherTheIndexWasBuilt() throws {
        let parsed = try JSON.parse(Self.wideObject(40)).objectValue!
        var built = JSONObject()
        for index in 0..<40 { built["field_\(index)"] = .int(Int64(index)) }
        #expect(parsed == built)
    }

    @Test(arguments: [
        #"{"call_settings":{"timezone":"America/Santiago\u0000"}}"#, #"{"settings":{"k":"\u0000"}}"#,
        #"{"features":{"\u0000":1}}"#, #"[["\u0000"]]"#,
    ])
    func aNULIsRefusedAtAnyDepth(body: String) {
        #expect(throws: JSONParseError.self) { try JSON.parse(body) }
    }
}
