import Accounts
import Batches
import JSON
import Money
import PostgreSQL
import Providers
import Time

/// A job claimed for a call: everything placing it needs, read in the claim's transaction.
public struct ClaimedCall: Sendable {
    public let callKey: Int64
    public let attemptId: String
    public let jobId: String
    public let batchId: String
    public let accountId: String
    public let toNumber: String
    public let agentId: String?
    public let dynamicVariables: JSONObject
}

/// What one claim transaction did.
public struct ClaimResult: Sendable {
    public var calls: [ClaimedCall] = []
    /// Jobs whose account could not pay for the hold.
    public var suspended = 0
    /// Jobs whose every remaining number is on the account's do-not-call list.
    public var failedDoNotCall = 0
}

/// The dispatcher's SQL. Every transaction takes its row locks in the order written beside the
/// schema (sql/migrations/004_dispatch.sql): batches, accounts, jobs, holds, calls.
public struct DispatchStore {
    let connection: Connection

    public init(connection: Connection) {
        self.connection = connection
    }

    /// How long after placing a call the provider is asked for it, and when it is given up as lost.
    public struct Timing: Sendable {
        public var firstPoll: @Sendable (Int) -> Duration
        public var lostAfter: @Sendable (Int) -> Duration

        public init(firstPoll: @escaping @Sendable (Int) -> Duration, lostAfter: @escaping @Sendable (Int) -> Duration) {
            self.firstPoll = firstPoll
            self.lostAfter = lostAfter
        }
    }

    // MARK: Claim

    /// A batch that may be dialled now, locked for this transaction.
    struct DueBatch {
        let key: Int64
        let batchId: String
        let accountKey: Int64
        let settings: CallSettings
        let freeSlots: Int?
        let weeklyRule: Bool
        let agentId: String?
        let useCase: String
        let useCaseSettings: JSONObject
        /// `current_time_America_Santiago`: now in the batch's time zone.
        let localTime: String
    }

