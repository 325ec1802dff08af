import TestSupport
import Testing

@testable import PostgreSQL

/// COPY's text format: every value arrives exactly as sent, escapes and NULLs included.
@Suite(.enabled(if: TestDatabase.available, "needs the test cluster of `make test`"), .serialized)
struct CopyTests {
    static let awkward = ["plain", "tab\there", "new\nline", "carriage\rreturn", #"back\slash"#, #"quote " inside"#,
                          "ñandú ☎", "\\N", ""]

    @Test func manyRowsCrossTheChunkBoundaries() throws {
        let connection = try Connection(url: try TestDatabase.create())
        try connection.execute(script: "CREATE TABLE t (n bigint, s text)")
        let filler = String(repeating: "x", count: 500)
        let copied = try connection.copy("COPY t (n, s) FROM STDIN", rows: 0..<10_000) { n, row in
            row.field(Int64(n))
            row.field(filler)
        }
        #expect(copied == 10_000)
        #expect(try connection.query("SELECT sum(n) AS total, min(length(s)) AS shortest FROM t")[0].int("total") == 49_995_000)
    }

    @Test func everyValueRoundTrips() throws {
        let connection = try Connection(url: try TestDatabase.create())
        try connection.execute(script: "CREATE TABLE t (n bigint, s text, a text[])")
        let values: [String?] = Self.awkward + [nil]
        let copied = try connection.copy("COPY t (n, s, a) FROM STDIN", rows: values.enumerated()) { element, row in
            row.field(Int64(element.offset))
            row.field(element.element)
            row.field(array: element.element.map { [$0, "x,y", $0] } ?? [])
        }
        #expect(copied == Self.awkward.count + 1)
        let read = try connection.query("SELECT n, s, a FROM t ORDER BY n")
        for (index, value) in Self.awkward.enumerated() {
            #expect(try read[index].string("s") == value)
            #expect(try read[index].array("a") == [value, "x,y", value])
        }
        #expect(try read[Self.awkward.count].optionalString("s") == nil)
        #expect(try read[Self.awkward.count].array("a") == [])
    }

    @Test func aBadRowFailsTheWholeCopyAndTheConnectionStaysUsable() throws {
        let connection = try Connection(url: try TestDatabase.create())
        try connection.execute(script: "CREATE TABLE t (n bigint NOT NULL)")
        let values: [Int64?] = [1, nil]
        #expect(throws: DatabaseError.self) {
            try connection.copy("COPY t (n) FROM STDIN", rows: values) { value, row in row.field(value.map { String($0) }) }
        }
        #expect(try connection.query("SELECT count(*) AS n FROM t")[0].int("n") == 0)
        #expect(throws: DatabaseError.self) {
            try connection.copy("COPY no_such_table (n) FROM STDIN", rows: values) { value, row in row.field(value.map { String($0) }) }
        }
        #expect(try connection.query("SELECT 1 AS one")[0].int("one") == 1)
    }
}
