import Batches
import Money
import PostgreSQL
import Time

/// The per-batch report (PRODUCT.md §8): a summary and one row per job, the same in CSV and xlsx.
public enum BatchReport {
    /// The job sheet's columns, in order.
    public static let headers = [
        "Job ID", "Nombre", "RUT/DNI", "Teléfonos", "Monto deuda", "Fecha vencimiento", "Fecha límite", "Fecha máxima",
        "Estado", "Intentos", "Intentos máximos", "Último resultado", "Motivo de desconexión", "Duración (s)", "Costo",
        "Fecha de pago prometida", "Monto prometido", "Grabación", "Última llamada (UTC)",
    ]
    /// Column widths of the workbook's job sheet, in characters.
    public static let columnWidths: [Double] = [30, 28, 14, 30, 14, 14, 14, 14, 12, 9, 9, 16, 22, 12, 10, 14, 14, 40, 20]

    /// The summary of one batch, read in the same snapshot as its rows.
    public struct Summary: Sendable {
        public let batchId: String
        public let name: String
        public let accountId: String
        public let status: String
        public let createdAt: Timestamp
        public let jobsByStatus: [(status: String, count: Int64)]
        public let totalJobs: Int64
        public let calls: Int64
        public let answeredCalls: Int64
        public let totalCost: Amount
        public let totalMinutes: Amount
        public let promises: Int64
        public let promisedAmount: Amount

        /// The summary sheet: one (metric, value) per line.
        public var lines: [(String, ReportCell)] {
            var lines: [(String, ReportCell)] = [
                ("Campaña", .text(self.name)), ("Batch ID", .text(self.batchId)), ("Cuenta", .text(self.accountId)),
                ("Estado", .text(self.status)), ("Creada (UTC)", .timestamp(self.createdAt)), ("Total de jobs", .integer(self.totalJobs)),
            ]
            for entry in self.jobsByStatus { lines.append(("Jobs \(entry.status)", .integer(entry.count))) }
            lines += [
                ("Llamadas", .integer(self.calls)), ("Llamadas contestadas", .integer(self.answeredCalls)),
                ("Costo total", .amount(self.totalCost)), ("Minutos totales", .amount(self.totalMinutes)),
                ("Promesas de pago", .integer(self.promises)), ("Monto prometido", .amount(self.promisedAmount)),
            ]
            return lines
        }
    }

    /// One job's line.
    public struct JobLine: Sendable {
        let key: Int64
        public let cells: [ReportCell]

        init(row: PostgreSQL.Row) throws {
            self.key = try row.int("id")
            let phones = try row.array("phones").compactMap { $0 }
            let durationMs = try row.optionalInt("duration_ms")
            self.cells = [
                .text(try row.string("job_id")), .text(try row.string("contact_name")), .text(try row.optionalString("contact_dni")),
                .text(phones.joined(separator: " ")), .amount(try row.optionalAmount("debt_amount")),
                .date(try Self.date(row, "due_date")), .date(try Self.date(row, "fecha_limite")),
                .date(try Self.date(row, "fecha_maxima")), .text(try row.string("status")), .integer(try row.int("attempts")),
                .integer(try row.int("max_attempts")), .text(try row.optionalString("last_outcome")),
                .text(try row.optionalString("disconnection_reason")),
                .amount(durationMs.map { Amount(tenThousandths: $0 * 10) }), .amount(try row.amount("cost")),
                .date(try Self.date(row, "fecha_pago_cliente")), .amount(try row.optionalAmount("monto_pago_cliente")),
                .text(try row.optionalString("recording_url")), .timestamp(try row.optionalTimestamp("last_call_at")),
            ]
        }

        private static func date(_ row: PostgreSQL.Row, _ column: String) throws -> CivilDate? {
            try row.optionalString(column).flatMap { CivilDate(iso: String($0.prefix(10))) }
        }
    }
}

/// Reads a batch's report in one snapshot, its jobs a page at a time in id order, so that a
/// 100,000-job batch never sits whole in memory.
public struct BatchReportStore {
    public static let pageSize = 2000

    let connection: Connection

    public init(connection: Connection) {
        self.connection = connection
    }

