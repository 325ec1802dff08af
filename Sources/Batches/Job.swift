import Money
import PostgreSQL
import Time

/// One contact of a batch to be called, with its phones in dialling order.
public struct Job: Sendable {
    public let key: Int64
    public let jobId: String
    public let objectId: String
    public let batchKey: Int64
    public let batchId: String
    public let accountKey: Int64
    public let accountId: String
    public let status: JobStatus
    public let contactName: String
    /// The RUT or DNI (normalised), when the list had one.
    public let contactDni: String?
    public let phones: [String]
    public let nextPhoneIndex: Int
    public let payloadJSON: String
    public let attempts: Int
    public let maxAttempts: Int
    public let estimatedCost: Amount
    public let nextAttemptAt: Timestamp
    public let lastError: String?
    public let lastOutcome: String?
    public let cancellationReason: String?
    public let sourceRow: Int?
    public let createdAt: Timestamp
    public let updatedAt: Timestamp
    public let startedAt: Timestamp?
    public let completedAt: Timestamp?
    /// The payment the debtor promised, as the voice agent collected it.
    public let fechaPagoCliente: CivilDate?
    public let montoPagoCliente: Amount?
    /// The job's latest attempt (the source of the console's `call_result`).
    public let lastCall: CallRecord?

    /// The number the next attempt dials.
    public var toNumber: String? { self.nextPhoneIndex < self.phones.count ? self.phones[self.nextPhoneIndex] : nil }

    /// The columns `init(row:)` reads, from `Job.source`.
    static let columns: StaticString = """
        j.id, j.job_id, j.object_id, j.batch_id AS batch_key, b.batch_id, j.account_id AS account_key, a.account_id, j.status, j.contact_name,
        j.contact_dni, j.phones, j.next_phone_index, j.payload::text AS payload, j.attempts, j.max_attempts,
        j.estimated_cost, j.next_attempt_at, j.last_error, j.last_outcome, j.cancellation_reason, j.source_row,
        j.created_at, j.updated_at, j.started_at, j.completed_at, j.fecha_pago_cliente, j.monto_pago_cliente, last_call.*
        """

    /// Jobs with their batch, account and latest attempt (one probe of `calls_by_job` per job).
    static let source: SQLQuery = """
        jobs j JOIN batches b ON b.id = j.batch_id JOIN accounts a ON a.id = j.account_id
        LEFT JOIN LATERAL (
            SELECT \(literal: CallRecord.columns) FROM calls c WHERE c.job_id = j.id ORDER BY c.attempt DESC LIMIT 1
        ) AS last_call ON true
        """

    init(row: Row) throws {
        self.key = try row.int("id")
        self.jobId = try row.string("job_id")
        self.objectId = try row.string("object_id")
        self.batchKey = try row.int("batch_key")
        self.batchId = try row.string("batch_id")
        self.accountKey = try row.int("account_key")
        self.accountId = try row.string("account_id")
        guard let status = JobStatus(rawValue: try row.string("status")) else {
            throw RowDecodingError(column: "status", expected: "job status")
        }
        self.status = status
        self.contactName = try row.string("contact_name")
        self.contactDni = try row.optionalString("contact_dni")
        self.phones = try row.array("phones").compactMap { $0 }
        self.nextPhoneIndex = Int(try row.int("next_phone_index"))
        self.payloadJSON = try row.string("payload")
        self.attempts = Int(try row.int("attempts"))
        self.maxAttempts = Int(try row.int("max_attempts"))
        self.estimatedCost = try row.amount("estimated_cost")
        self.nextAttemptAt = try row.timestamp("next_attempt_at")
        self.lastError = try row.optionalString("last_error")
        self.lastOutcome = try row.optionalString("last_outcome")
        self.cancellationReason = try row.optionalString("cancellation_reason")
        self.sourceRow = try row.optionalInt("source_row").map(Int.init)
        self.createdAt = try row.timestamp("created_at")
        self.updatedAt = try row.timestamp("updated_at")
        self.startedAt = try row.optionalTimestamp("started_at")
        self.completedAt = try row.optionalTimestamp("completed_at")
        self.fechaPagoCliente = try row.optionalString("fecha_pago_cliente").flatMap(CivilDate.init(iso:))
        self.montoPagoCliente = try row.optionalAmount("monto_pago_cliente")
        self.lastCall = try CallRecord(row: row)
    }
}
