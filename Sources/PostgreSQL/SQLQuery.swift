import FoundationEssentials
import Money
import Time

/// SQL text with its parameters bound, never spliced: every interpolated value becomes `$n`.
///
///     let query: SQLQuery = "SELECT * FROM accounts WHERE account_id = \(id) AND status = \(status)"
///
/// Values travel in PostgreSQL's text format; casts in the SQL (`\(json)::jsonb`) pick the type
/// where inference cannot.
public struct SQLQuery: Sendable, ExpressibleByStringInterpolation, CustomStringConvertible {
    public private(set) var sql: String
    public private(set) var parameters: [String?]

    public init(_ sql: String, parameters: [String?] = []) {
        self.sql = sql
        self.parameters = parameters
    }

    /// `WHERE` and `conditions` joined by AND, or nothing when there are none. Filters build only the
    /// conditions they were given: each combination is its own statement with its own plan, where a
    /// catch-all (`$1 IS NULL OR column = $1`) would leave PostgreSQL a plan that uses no index.
    public static func whereAll(_ conditions: [SQLQuery]) -> SQLQuery {
        guard let first = conditions.first else { return "" }
        return conditions.dropFirst().reduce("WHERE \(first)") { clause, condition in "\(clause) AND \(condition)" }
    }

    public init(stringLiteral value: String) {
        self.init(value)
    }

    public init(stringInterpolation: StringInterpolation) {
        self.init(stringInterpolation.sql, parameters: stringInterpolation.parameters)
    }

    /// The SQL alone (parameters are not shown, so a log line cannot leak them).
    public var description: String { self.sql }

    public struct StringInterpolation: StringInterpolationProtocol {
        var sql = ""
        var parameters: [String?] = []

        public init(literalCapacity: Int, interpolationCount: Int) {
            self.sql.reserveCapacity(literalCapacity + interpolationCount * 3)
        }

        public mutating func appendLiteral(_ literal: String) { self.sql += literal }

        private mutating func bind(_ text: String?) {
            self.parameters.append(text)
            self.sql += "$\(self.parameters.count)"
        }

        public mutating func appendInterpolation(_ value: String?) { self.bind(value) }
        public mutating func appendInterpolation(_ value: Int?) { self.bind(value.map { String($0) }) }
        public mutating func appendInterpolation(_ value: Int64?) { self.bind(value.map { String($0) }) }
        public mutating func appendInterpolation(_ value: Bool?) { self.bind(value.map { $0 ? "true" : "false" }) }
        public mutating func appendInterpolation(_ value: Decimal?) { self.bind(value.map { $0.description }) }
        public mutating func appendInterpolation(_ value: Timestamp?) { self.bind(value?.rfc3339) }
        public mutating func appendInterpolation(_ value: Amount?) { self.bind(value?.description) }
        /// SQL text spliced as it is: only compile-time constants (column lists), never values.
        public mutating func appendInterpolation(literal fragment: StaticString) {
            self.sql += fragment.description
        }

        /// A `text[]`/`int[]` literal.
        public mutating func appendInterpolation(_ values: [String]) { self.bind(PostgresArray.literal(values)) }

        /// An array literal whose `nil` elements are NULL.
        public mutating func appendInterpolation(_ values: [String?]) { self.bind(PostgresArray.literal(values)) }

        /// Another query's SQL and parameters (a WHERE clause shared by a page and its count); its
        /// `$n` placeholders are renumbered after the ones already bound.
        public mutating func appendInterpolation(_ fragment: SQLQuery) {
            let offset = self.parameters.count
            var bytes = Array(fragment.sql.utf8)[...]
            var renumbered: [UInt8] = []
            while let first = bytes.first {
                bytes = bytes.dropFirst()
                renumbered.append(first)
                guard first == UInt8(ascii: "$") else { continue }
                let digits = bytes.prefix(while: { $0 >= 0x30 && $0 <= 0x39 })
                guard let number = Int(String(decoding: digits, as: UTF8.self)) else { continue }
                renumbered.append(contentsOf: String(number + offset).utf8)
                bytes = bytes.dropFirst(digits.count)
            }
            self.sql += String(decoding: renumbered, as: UTF8.self)
            self.parameters.append(contentsOf: fragment.parameters)
        }
    }
}