    /// Claims up to `limit` due jobs in one transaction: locks the batches that may be dialled now
    /// (SKIP LOCKED: a batch being changed elsewhere waits for the next pass), then their accounts,
    /// then the jobs; places each call's hold or suspends the job; records each attempt before any
    /// provider is asked.
    public func claim(
        now: Timestamp, limit: Int, provider: String, timing: Timing, defaultAgentId: String?
    ) throws -> ClaimResult {
        // The batch's agent (or its account's, read with the batch), else the configured one.
        func agent(_ batch: DueBatch) -> String? { batch.agentId ?? defaultAgentId }
        return try self.connection.transaction {
            let batches = try self.lockDueBatches(now: now, limit: limit)
            guard !batches.isEmpty else { return ClaimResult() }
            let accountKeys = Array(Set(batches.map(\.accountKey))).sorted()
            var accounts = try self.lockAccounts(accountKeys, now: now)
            let candidates = try self.dueJobs(batches, accounts: accounts, now: now, limit: limit)
            let blocked = try self.doNotCall(candidates)
            var result = ClaimResult()
            var claims: [(job: DueJob, phoneIndex: Int, attemptId: String, hold: Int64?, batch: DueBatch)] = []
            // The transitions decide each job's next status; the statements below only write them.
            var suspended: [(key: Int64, status: JobStatus)] = []
            var failed: [(key: Int64, status: JobStatus)] = []
            var claimedStatus = JobStatus.inProgress
            let batchByKey = Dictionary(uniqueKeysWithValues: batches.map { ($0.key, $0) })
            for job in candidates {
                guard let batch = batchByKey[job.batchKey], var account = accounts[job.accountKey], account.freeSlots > 0
                else { continue }
                guard let phoneIndex = job.firstCallablePhone(blocked: blocked[job.accountKey] ?? []) else {
                    // Claimed, then failed at once: no number may be dialled.
                    let claimed = try JobTransitions.apply(.claim, to: job.status)
                    failed.append((job.key, try JobTransitions.apply(.fail, to: claimed)))
                    continue
                }
                let attemptId = "att_" + AccountStore.randomHex(12)
                var holdKey: Int64?
                if account.billing.unit != nil {
                    let amount = account.billing.hold(maxCallSeconds: batch.settings.maxCallDuration)
                    guard account.available >= amount else {
                        suspended.append((job.key, try JobTransitions.apply(.suspend, to: job.status)))
                        continue
                    }
                    let expiry = now.advanced(by: timing.lostAfter(batch.settings.maxCallDuration) + .seconds(3600))
                    if case .held(let hold) = try Ledger(connection: self.connection).hold(
                        accountKey: job.accountKey, amount: amount, reference: attemptId, expiresAt: expiry)
                    {
                        holdKey = hold.key
                    }
                    account.available = account.available - amount
                }
                account.freeSlots -= 1
                accounts[job.accountKey] = account
                claimedStatus = try JobTransitions.apply(.claim, to: job.status)
                claims.append((job, phoneIndex, attemptId, holdKey, batch))
            }
            try self.markSuspended(suspended)
            try self.markDoNotCallExhausted(failed)
            result.suspended = suspended.count
            result.failedDoNotCall = failed.count
            guard !claims.isEmpty else { return result }

            try self.connection.query(
                """
                UPDATE jobs j SET status = \(claimedStatus.rawValue), attempts = j.attempts + 1, next_phone_index = c.phone_index,
                    started_at = coalesce(j.started_at, \(now)), last_error = NULL
                FROM unnest(\(claims.map { String($0.job.key) })::bigint[], \(claims.map { String($0.phoneIndex) })::integer[])
                    AS c (id, phone_index)
                WHERE j.id = c.id
                """)
            let rows = try self.connection.query(
                """
                INSERT INTO calls (attempt_id, job_id, batch_id, account_id, contact_key, attempt, phone, phone_index,
                    provider, agent_id, hold_id, created_at, poll_after, lost_after)
                SELECT c.attempt_id, j.id, j.batch_id, j.account_id, j.contact_key, j.attempts, j.phones[c.phone_index + 1],
                    c.phone_index, \(provider), nullif(c.agent_text, ''), nullif(c.hold_text, '')::bigint, \(now), \(now)::timestamptz + c.poll_after,
                    \(now)::timestamptz + c.lost_after
                FROM unnest(\(claims.map { String($0.job.key) })::bigint[], \(claims.map(\.attemptId))::text[],
                            \(claims.map { String($0.phoneIndex) })::integer[],
                            \(claims.map { $0.hold.map(String.init) ?? "" })::text[],
                            \(claims.map { agent($0.batch) ?? "" })::text[],
                            \(claims.map { "\(timing.firstPoll($0.batch.settings.maxCallDuration).components.seconds) seconds" })::interval[],
                            \(claims.map { "\(timing.lostAfter($0.batch.settings.maxCallDuration).components.seconds) seconds" })::interval[])
                    AS c (job_id, attempt_id, phone_index, hold_text, agent_text, poll_after, lost_after)
                JOIN jobs j ON j.id = c.job_id
                RETURNING id, attempt_id, job_id, phone
                """)
            var keys: [String: (Int64, String)] = [:]
            for row in rows { keys[try row.string("attempt_id")] = (try row.int("id"), try row.string("phone")) }
            for claim in claims {
                guard let (callKey, phone) = keys[claim.attemptId] else { continue }
                result.calls.append(ClaimedCall(
                    callKey: callKey, attemptId: claim.attemptId, jobId: claim.job.jobId, batchId: claim.batch.batchId,
                    accountId: claim.job.accountId, toNumber: phone,
                    agentId: agent(claim.batch),
                    dynamicVariables: claim.job.dynamicVariables(batch: claim.batch)))
            }
            return result
        }
    }

