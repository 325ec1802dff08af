import TestSupport
import Testing

@testable import PostgreSQL

/// COPY's text format: every value arrives exactly as sent, escapes and NULLs included.
@Suite(.enabled(if: TestDatabase.available, "needs the test cluster of `make test`"), .serialized)
struct CopyTests {
    static let awkward = ["plain", "tab\there", "new\nline", "carriage\rreturn", #"back\slash"#, #"quote " inside"#,
                          "ñandú ☎", "\\N", ""]

    @Test func everyValueRoundTrips() throws {
        let connection = try Connection(url: try TestDatabase.create())
        try connection.execute(script: "CREATE TABLE t (n bigint, s text, a text[])")
        var rows = CopyRows()
        for (index, value) in Self.awkward.enumerated() {
            rows.field(Int64(index))
            rows.field(value)
            rows.field(array: [value, "x,y", value])
            rows.endRow()
        }
        rows.field(Int64(99))
        rows.field(nil)
        rows.field(array: [])
        rows.endRow()
        #expect(try connection.copy("COPY t (n, s, a) FROM STDIN", rows: rows) == Self.awkward.count + 1)
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
        var rows = CopyRows()
        rows.field(Int64(1))
        rows.endRow()
        rows.field(nil)
        rows.endRow()
        #expect(throws: DatabaseError.self) { try connection.copy("COPY t (n) FROM STDIN", rows: rows) }
        #expect(try connection.query("SELECT count(*) AS n FROM t")[0].int("n") == 0)
        #expect(throws: DatabaseError.self) { try connection.copy("COPY no_such_table (n) FROM STDIN", rows: rows) }
        #expect(try connection.query("SELECT 1 AS one")[0].int("one") == 1)
    }
}
