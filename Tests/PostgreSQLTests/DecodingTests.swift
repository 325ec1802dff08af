import Foundation
import Testing

@testable import PostgreSQL
import Time

@Suite struct PostgresArrayTests {
    @Test func parsesTheTextFormat() {
        #expect(PostgresArray.parse("{}") == [])
        #expect(PostgresArray.parse(#"{a,"b c",NULL,"NULL","q\"uo\\te"}"#) == ["a", "b c", nil, "NULL", #"q"uo\te"#])
        #expect(PostgresArray.parse("{1,2,3}") == ["1", "2", "3"])
        #expect(PostgresArray.parse("{{1},{2}}") == nil)
        #expect(PostgresArray.parse("1,2") == nil)
    }

    @Test func quotesEveryElementOfALiteral() {
        #expect(PostgresArray.literal(["a", "b,c", #"d"e"#, "NULL"]) == #"{"a","b,c","d\"e","NULL"}"#)
    }

    @Test func writesNilElementsAsNullAndTheStringNullQuoted() {
        let values: [String?] = ["a", nil, "NULL"]
        #expect(PostgresArray.literal(values) == #"{"a",NULL,"NULL"}"#)
        #expect(PostgresArray.parse(PostgresArray.literal(values)) == values)
    }
}

@Suite struct SQLQueryTests {
    @Test func bindsEveryInterpolation() {
        let name = "x'); DROP TABLE accounts; --"
        let query: SQLQuery = "SELECT * FROM t WHERE a = \(name) AND b = \(42) AND c = \(Decimal(string: "1.50")) AND d = \(nil as String?)"
        #expect(query.sql == "SELECT * FROM t WHERE a = $1 AND b = $2 AND c = $3 AND d = $4")
        #expect(query.parameters == [name, "42", "1.5", nil])
        #expect(query.description == query.sql)
    }

    @Test func aSharedFragmentIsRenumberedAfterTheValuesBeforeIt() {
        let status: String? = "paused"
        let matching: SQLQuery = "WHERE account_id = \(7) AND (\(status)::text IS NULL OR status = \(status))"
        let query: SQLQuery = "SELECT \(1) AS one FROM batches \(matching) LIMIT \(50)"
        #expect(query.sql == "SELECT $1 AS one FROM batches WHERE account_id = $2 AND ($3::text IS NULL OR status = $4) LIMIT $5")
        #expect(query.parameters == ["1", "7", "paused", "paused", "50"])
        let eleven: SQLQuery = "\(1)\(2)\(3)\(4)\(5)\(6)\(7)\(8)\(9)\(10)\(11)"
        let shifted: SQLQuery = "\(0) \(eleven)"
        #expect(shifted.sql == "$1 $2$3$4$5$6$7$8$9$10$11$12")
        #expect(shifted.parameters.count == 12)
    }
}

@Suite struct NumericTextTests {
    @Test(arguments: [
        "0", "0.0000", "100.5000", "-42.25", "0.0001", "123456789012345678", "1234567890123456.7890", "-0.5", "7.",
        "99999999999999999999.9999",
    ])
    func parsesNumericTextExactly(text: String) throws {
        let slow = try #require(Decimal(string: text, locale: Locale(identifier: "en_US_POSIX")))
        #expect(PostgresText.decimal(text) == slow)
    }

    @Test func rejectsWhatIsNotANumber() {
        for text in ["NaN", "", "abc", "1.2.3", "--1", "1e5x"] { #expect(PostgresText.decimal(text) == nil, "\(text)") }
    }
}