    func lockDueBatches(now: Timestamp, limit: Int) throws -> [DueBatch] {
        // SKIP LOCKED never waits, so this statement needs no particular order among batches.
        let rows = try self.connection.query(
            """
            SELECT b.id, b.batch_id, b.account_id, b.call_settings::text AS call_settings, a.timezone,
                b.retell_agent_id, a.settings ->> 'retell_agent_id' AS account_agent_id, b.use_case,
                b.use_case_settings::text AS use_case_settings,
                speechai_local_time(coalesce(b.call_settings ->> 'timezone', a.timezone), \(now)) AS local_time,
                (b.call_settings ->> 'max_concurrent_calls')::integer
                    - (SELECT count(*) FROM calls c WHERE c.batch_id = b.id AND c.settled_at IS NULL) AS free_slots,
                coalesce(p.answered_per_week IS NOT NULL, false) AS weekly_rule
            FROM batches b
            JOIN accounts a ON a.id = b.account_id
            LEFT JOIN legal_calling_profiles p ON p.country = b.country AND p.use_case = b.use_case
            WHERE b.status = 'active' AND b.deleted_at IS NULL AND a.status = 'active'
              AND speechai_batch_window_open(b.call_settings, a.timezone, \(now))
              AND (p.country IS NULL OR speechai_profile_window_open(p, \(now)))
              AND EXISTS (SELECT 1 FROM jobs j
                          WHERE j.batch_id = b.id AND j.status IN ('pending', 'scheduled') AND j.next_attempt_at <= \(now))
            ORDER BY b.priority DESC, b.id
            LIMIT \(limit)
            FOR NO KEY UPDATE OF b SKIP LOCKED
            """)
        return try rows.map { row in
            let settings = CallSettings.stored(try row.optionalJSONText("call_settings"), defaultTimezone: try row.string("timezone"))
            let useCaseSettings = (try row.optionalJSONText("use_case_settings")).flatMap { try? JSON.parse($0).objectValue }
            return DueBatch(
                key: try row.int("id"), batchId: try row.string("batch_id"), accountKey: try row.int("account_id"),
                settings: settings, freeSlots: (try row.optionalInt("free_slots")).map { Int(max(0, $0)) },
                weeklyRule: try row.bool("weekly_rule"),
                agentId: try row.optionalString("retell_agent_id") ?? row.optionalString("account_agent_id"),
                useCase: try row.string("use_case"), useCaseSettings: useCaseSettings ?? JSONObject(),
                localTime: try row.string("local_time"))
        }
    }

    /// An account of the claim, locked: what it can still pay and dial.
    struct AccountCapacity {
        let billing: Billing
        var available: Amount
        /// min(concurrent calls left, calls left today in the account's time zone).
        var freeSlots: Int
    }

    func lockAccounts(_ keys: [Int64], now: Timestamp) throws -> [Int64: AccountCapacity] {
        var capacity: [Int64: AccountCapacity] = [:]
        let rows = try self.connection.query(
            """
            SELECT a.id, a.plan_type, a.cost_per_minute, a.cost_per_call_setup, a.cost_failed_call,
                CASE a.plan_type WHEN 'minutes_based' THEN a.minutes_purchased - a.minutes_used - a.minutes_reserved
                                 ELSE a.credit_balance - a.credit_reserved END AS available,
                least(a.max_concurrent_calls - (SELECT count(*) FROM calls c WHERE c.account_id = a.id AND c.settled_at IS NULL),
                      a.daily_call_limit - (SELECT count(*) FROM calls c WHERE c.account_id = a.id
                          AND c.created_at >= date_trunc('day', \(now)::timestamptz AT TIME ZONE a.timezone) AT TIME ZONE a.timezone))
                    AS free_slots
            FROM accounts a
            WHERE a.id = ANY (\(keys.map(String.init))::bigint[])
            ORDER BY a.id
            FOR UPDATE
            """)
        for row in rows {
            guard let plan = PlanType(rawValue: try row.string("plan_type")) else { continue }
            capacity[try row.int("id")] = AccountCapacity(
                billing: Billing(
                    costPerMinute: try row.amount("cost_per_minute"), costPerCallSetup: try row.amount("cost_per_call_setup"),
                    costFailedCall: try row.amount("cost_failed_call"), unit: plan.unit),
                available: try row.amount("available"), freeSlots: Int(max(0, try row.int("free_slots"))))
        }
        return capacity
    }

