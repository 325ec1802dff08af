import Testing

@testable import Time

@Suite struct TimestampTests {
    @Test(arguments: [
        ("2025-10-25 17:41:29.895169+00", "2025-10-25T17:41:29.895169Z"),
        ("2025-10-25 14:41:29.5-03", "2025-10-25T17:41:29.500000Z"),
        ("2024-02-29T23:59:59Z", "2024-02-29T23:59:59.000000Z"),
        ("1969-12-31 23:59:59.999999+00", "1969-12-31T23:59:59.999999Z"),
        ("2026-03-08 02:30:00+05:30", "2026-03-07T21:00:00.000000Z"),
    ])
    func parsesPostgresAndRFC3339Text(input: String, expected: String) throws {
        #expect(try #require(Timestamp(parsing: input)).rfc3339 == expected)
    }

    @Test(arguments: ["2025-13-01 00:00:00+00", "2025-10-25", "2025-10-25 17:41:29", "2025-10-25 17:41:29.+00", "garbage"])
    func rejectsMalformedText(input: String) {
        #expect(Timestamp(parsing: input) == nil)
    }

    @Test func civilDateRoundTripsAcrossCenturies() {
        for days in stride(from: -800_000 as Int64, through: 800_000, by: 997) {
            let (year, month, day) = Gregorian.from(daysSinceEpoch: days)
            #expect(Gregorian.daysSinceEpoch(year: year, month: month, day: day) == days)
        }
    }
}
