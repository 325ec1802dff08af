import Accounts
import Batches
import JSON
import Metrics
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
    /// Jobs whose debtor had a conversation within 7 days (a legal profile's weekly rule).
    public var heldBack = 0
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
        /// Its due jobs, counted up to the claim's limit.
        let dueJobs: Int
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
            let batchByKey = Dictionary(uniqueKeysWithValues: batches.map { ($0.key, $0) })
            let contacts = try self.contactsUnderWeeklyRule(
                candidates.filter { batchByKey[$0.batchKey]?.weeklyRule == true }, now: now)
            var dialling = Set<ContactKey>()
            var attemptIds = ObjectIdSequence(now: now)
            var heldBack: [(key: Int64, until: Timestamp)] = []
            var result = ClaimResult()
            var claims: [(job: DueJob, status: JobStatus, phoneIndex: Int, attemptId: String, batch: DueBatch)] = []
            var holds: [HoldRequest] = []
            // The transitions decide each job's next status; the statements below only write them.
            var suspended: [(key: Int64, status: JobStatus)] = []
            var failed: [(key: Int64, status: JobStatus)] = []
            for job in candidates {
                guard let batch = batchByKey[job.batchKey], var account = accounts[job.accountKey], account.freeSlots > 0
                else { continue }
                if batch.weeklyRule {
                    // One conversation per debtor a week, across the account's batches: a debtor
                    // answered within 7 days waits until they are over; one in a call (or dialled by
                    // this claim from another batch) waits for the next pass.
                    let contact = ContactKey(accountKey: job.accountKey, contactKey: job.contactKey)
                    if case .answered(let at)? = contacts[contact] {
                        heldBack.append((job.key, at.advanced(by: .seconds(7 * 86_400))))
                        continue
                    }
                    guard contacts[contact] != .inCall, dialling.insert(contact).inserted else { continue }
                }
                guard let phoneIndex = job.firstCallablePhone(blocked: blocked[job.accountKey] ?? []) else {
                    // Claimed, then failed at once: no number may be dialled.
                    let claimed = try JobTransitions.apply(.claim, to: job.status)
                    failed.append((job.key, try JobTransitions.apply(.fail, to: claimed)))
                    continue
                }
                let attemptId = "att_" + attemptIds.next()
                if let unit = account.billing.unit {
                    let amount = account.billing.hold(maxCallSeconds: batch.settings.maxCallDuration)
                    guard account.available >= amount else {
                        suspended.append((job.key, try JobTransitions.apply(.suspend, to: job.status)))
                        continue
                    }
                    holds.append(HoldRequest(
                        accountKey: job.accountKey, unit: unit, amount: amount, reference: attemptId,
                        expiresAt: now.advanced(by: timing.lostAfter(batch.settings.maxCallDuration) + .seconds(3600))))
                    account.available = account.available - amount
                }
                account.freeSlots -= 1
                accounts[job.accountKey] = account
                claims.append((job, try JobTransitions.apply(.claim, to: job.status), phoneIndex, attemptId, batch))
            }
            // Every hold of the claim at once (the accounts are locked and were checked above).
            let holdKeys = Dictionary(uniqueKeysWithValues: try Ledger(connection: self.connection).placeHolds(holds).compactMap {
                hold in hold.reference.map { ($0, hold.key) }
            })
            try self.markSuspended(suspended)
            try self.markDoNotCallExhausted(failed)
            try self.markHeldBackByWeeklyRule(heldBack)
            result.heldBack = heldBack.count
            result.suspended = suspended.count
            result.failedDoNotCall = failed.count
            guard !claims.isEmpty else { return result }

            try self.connection.query(
                """
                UPDATE jobs j SET status = c.status, attempts = j.attempts + 1, next_phone_index = c.phone_index,
                    started_at = coalesce(j.started_at, \(now)), last_error = NULL
                FROM unnest(\(claims.map { String($0.job.key) })::bigint[], \(claims.map(\.status.rawValue))::text[],
                            \(claims.map { String($0.phoneIndex) })::integer[])
                    AS c (id, status, phone_index)
                WHERE j.id = c.id
                """)
            let rows = try self.connection.query(
                """
                INSERT INTO calls (attempt_id, job_id, batch_id, account_id, contact_key, attempt, phone, phone_index,
                    provider, agent_id, hold_id, created_at, poll_after, lost_after)
                SELECT c.attempt_id, j.id, j.batch_id, j.account_id, j.contact_key, j.attempts, j.phones[c.phone_index + 1],
                    c.phone_index, \(provider), c.agent_id, c.hold_id, \(now), \(now)::timestamptz + c.poll_after,
                    \(now)::timestamptz + c.lost_after
                FROM unnest(\(claims.map { String($0.job.key) })::bigint[], \(claims.map(\.attemptId))::text[],
                            \(claims.map { String($0.phoneIndex) })::integer[],
                            \(claims.map { holdKeys[$0.attemptId].map(String.init) })::bigint[],
                            \(claims.map { agent($0.batch) })::text[],
                            \(claims.map { "\(timing.firstPoll($0.batch.settings.maxCallDuration).components.seconds) seconds" })::interval[],
                            \(claims.map { "\(timing.lostAfter($0.batch.settings.maxCallDuration).components.seconds) seconds" })::interval[])
                    AS c (job_id, attempt_id, phone_index, hold_id, agent_id, poll_after, lost_after)
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

    /// The batches that may be dialled now, in priority order, locked, until their due jobs reach
    /// `limit`. Active batches are looked at 16, 32, 64 … at a time; of those, only as many as the
    /// claim needs are locked, so that a claim neither evaluates every active batch nor holds locks
    /// that the other dispatchers' settlements would wait for.
    func lockDueBatches(now: Timestamp, limit: Int) throws -> [DueBatch] {
        var batches: [DueBatch] = []
        var seen: [String] = []
        var chunk = 16
        while batches.reduce(0, { $0 + $1.dueJobs }) < limit {
            let candidates = try self.connection.query(
                """
                SELECT id FROM batches
                WHERE status = 'active' AND deleted_at IS NULL AND id <> ALL (\(seen)::bigint[])
                ORDER BY priority DESC, id
                LIMIT \(chunk)
                """
            ).map { String(try $0.int("id")) }
            guard !candidates.isEmpty else { break }
            seen += candidates
            var wanted: [String] = []
            var due = batches.reduce(0) { $0 + $1.dueJobs }
            for row in try self.connection.query(
                "SELECT b.id, \(Self.dueJobCount(now: now, limit: limit)) AS due_jobs \(Self.dueBatches(candidates, now: now))")
            where due < limit {
                wanted.append(String(try row.int("id")))
                due += Int(try row.int("due_jobs"))
            }
            if !wanted.isEmpty { batches += try self.lockBatchesIfDue(wanted, now: now, limit: limit) }
            chunk = min(chunk * 2, 1024)
        }
        return batches
    }

    /// `FROM … WHERE … ORDER BY` of those of `keys` that may be dialled now and have due jobs, in
    /// priority order: the batch is active, its account too, inside its own window and the law's.
    private static func dueBatches(_ keys: [String], now: Timestamp) -> SQLQuery {
        """
        FROM batches b
        JOIN accounts a ON a.id = b.account_id
        LEFT JOIN legal_calling_profiles p ON p.country = b.country AND p.use_case = b.use_case
        WHERE b.id = ANY (\(keys)::bigint[]) AND b.status = 'active' AND b.deleted_at IS NULL AND a.status = 'active'
          AND speechai_batch_window_open(b.call_settings, a.timezone, \(now))
          AND (p.country IS NULL OR speechai_profile_window_open(p, \(now)))
          AND EXISTS (SELECT 1 FROM jobs j
                      WHERE j.batch_id = b.id AND j.status IN ('pending', 'scheduled') AND j.next_attempt_at <= \(now))
        ORDER BY b.priority DESC, b.id
        """
    }

    /// A batch's due jobs, counted up to `limit`.
    private static func dueJobCount(now: Timestamp, limit: Int) -> SQLQuery {
        """
        (SELECT count(*) FROM (SELECT 1 FROM jobs j
            WHERE j.batch_id = b.id AND j.status IN ('pending', 'scheduled') AND j.next_attempt_at <= \(now)
            LIMIT \(limit)) AS d)
        """
    }

    /// Those of `keys` that may still be dialled, locked (SKIP LOCKED: a batch being changed
    /// elsewhere waits for the next pass, so no order among batches is needed), in priority order.
    private func lockBatchesIfDue(_ keys: [String], now: Timestamp, limit: Int) throws -> [DueBatch] {
        let rows = try self.connection.query(
            """
            SELECT b.id, b.batch_id, b.account_id, b.call_settings::text AS call_settings, a.timezone,
                b.retell_agent_id, a.settings ->> 'retell_agent_id' AS account_agent_id, b.use_case,
                b.use_case_settings::text AS use_case_settings,
                speechai_local_time(coalesce(b.call_settings ->> 'timezone', a.timezone), \(now)) AS local_time,
                (b.call_settings ->> 'max_concurrent_calls')::integer
                    - (SELECT count(*) FROM calls c WHERE c.batch_id = b.id AND c.settled_at IS NULL) AS free_slots,
                \(Self.dueJobCount(now: now, limit: limit)) AS due_jobs,
                coalesce(p.answered_per_week IS NOT NULL, false) AS weekly_rule
            \(Self.dueBatches(keys, now: now))
            FOR NO KEY UPDATE OF b SKIP LOCKED
            """)
        return try rows.map { row in
            let settings = CallSettings.stored(try row.optionalJSONText("call_settings"), defaultTimezone: try row.string("timezone"))
            let useCaseSettings = (try row.optionalJSONText("use_case_settings")).flatMap { try? JSON.parse($0).objectValue }
            return DueBatch(
                key: try row.int("id"), batchId: try row.string("batch_id"), accountKey: try row.int("account_id"),
                settings: settings, freeSlots: (try row.optionalInt("free_slots")).map { Int(max(0, $0)) },
                dueJobs: Int(try row.int("due_jobs")), weeklyRule: try row.bool("weekly_rule"),
                agentId: try row.optionalString("retell_agent_id") ?? row.optionalString("account_agent_id"),
                useCase: try row.string("use_case"), useCaseSettings: useCaseSettings ?? JSONObject(),
                localTime: try row.string("local_time"))
        }
    }

    /// An account of the claim, locked: what it can still pay and dial.
    struct AccountCapacity {
        let accountId: String
        let billing: Billing
        var available: Amount
        /// min(concurrent calls left, calls left today in the account's time zone).
        var freeSlots: Int
    }

    func lockAccounts(_ keys: [Int64], now: Timestamp) throws -> [Int64: AccountCapacity] {
        var capacity: [Int64: AccountCapacity] = [:]
        let rows = try self.connection.query(
            """
            SELECT a.id, a.account_id, a.plan_type, a.cost_per_minute, a.cost_per_call_setup, a.cost_failed_call,
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
                accountId: try row.string("account_id"),
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
        let contactKey: String
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
        // Batches in priority order, each up to what it and its account may still dial and all of
        // them `limit` in all; the outer LIMIT stops the nested loop as soon as `limit` jobs are
        // locked (a batch's due jobs may be fewer than counted: another claim took some).
        var remaining = limit
        var accountLeft = accounts.mapValues(\.freeSlots)
        let takes = batches.map { batch in
            let take = max(0, min(remaining, batch.dueJobs, batch.freeSlots ?? remaining, accountLeft[batch.accountKey] ?? 0))
            remaining -= take
            accountLeft[batch.accountKey, default: 0] -= take
            return take
        }
        let rows = try self.connection.query(
            """
            SELECT j.id, j.job_id, j.batch_id, j.account_id, j.contact_name, j.contact_dni, j.contact_key,
                j.phones, j.next_phone_index, j.payload::text AS payload, j.status
            FROM unnest(\(batches.map { String($0.key) })::bigint[], \(takes.map(String.init))::integer[])
                WITH ORDINALITY AS t (batch_id, take, position)
            CROSS JOIN LATERAL (
                SELECT j.* FROM jobs j
                WHERE j.batch_id = t.batch_id AND j.status IN ('pending', 'scheduled') AND j.next_attempt_at <= \(now)
                ORDER BY j.next_attempt_at, j.id
                LIMIT t.take
                FOR UPDATE SKIP LOCKED
            ) AS j
            LIMIT \(limit)
            """)
        return try rows.map { row in
            DueJob(
                key: try row.int("id"), jobId: try row.string("job_id"), batchKey: try row.int("batch_id"),
                accountKey: try row.int("account_id"), accountId: accounts[try row.int("account_id")]?.accountId ?? "",
                contactKey: try row.string("contact_key"),
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

    /// A contact of an account (the same RUT or number across the account's batches).
    struct ContactKey: Hashable {
        let accountKey: Int64
        let contactKey: String
    }

    enum ContactState: Equatable {
        /// Their latest conversation ended at this time, less than 7 days ago.
        case answered(Timestamp)
        /// A call to them is open right now.
        case inCall
    }

    /// Which contacts of `jobs` the weekly rule holds back now: one lookup in
    /// `calls_answered_by_contact` and one among the account's open calls per contact.
    func contactsUnderWeeklyRule(_ jobs: [DueJob], now: Timestamp) throws -> [ContactKey: ContactState] {
        guard !jobs.isEmpty else { return [:] }
        let rows = try self.connection.query(
            """
            SELECT k.account_id, k.contact_key,
                (SELECT max(c.ended_at) FROM calls c
                 WHERE c.account_id = k.account_id AND c.contact_key = k.contact_key AND c.outcome = 'answered'
                   AND c.ended_at > \(now)::timestamptz - interval '7 days') AS answered_at,
                EXISTS (SELECT 1 FROM calls c
                        WHERE c.account_id = k.account_id AND c.settled_at IS NULL AND c.contact_key = k.contact_key) AS in_call
            FROM (SELECT DISTINCT * FROM unnest(\(jobs.map { String($0.accountKey) })::bigint[], \(jobs.map(\.contactKey))::text[])
                      AS u (account_id, contact_key)) AS k
            """)
        var states: [ContactKey: ContactState] = [:]
        for row in rows {
            let key = ContactKey(accountKey: try row.int("account_id"), contactKey: try row.string("contact_key"))
            if let answered = try row.optionalTimestamp("answered_at") {
                states[key] = .answered(answered)
            } else if try row.bool("in_call") {
                states[key] = .inCall
            }
        }
        return states
    }

    /// Moves held-back jobs to when the weekly rule lets them be called, saying why (their status
    /// does not change: they are still due, later).
    func markHeldBackByWeeklyRule(_ jobs: [(key: Int64, until: Timestamp)]) throws {
        guard !jobs.isEmpty else { return }
        try self.connection.query(
            """
            UPDATE jobs SET next_attempt_at = h.until,
                last_error = 'Held back by the legal calling profile: this debtor had a conversation in the last 7 days '
                    || '(one a week per account); the next call is allowed from ' || to_char(h.until AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
            FROM unnest(\(jobs.map { String($0.key) })::bigint[], \(jobs.map(\.until.rfc3339))::timestamptz[]) AS h (job_key, until)
            WHERE jobs.id = h.job_key
            """)
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

    /// The provider accepted these calls: one statement for all. A webhook may already have
    /// settled one of them: then it stays as it is.
    public func recordAccepted(_ accepted: [(callKey: Int64, providerCallId: String)], now: Timestamp) throws {
        guard !accepted.isEmpty else { return }
        try self.connection.query(
            """
            UPDATE calls SET provider_call_id = a.provider_call_id, status = 'placed', accepted_at = \(now)
            FROM unnest(\(accepted.map { String($0.callKey) })::bigint[], \(accepted.map(\.providerCallId))::text[])
                AS a (call_key, provider_call_id)
            WHERE calls.id = a.call_key AND calls.status = 'placing'
            """)
    }

    /// Placing may have created these calls (a timeout after the request went out): the attempts
    /// stay open for a webhook, a poll or the rescue, and are never placed again blindly.
    public func recordUncertain(_ uncertain: [(callKey: Int64, reason: String)]) throws {
        guard !uncertain.isEmpty else { return }
        try self.connection.query(
            """
            UPDATE calls SET last_error = u.reason
            FROM unnest(\(uncertain.map { String($0.callKey) })::bigint[], \(uncertain.map(\.reason))::text[])
                AS u (call_key, reason)
            WHERE calls.id = u.call_key AND calls.settled_at IS NULL
            """)
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

    /// The provider still has these calls going: ask again at `time`.
    public func pollAgain(_ callKeys: [Int64], at time: Timestamp) throws {
        guard !callKeys.isEmpty else { return }
        try self.connection.query(
            "UPDATE calls SET poll_after = \(time) WHERE id = ANY (\(callKeys.map(String.init))::bigint[]) AND settled_at IS NULL")
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
        let promise = report.collectedVariables.flatMap(PromisedPayment.init(variables:))
        try self.connection.query(
            """
            UPDATE jobs SET fecha_pago_cliente = coalesce(\(promise?.date?.iso)::date, fecha_pago_cliente),
                monto_pago_cliente = coalesce(\(promise?.amount)::numeric, monto_pago_cliente)
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

    /// Settles one attempt exactly once (a webhook); false when it was settled already.
    @discardableResult
    public func settle(callKey: Int64, _ end: AttemptEnd, now: Timestamp, jitter: @escaping () -> Double) throws -> Bool {
        try self.settle([(callKey, end)], now: now, jitter: jitter).contains(callKey)
    }

    /// Settles each attempt exactly once, all in one transaction: locks the batches, the accounts,
    /// the jobs and the calls (the lock order), decides each with `Settlement.decide`, and writes the
    /// decisions — the holds through the ledger, then the calls, the batches' totals and the jobs —
    /// one statement per table. An attempt settled already (a webhook and a poll) is left as it is.
    /// Returns the attempts this call settled.
    @discardableResult
    public func settle(_ ends: [(callKey: Int64, end: AttemptEnd)], now: Timestamp, jitter: @escaping () -> Double) throws
        -> Set<Int64>
    {
        var endByCall: [Int64: AttemptEnd] = [:]
        for (callKey, end) in ends where endByCall[callKey] == nil { endByCall[callKey] = end }
        guard !endByCall.isEmpty else { return [] }
        return try self.connection.transaction {
            let open = try self.connection.query(
                """
                SELECT id, batch_id, account_id, job_id FROM calls
                WHERE id = ANY (\(endByCall.keys.map(String.init))::bigint[]) AND settled_at IS NULL
                """)
            guard !open.isEmpty else { return [] }
            let batchKeys = Set(try open.map { try $0.int("batch_id") })
            let jobKeys = Set(try open.compactMap { try $0.optionalInt("job_id") })
            // 1. the batches
            var batches: [Int64: (cancelled: Bool, settings: CallSettings)] = [:]
            for row in try self.connection.query(
                """
                SELECT b.id, b.status, b.call_settings::text AS call_settings, a.timezone FROM batches b
                JOIN accounts a ON a.id = b.account_id
                WHERE b.id = ANY (\(batchKeys.map(String.init))::bigint[])
                ORDER BY b.id FOR NO KEY UPDATE OF b
                """)
            {
                batches[try row.int("id")] = (
                    try row.string("status") == BatchStatus.cancelled.rawValue,
                    CallSettings.stored(try row.optionalJSONText("call_settings"), defaultTimezone: try row.string("timezone")))
            }
            // 2. the accounts
            let accounts = try AccountStore(connection: self.connection).lock(keys: try open.map { try $0.int("account_id") })
            // 3. the jobs (a job is gone when its batch was deleted with its jobs)
            var jobs: [Int64: (status: JobStatus, state: AttemptState)] = [:]
            for row in try self.connection.query(
                """
                SELECT id, status, attempts, max_attempts, next_phone_index, cardinality(phones) AS phone_count FROM jobs
                WHERE id = ANY (\(jobKeys.map(String.init))::bigint[])
                ORDER BY id FOR UPDATE
                """)
            {
                guard let status = JobStatus(rawValue: try row.string("status")) else { continue }
                jobs[try row.int("id")] = (status, AttemptState(
                    attempts: Int(try row.int("attempts")), maxAttempts: Int(try row.int("max_attempts")),
                    phoneIndex: Int(try row.int("next_phone_index")), phoneCount: Int(try row.int("phone_count"))))
            }
            // 5. the calls (their holds, 4., are locked by the ledger below); one settled meanwhile is skipped
            var settlements: [SettledCall] = []
            for row in try self.connection.query(
                """
                SELECT c.id, c.batch_id, c.account_id, c.job_id, h.hold_id AS hold_name, h.amount AS hold_amount
                FROM calls c LEFT JOIN credit_holds h ON h.id = c.hold_id
                WHERE c.id = ANY (\(open.map { String(try $0.int("id")) })::bigint[]) AND c.settled_at IS NULL
                ORDER BY c.id FOR UPDATE OF c
                """)
            {
                let callKey = try row.int("id")
                guard let end = endByCall[callKey], let batch = batches[try row.int("batch_id")],
                    let account = accounts[try row.int("account_id")]
                else { continue }
                let jobKey = try row.optionalInt("job_id")
                let job = jobKey.flatMap { jobs[$0] }
                let billing = Billing(
                    costPerMinute: account.costPerMinute, costPerCallSetup: account.costPerCallSetup,
                    costFailedCall: account.costFailedCall, unit: account.planType.unit)
                let decision = Settlement.decide(
                    end, billing: billing, holdAmount: try row.optionalAmount("hold_amount"),
                    state: job?.state ?? AttemptState(attempts: 1, maxAttempts: 1, phoneIndex: 0, phoneCount: 1),
                    settings: batch.settings, batchCancelled: batch.cancelled, now: now, jitter: jitter())
                settlements.append(SettledCall(
                    callKey: callKey, batchKey: try row.int("batch_id"), accountKey: account.key,
                    holdId: try row.optionalString("hold_name"), job: jobKey.flatMap { key in job.map { (key, $0.status) } },
                    end: end, decision: decision))
            }
            try self.apply(settlements, accounts: accounts, now: now)
            return Set(settlements.map(\.callKey))
        }
    }

    /// One attempt's settlement, decided, with the rows it writes.
    private struct SettledCall {
        let callKey: Int64
        let batchKey: Int64
        let accountKey: Int64
        let holdId: String?
        let job: (key: Int64, status: JobStatus)?
        let end: AttemptEnd
        let decision: Settlement

        var report: CallReport? {
            if case .reported(let report) = self.end { return report }
            return nil
        }

        var lastError: String? {
            switch self.end {
            case .reported: return nil
            case .refused(let reason): return reason
            case .lost: return "No result before the attempt's hard limit"
            }
        }
    }

    /// Writes decided settlements: the holds, the calls, the batches' totals, the jobs.
    /// `accounts`: the settlements' accounts, locked by this transaction.
    private func apply(_ settlements: [SettledCall], accounts: [Int64: Account], now: Timestamp) throws {
        guard !settlements.isEmpty else { return }
        let ledger = Ledger(connection: self.connection)
        var holdEvents: [(holdId: String, event: HoldState.Event)] = []
        var usages: [UnlimitedUsage] = []
        for settlement in settlements {
            switch settlement.decision.hold {
            case .post(let amount): if let holdId = settlement.holdId { holdEvents.append((holdId, .post(amount: amount))) }
            case .void: if let holdId = settlement.holdId { holdEvents.append((holdId, .void)) }
            case .recordUsage(let cost):
                if cost > 0 { usages.append(UnlimitedUsage(accountKey: settlement.accountKey, cost: cost, reference: nil)) }
            }
        }
        // A hold that expired meanwhile (the call outlived its hold) is refused: nothing is charged late.
        _ = try ledger.resolve(holdEvents, lockedAccounts: accounts)
        try ledger.recordUnlimitedUsage(usages, lockedAccounts: accounts)

        let reports = settlements.map(\.report)
        try self.connection.query(
            """
            UPDATE calls SET status = s.status, outcome = s.outcome, call_status = s.call_status,
                disconnection_reason = s.disconnection_reason,
                provider_call_id = coalesce(calls.provider_call_id, s.provider_call_id), duration_ms = s.duration_ms,
                charged_cost = s.charged_cost, charged_minutes = s.charged_minutes, provider_cost = s.provider_cost,
                transcript = s.transcript, recording_url = s.recording_url, public_log_url = s.public_log_url,
                analysis = coalesce(s.analysis, calls.analysis),
                collected_variables = coalesce(s.collected_variables, calls.collected_variables),
                raw_payload = coalesce(s.raw_payload, calls.raw_payload),
                started_at = s.started_at, ended_at = coalesce(s.ended_at, \(now)::timestamptz),
                last_error = coalesce(s.last_error, calls.last_error), settled_at = \(now)::timestamptz
            FROM unnest(
                \(settlements.map { String($0.callKey) })::bigint[], \(settlements.map(\.decision.callStatus))::text[],
                \(settlements.map(\.decision.outcome.rawValue))::text[], \(reports.map { $0?.callStatus })::text[],
                \(reports.map { $0?.disconnectionReason })::text[], \(reports.map { $0?.providerCallId })::text[],
                \(reports.map { $0?.durationMilliseconds.map(String.init) })::bigint[],
                \(settlements.map(\.decision.cost.description))::numeric[],
                \(settlements.map(\.decision.minutes.description))::numeric[],
                \(reports.map { $0?.providerCost?.description })::numeric[], \(reports.map { $0?.transcript })::text[],
                \(reports.map { $0?.recordingURL })::text[], \(reports.map { $0?.publicLogURL })::text[],
                \(reports.map { $0?.analysis?.serializedString })::jsonb[],
                \(reports.map { $0?.collectedVariables.map { JSON.object($0).serializedString } })::jsonb[],
                \(reports.map { $0.map { $0.raw.serializedString } })::jsonb[],
                \(reports.map { $0?.startedAt?.rfc3339 })::timestamptz[], \(reports.map { $0?.endedAt?.rfc3339 })::timestamptz[],
                \(settlements.map(\.lastError))::text[])
                AS s (call_key, status, outcome, call_status, disconnection_reason, provider_call_id, duration_ms,
                      charged_cost, charged_minutes, provider_cost, transcript, recording_url, public_log_url, analysis,
                      collected_variables, raw_payload, started_at, ended_at, last_error)
            WHERE calls.id = s.call_key
            """)

        var totals: [Int64: (cost: Amount, minutes: Amount, calls: Int)] = [:]
        var outcomes: [String: Int] = [:]
        for settlement in settlements {
            let total = totals[settlement.batchKey] ?? (0, 0, 0)
            totals[settlement.batchKey] = (
                total.cost + settlement.decision.cost, total.minutes + settlement.decision.minutes, total.calls + 1
            )
            outcomes[settlement.decision.outcome.rawValue, default: 0] += 1
        }
        if !totals.isEmpty {
            let keys = totals.keys.sorted()
            try self.connection.query(
                """
                UPDATE batches SET total_cost = total_cost + t.cost, total_minutes = total_minutes + t.minutes,
                    settled_calls = settled_calls + t.calls
                FROM unnest(\(keys.map(String.init))::bigint[], \(keys.map { totals[$0]!.cost.description })::numeric[],
                            \(keys.map { totals[$0]!.minutes.description })::numeric[],
                            \(keys.map { String(totals[$0]!.calls) })::integer[]) AS t (batch_key, cost, minutes, calls)
                WHERE batches.id = t.batch_key
                """)
            let labels = outcomes.keys.sorted()
            try MetricCounters(connection: self.connection).add(
                labels.map { (MetricCounters.callsSettled, $0, outcomes[$0]!) })
        }

        // The transitions decide each job's status; the statement only writes it.
        var changes: [(key: Int64, status: JobStatus, change: JobChange, promise: PromisedPayment?)] = []
        for settlement in settlements {
            guard let job = settlement.job else { continue }
            changes.append((
                job.key, try JobTransitions.apply(settlement.decision.job.action, to: job.status), settlement.decision.job,
                settlement.report?.collectedVariables.flatMap(PromisedPayment.init(variables:))
            ))
        }
        if !changes.isEmpty {
            try self.connection.query(
                """
                UPDATE jobs SET status = c.status, next_phone_index = c.next_phone_index, next_attempt_at = c.next_attempt_at,
                    last_outcome = c.last_outcome, last_error = c.last_error, attempts = attempts - c.refunded_attempts,
                    completed_at = CASE WHEN c.finished THEN \(now)::timestamptz END,
                    cancellation_reason = CASE WHEN c.cancelled THEN c.last_error ELSE cancellation_reason END,
                    fecha_pago_cliente = coalesce(c.promised_date, fecha_pago_cliente),
                    monto_pago_cliente = coalesce(c.promised_amount, monto_pago_cliente)
                FROM unnest(\(changes.map { String($0.key) })::bigint[], \(changes.map(\.status.rawValue))::text[],
                            \(changes.map { String($0.change.nextPhoneIndex) })::integer[],
                            \(changes.map(\.change.nextAttemptAt.rfc3339))::timestamptz[],
                            \(changes.map(\.change.lastOutcome))::text[], \(changes.map(\.change.lastError))::text[],
                            \(changes.map { $0.change.refundsAttempt ? "1" : "0" })::integer[],
                            \(changes.map { $0.status.isFinished ? "true" : "false" })::boolean[],
                            \(changes.map { $0.status == .cancelled ? "true" : "false" })::boolean[],
                            \(changes.map { $0.promise?.date?.iso })::date[],
                            \(changes.map { $0.promise?.amount?.description })::numeric[])
                    AS c (job_key, status, next_phone_index, next_attempt_at, last_outcome, last_error, refunded_attempts,
                          finished, cancelled, promised_date, promised_amount)
                WHERE jobs.id = c.job_key
                """)
        }
        for settlement in settlements where settlement.decision.job.pausesBatch {
            try self.connection.query("UPDATE batches SET status = 'paused' WHERE id = \(settlement.batchKey) AND status = 'active'")
            try Events(connection: self.connection).record(
                accountKey: settlement.accountKey, type: "batch_paused",
                message: "Batch paused: the provider account cannot place calls (no valid payment)")
        }
    }
}