    /// A due job of a locked batch.
    struct DueJob {
        let key: Int64
        let jobId: String
        let batchKey: Int64
        let accountKey: Int64
        let accountId: String
        let contactName: String
        let contactDni: String?
        let phones: [String]
        let nextPhoneIndex: Int
        let payload: JSONObject
        let status: JobStatus

        /// The first number from `next_phone_index` on (wrapping) that is not on the do-not-call list.
        func firstCallablePhone(blocked: Set<String>) -> Int? {
            for offset in 0..<self.phones.count {
                let index = (self.nextPhoneIndex + offset) % self.phones.count
                if !blocked.contains(self.phones[index]) { return index }
            }
            return nil
        }

        func dynamicVariables(batch: DueBatch) -> JSONObject {
            DynamicVariables.make(
                name: self.contactName, dni: self.contactDni, payload: self.payload, useCase: batch.useCase,
                useCaseSettings: batch.useCaseSettings, localTime: batch.localTime)
        }
    }

    func dueJobs(_ batches: [DueBatch], accounts: [Int64: AccountCapacity], now: Timestamp, limit: Int) throws -> [DueJob] {
        // In batch-priority order, each batch takes at most what it and its account may still dial,
        // and all of them together at most `limit`: a claim locks and holds no more than it places.
        var remaining = limit
        var accountLeft = accounts.mapValues(\.freeSlots)
        let takes = batches.map { batch in
            let take = max(0, min(remaining, batch.freeSlots ?? remaining, accountLeft[batch.accountKey] ?? 0))
            remaining -= take
            accountLeft[batch.accountKey, default: 0] -= take
            return take
        }
        let rows = try self.connection.query(
            """
            SELECT j.id, j.job_id, j.batch_id, j.account_id, a.account_id AS account_name, j.contact_name, j.contact_dni,
                j.phones, j.next_phone_index, j.payload::text AS payload, j.status
            FROM unnest(\(batches.map { String($0.key) })::bigint[], \(takes.map(String.init))::integer[],
                        \(batches.map { $0.weeklyRule ? "true" : "false" })::boolean[]) WITH ORDINALITY AS t (batch_id, take, weekly, position)
            CROSS JOIN LATERAL (
                SELECT j.* FROM jobs j
                WHERE j.batch_id = t.batch_id AND j.status IN ('pending', 'scheduled') AND j.next_attempt_at <= \(now)
                  AND (NOT t.weekly OR NOT EXISTS (
                      SELECT 1 FROM calls c
                      WHERE c.account_id = j.account_id AND c.contact_key = j.contact_key AND c.outcome = 'answered'
                        AND c.ended_at > \(now)::timestamptz - interval '7 days'))
                ORDER BY j.next_attempt_at, j.id
                LIMIT t.take
                FOR UPDATE SKIP LOCKED
            ) AS j
            JOIN accounts a ON a.id = j.account_id
            ORDER BY t.position, j.next_attempt_at, j.id
            """)
        return try rows.map { row in
            DueJob(
                key: try row.int("id"), jobId: try row.string("job_id"), batchKey: try row.int("batch_id"),
                accountKey: try row.int("account_id"), accountId: try row.string("account_name"),
                contactName: try row.string("contact_name"), contactDni: try row.optionalString("contact_dni"),
                phones: try row.array("phones").compactMap { $0 }, nextPhoneIndex: Int(try row.int("next_phone_index")),
                payload: (try? JSON.parse(try row.string("payload")).objectValue) ?? JSONObject(),
                status: JobStatus(rawValue: try row.string("status")) ?? .pending)
        }
    }

