import PostgreSQL

/// Counters that outlive processes (calls settled by outcome, what dispatchers did), kept in
/// `metric_counters` (sql/migrations/008_reporting_reads.sql) and read by `/internal/metrics`.
/// Each connection adds to its own shard, so concurrent writers never wait on one row.
public struct MetricCounters {
    public static let callsSettled = "calls_settled"
    public static let dispatcher = "dispatcher"

    let connection: Connection

    public init(connection: Connection) {
        self.connection = connection
    }

    /// Adds each count to its counter, in the caller's transaction (zero counts are skipped).
    public func add(_ counts: [(name: String, label: String, count: Int)]) throws {
        guard counts.contains(where: { $0.count > 0 }) else { return }
        try self.connection.query(
            """
            SELECT speechai_count(\(counts.map(\.name))::text[], \(counts.map(\.label))::text[],
                                  \(counts.map { String($0.count) })::bigint[])
            """)
    }

    /// Every counter, summed over its shards, ordered by name and label.
    public func all() throws -> [(name: String, label: String, value: Int64)] {
        try self.connection.query(
            "SELECT name, label, sum(value)::bigint AS value FROM metric_counters GROUP BY name, label ORDER BY name, label"
        ).map { (try $0.string("name"), try $0.string("label"), try $0.int("value")) }
    }
}