    /// `body` gets the summary, then `rows` hands out the job lines page by page; everything is read
    /// in one read-only snapshot.
    public func read(
        batchKey: Int64, _ body: (BatchReport.Summary, _ rows: (_ each: (BatchReport.JobLine) throws -> Void) throws -> Void) throws -> Void
    ) throws {
        try self.connection.readOnlySnapshot {
            let summary = try self.summary(batchKey: batchKey)
            try body(summary) { each in
                var after: Int64 = 0
                while true {
                    let page = try self.page(batchKey: batchKey, after: after)
                    for row in page { try each(row) }
                    guard page.count == BatchReportStore.pageSize, let last = page.last else { return }
                    after = last.key
                }
            }
        }
    }

    private func summary(batchKey: Int64) throws -> BatchReport.Summary {
        let batch = try self.connection.query(
            """
            SELECT b.batch_id, b.name, a.account_id, b.status, b.created_at, b.total_jobs, b.pending_jobs, b.scheduled_jobs,
                b.in_progress_jobs, b.completed_jobs, b.failed_jobs, b.suspended_jobs, b.cancelled_jobs, b.total_cost,
                b.total_minutes, b.settled_calls,
                (SELECT count(*) FROM calls c WHERE c.batch_id = b.id AND c.outcome = 'answered') AS answered_calls,
                (SELECT count(*) FROM jobs j WHERE j.batch_id = b.id AND j.fecha_pago_cliente IS NOT NULL) AS promises,
                (SELECT coalesce(sum(j.monto_pago_cliente), 0) FROM jobs j
                 WHERE j.batch_id = b.id AND j.fecha_pago_cliente IS NOT NULL) AS promised_amount
            FROM batches b JOIN accounts a ON a.id = b.account_id
            WHERE b.id = \(batchKey)
            """)
        guard let row = batch.first else { throw BatchError.notFound }
        return BatchReport.Summary(
            batchId: try row.string("batch_id"), name: try row.string("name"), accountId: try row.string("account_id"),
            status: try row.string("status"), createdAt: try row.timestamp("created_at"),
            jobsByStatus: try JobStatus.allCases.map { ($0.rawValue, try row.int("\($0.rawValue)_jobs")) }, totalJobs: try row.int("total_jobs"),
            calls: try row.int("settled_calls"), answeredCalls: try row.int("answered_calls"),
            totalCost: try row.amount("total_cost"), totalMinutes: try row.amount("total_minutes"),
            promises: try row.int("promises"), promisedAmount: try row.amount("promised_amount"))
    }

    private func page(batchKey: Int64, after: Int64) throws -> [BatchReport.JobLine] {
        try self.connection.query(
            """
            SELECT j.id, j.job_id, j.contact_name, j.contact_dni, j.phones, j.status, j.attempts, j.max_attempts,
                j.last_outcome, j.fecha_pago_cliente, j.monto_pago_cliente,
                CASE WHEN j.payload ->> 'debt_amount' ~ '^-?[0-9]+(\\.[0-9]+)?$' THEN (j.payload ->> 'debt_amount')::numeric END
                    AS debt_amount,
                j.payload ->> 'due_date' AS due_date, j.payload -> 'additional_info' ->> 'fecha_limite' AS fecha_limite,
                j.payload -> 'additional_info' ->> 'fecha_maxima' AS fecha_maxima,
                last_call.disconnection_reason, last_call.duration_ms, last_call.recording_url, last_call.created_at AS last_call_at,
                coalesce(costs.cost, 0) AS cost
            FROM jobs j
            LEFT JOIN LATERAL (
                SELECT c.disconnection_reason, c.duration_ms, c.recording_url, c.created_at
                FROM calls c WHERE c.job_id = j.id ORDER BY c.attempt DESC LIMIT 1
            ) AS last_call ON true
            LEFT JOIN LATERAL (SELECT sum(c.charged_cost) AS cost FROM calls c WHERE c.job_id = j.id) AS costs ON true
            WHERE j.batch_id = \(batchKey) AND j.id > \(after)
            ORDER BY j.id
            LIMIT \(BatchReportStore.pageSize)
            """
        ).map { try BatchReport.JobLine(row: $0) }
    }
}