    func doNotCall(_ jobs: [DueJob]) throws -> [Int64: Set<String>] {
        guard !jobs.isEmpty else { return [:] }
        let rows = try self.connection.query(
            """
            SELECT account_id, phone FROM do_not_call
            WHERE account_id = ANY (\(Array(Set(jobs.map { String($0.accountKey) })))::bigint[])
              AND phone = ANY (\(Array(Set(jobs.flatMap(\.phones))))::text[])
            """)
        var blocked: [Int64: Set<String>] = [:]
        for row in rows { blocked[try row.int("account_id"), default: []].insert(try row.string("phone")) }
        return blocked
    }

    func markSuspended(_ jobs: [(key: Int64, status: JobStatus)]) throws {
        for (status, group) in Dictionary(grouping: jobs, by: \.status) {
            try self.connection.query(
                """
                UPDATE jobs SET status = \(status.rawValue),
                    last_error = 'Not enough credit for the call''s hold; the job resumes after a top-up'
                WHERE id = ANY (\(group.map { String($0.key) })::bigint[])
                """)
        }
    }

    func markDoNotCallExhausted(_ jobs: [(key: Int64, status: JobStatus)]) throws {
        for (status, group) in Dictionary(grouping: jobs, by: \.status) {
            try self.connection.query(
                """
                UPDATE jobs SET status = \(status.rawValue), completed_at = now(), last_outcome = 'do_not_call',
                    last_error = 'Every number of the contact is on the account''s do-not-call list'
                WHERE id = ANY (\(group.map { String($0.key) })::bigint[])
                """)
        }
    }

    // MARK: After placing

    /// The provider accepted the call. A webhook may already have settled it: then nothing changes.
    public func recordAccepted(callKey: Int64, providerCallId: String, now: Timestamp) throws {
        try self.connection.query(
            """
            UPDATE calls SET provider_call_id = \(providerCallId), status = 'placed', accepted_at = \(now)
            WHERE id = \(callKey) AND status = 'placing'
            """)
    }

    /// Placing may have created a call (a timeout after the request went out): the attempt stays
    /// open for a webhook, a poll or the rescue, and is never placed again blindly.
    public func recordUncertain(callKey: Int64, reason: String) throws {
        try self.connection.query("UPDATE calls SET last_error = \(reason) WHERE id = \(callKey) AND settled_at IS NULL")
    }

    // MARK: Settling

    /// An open attempt due for a poll or past its hard limit.
    public struct OpenCall: Sendable {
        public let key: Int64
        public let providerCallId: String?
        public let lostAfter: Timestamp
    }

    public func openCallsDue(now: Timestamp, limit: Int) throws -> [OpenCall] {
        try self.connection.query(
            """
            SELECT id, provider_call_id, lost_after FROM calls
            WHERE settled_at IS NULL AND poll_after <= \(now)
            ORDER BY poll_after LIMIT \(limit)
            """
        ).map { row in
            OpenCall(key: try row.int("id"), providerCallId: try row.optionalString("provider_call_id"),
                     lostAfter: try row.timestamp("lost_after"))
        }
    }

    /// The provider still has the call going: ask again later.
    public func pollAgain(callKey: Int64, at time: Timestamp) throws {
        try self.connection.query("UPDATE calls SET poll_after = \(time) WHERE id = \(callKey) AND settled_at IS NULL")
    }

    /// The attempt whose metadata or provider id a report names.
    public func callKey(providerCallId: String?, attemptId: String?) throws -> Int64? {
        try self.connection.query(
            """
            SELECT id FROM calls WHERE provider_call_id = \(providerCallId) OR attempt_id = \(attemptId)
            ORDER BY (provider_call_id = \(providerCallId)) DESC NULLS LAST LIMIT 1
            """
        ).first.map { try $0.int("id") }
    }

    /// `call_analyzed`: the call's analysis and collected variables, and on its job the payment the
    /// customer promised (`fecha_pago_cliente`, `monto_pago_cliente`), when the agent collected one.
    /// The job first, then the call (the lock order).
    public func recordAnalysis(callKey: Int64, _ report: CallReport) throws {
        let variables = report.collectedVariables ?? JSONObject()
        let promisedDate = variables["fecha_pago_cliente"]?.stringValue.flatMap(PromisedPayment.date)
        let promisedAmount = (variables["monto_pago_cliente"]?.numberText ?? variables["monto_pago_cliente"]?.stringValue)
            .flatMap(PromisedPayment.amount)
        try self.connection.query(
            """
            UPDATE jobs SET fecha_pago_cliente = coalesce(\(promisedDate?.iso)::date, fecha_pago_cliente),
                monto_pago_cliente = coalesce(\(promisedAmount)::numeric, monto_pago_cliente)
            WHERE id = (SELECT job_id FROM calls WHERE id = \(callKey))
            """)
        try self.connection.query(
            """
            UPDATE calls SET analysis = coalesce(\(report.analysis.map { $0.serializedString })::jsonb, analysis),
                collected_variables = coalesce(\(report.collectedVariables.map { JSON.object($0).serializedString })::jsonb,
                                               collected_variables),
                transcript = coalesce(\(report.transcript), transcript)
            WHERE id = \(callKey)
            """)
    }

    /// Settles an attempt exactly once: decides with `Settlement.decide` and writes the whole
    /// decision — the call, the hold, the job, the batch's totals — in one transaction. A second
    /// settlement of the same attempt (a webhook and a poll) finds it settled and changes nothing.
    /// Returns false when it was settled already.
    @discardableResult
    public func settle(callKey: Int64, _ end: AttemptEnd, now: Timestamp, jitter: Double) throws -> Bool {
        try self.connection.transaction {
            guard let call = try self.connection.query(
                "SELECT batch_id, account_id, job_id, hold_id, settled_at IS NOT NULL AS settled FROM calls WHERE id = \(callKey)"
            ).first, !(try call.bool("settled")) else { return false }
            let batchKey = try call.int("batch_id")
            let accountKey = try call.int("account_id")
            // 1. the batch
            let batch = try self.connection.query(
                """
                SELECT b.status, b.call_settings::text AS call_settings, a.timezone FROM batches b
                JOIN accounts a ON a.id = b.account_id WHERE b.id = \(batchKey) FOR NO KEY UPDATE OF b
                """)[0]
            let settings = CallSettings.stored(
                try batch.optionalJSONText("call_settings"), defaultTimezone: try batch.string("timezone"))
            // 2. the account
            guard let account = try AccountStore(connection: self.connection).lock(key: accountKey) else {
                throw LedgerError.accountNotFound
            }
            // 3. the job (gone when its batch was deleted with its jobs)
            let jobKey = try call.optionalInt("job_id")
            let job = try jobKey.flatMap { key in
                try self.connection.query(
                    "SELECT status, attempts, max_attempts, next_phone_index, cardinality(phones) AS phone_count FROM jobs WHERE id = \(key) FOR UPDATE"
                ).first
            }
            // 5. the call (its hold, 4., is locked by the Ledger below)
            let locked = try self.connection.query(
                "SELECT settled_at IS NOT NULL AS settled, h.hold_id AS hold_name, h.amount AS hold_amount FROM calls c LEFT JOIN credit_holds h ON h.id = c.hold_id WHERE c.id = \(callKey) FOR UPDATE OF c"
            )[0]
            guard !(try locked.bool("settled")) else { return false }
            let state = AttemptState(
                attempts: Int(try job?.int("attempts") ?? 1), maxAttempts: Int(try job?.int("max_attempts") ?? 1),
                phoneIndex: Int(try job?.int("next_phone_index") ?? 0), phoneCount: Int(try job?.int("phone_count") ?? 1))
            let billing = Billing(
                costPerMinute: account.costPerMinute, costPerCallSetup: account.costPerCallSetup,
                costFailedCall: account.costFailedCall, unit: account.planType.unit)
            let decision = Settlement.decide(
                end, billing: billing, holdAmount: try locked.optionalAmount("hold_amount"), state: state,
                settings: settings, batchCancelled: try batch.string("status") == BatchStatus.cancelled.rawValue,
                now: now, jitter: jitter)
            try self.apply(decision, end: end, callKey: callKey, batchKey: batchKey, accountKey: accountKey,
                           holdId: try locked.optionalString("hold_name"), jobKey: jobKey,
                           jobStatus: try job.map { try $0.string("status") }, now: now)
            return true
        }
    }

    private func apply(
        _ decision: Settlement, end: AttemptEnd, callKey: Int64, batchKey: Int64, accountKey: Int64, holdId: String?,
        jobKey: Int64?, jobStatus: String?, now: Timestamp
    ) throws {
        let ledger = Ledger(connection: self.connection)
        do {
            switch decision.hold {
            case .post(let amount): if let holdId { try ledger.post(holdId: holdId, amount: amount) }
            case .void: if let holdId { try ledger.void(holdId: holdId) }
            case .recordUsage(let cost):
                if cost > 0 { try ledger.recordUnlimitedUsage(accountKey: accountKey, cost: cost, reference: nil) }
            }
        } catch LedgerError.holdRejected(.alreadyResolved) {
            // The hold expired meanwhile (the call outlived its hold): nothing is charged late.
        }
        var report: CallReport?
        var lastError: String?
        switch end {
        case .reported(let reported): report = reported
        case .refused(let reason): lastError = reason
        case .lost: lastError = "No result before the attempt's hard limit"
        }
        try self.connection.query(
            """
            UPDATE calls SET status = \(decision.callStatus), outcome = \(decision.outcome.rawValue),
                call_status = \(report?.callStatus), disconnection_reason = \(report?.disconnectionReason),
                provider_call_id = coalesce(provider_call_id, \(report?.providerCallId)),
                duration_ms = \(report?.durationMilliseconds)::bigint, charged_cost = \(decision.cost),
                charged_minutes = \(decision.minutes), provider_cost = \(report?.providerCost)::numeric,
                transcript = \(report?.transcript), recording_url = \(report?.recordingURL),
                public_log_url = \(report?.publicLogURL),
                analysis = coalesce(\(report?.analysis.map { $0.serializedString })::jsonb, analysis),
                collected_variables = coalesce(\(report?.collectedVariables.map { JSON.object($0).serializedString })::jsonb,
                                               collected_variables),
                raw_payload = coalesce(\(report.map { $0.raw.serializedString })::jsonb, raw_payload),
                started_at = \(report?.startedAt)::timestamptz, ended_at = coalesce(\(report?.endedAt)::timestamptz, \(now)::timestamptz),
                last_error = coalesce(\(lastError), last_error), settled_at = \(now)::timestamptz
            WHERE id = \(callKey)
            """)
        if decision.cost > 0 || decision.minutes > 0 {
            try self.connection.query(
                """
                UPDATE batches SET total_cost = total_cost + \(decision.cost), total_minutes = total_minutes + \(decision.minutes)
                WHERE id = \(batchKey)
                """)
        }
        if let jobKey, let jobStatus, let current = JobStatus(rawValue: jobStatus) {
            let change = decision.job
            let status = try JobTransitions.apply(change.action, to: current)
            let finished = status == .completed || status == .failed || status == .cancelled
            try self.connection.query(
                """
                UPDATE jobs SET status = \(status.rawValue), next_phone_index = \(change.nextPhoneIndex),
                    next_attempt_at = \(change.nextAttemptAt), last_outcome = \(change.lastOutcome),
                    last_error = \(change.lastError),
                    attempts = attempts - \(change.refundsAttempt ? 1 : 0),
                    completed_at = CASE WHEN \(finished) THEN \(now)::timestamptz END,
                    cancellation_reason = CASE WHEN \(status == .cancelled) THEN \(change.lastError) ELSE cancellation_reason END
                WHERE id = \(jobKey)
                """)
            if change.pausesBatch {
                try self.connection.query("UPDATE batches SET status = 'paused' WHERE id = \(batchKey) AND status = 'active'")
                try Events(connection: self.connection).record(
                    accountKey: accountKey, type: "batch_paused",
                    message: "Batch paused: the provider account cannot place calls (no valid payment)")
            }
        }
    }
}
