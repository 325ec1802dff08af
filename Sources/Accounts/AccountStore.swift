import Money
import PostgreSQL
import Time

/// What creating an account needs, already validated.
public struct NewAccount: Sendable {
    public var accountId: String?
    public var accountName: String
    public var contactName: String
    public var contactEmail: String
    public var contactPhone: String?
    public var planType: PlanType
    public var country: Country
    public var timezone: String
    public var costPerMinute: Amount?
    public var costPerCallSetup: Amount?
    public var costFailedCall: Amount?
    public var maxConcurrentCalls: Int?
    public var dailyCallLimit: Int?
    public var featuresJSON: String
    public var settingsJSON: String
    public var initialCredits: Amount?
    public var initialMinutes: Amount?

    public init(
        accountId: String?, accountName: String, contactName: String, contactEmail: String, contactPhone: String?,
        planType: PlanType, country: Country, timezone: String, featuresJSON: String = "{}", settingsJSON: String = "{}"
    ) {
        self.accountId = accountId
        self.accountName = accountName
        self.contactName = contactName
        self.contactEmail = contactEmail
        self.contactPhone = contactPhone
        self.planType = planType
        self.country = country
        self.timezone = timezone
        self.featuresJSON = featuresJSON
        self.settingsJSON = settingsJSON
    }
}

/// Changes to an account (PATCH); nil leaves a field as it is.
public struct AccountChanges: Sendable {
    public var accountName: String?
    public var contactName: String?
    public var contactEmail: String?
    /// `.some(nil)` clears the phone.
    public var contactPhone: String??
    public var timezone: String?
    public var costPerMinute: Amount?
    public var costPerCallSetup: Amount?
    public var costFailedCall: Amount?
    public var maxConcurrentCalls: Int?
    public var dailyCallLimit: Int?
    public var status: AccountStatus?
    public var suspensionReason: String?

    public init() {}

    public var isEmpty: Bool {
        self.accountName == nil && self.contactName == nil && self.contactEmail == nil && self.contactPhone == nil
            && self.timezone == nil && self.costPerMinute == nil && self.costPerCallSetup == nil
            && self.costFailedCall == nil && self.maxConcurrentCalls == nil && self.dailyCallLimit == nil
            && self.status == nil && self.suspensionReason == nil
    }
}

public struct AccountFilter: Sendable {
    public var status: AccountStatus?
    public var planType: PlanType?
    /// Restricts the list to one account (an account key sees only its own).
    public var onlyKey: Int64?

    public init(status: AccountStatus? = nil, planType: PlanType? = nil, onlyKey: Int64? = nil) {
        self.status = status
        self.planType = planType
        self.onlyKey = onlyKey
    }
}

public enum AccountError: Error, Sendable, Equatable {
    case accountIdTaken(String)
    case unknownTimezone(String)
}

/// Reads and writes accounts. Balances are never written here: only `Ledger` moves money.
public struct AccountStore {
    let connection: Connection

    public init(connection: Connection) {
        self.connection = connection
    }

    /// Whether PostgreSQL knows the IANA time zone (the dispatcher computes calling windows in it).
    public func isKnownTimezone(_ name: String) throws -> Bool {
        try self.connection.query("SELECT EXISTS (SELECT 1 FROM pg_timezone_names WHERE name = \(name)) AS known")[0]
            .bool("known")
    }

    /// Creates the account, and its opening top-ups through the ledger, in one transaction.
    public func create(_ new: NewAccount) throws -> Account {
        guard try self.isKnownTimezone(new.timezone) else { throw AccountError.unknownTimezone(new.timezone) }
        return try self.connection.transaction {
            let accountId = new.accountId ?? "acc-" + Self.randomHex(6)
            let row: Row
            do {
                row = try self.connection.query(
                    """
                    INSERT INTO accounts (account_id, account_name, contact_name, contact_email, contact_phone, plan_type,
                        country, timezone, cost_per_minute, cost_per_call_setup, cost_failed_call, max_concurrent_calls,
                        daily_call_limit, features, settings)
                    VALUES (\(accountId), \(new.accountName), \(new.contactName), \(new.contactEmail), \(new.contactPhone),
                        \(new.planType.rawValue), \(new.country.rawValue), \(new.timezone),
                        coalesce(\(new.costPerMinute)::numeric, 0.15), coalesce(\(new.costPerCallSetup)::numeric, 0.02),
                        coalesce(\(new.costFailedCall)::numeric, 0), coalesce(\(new.maxConcurrentCalls)::int, 5),
                        coalesce(\(new.dailyCallLimit)::int, 1000), \(new.featuresJSON)::jsonb, \(new.settingsJSON)::jsonb)
                    RETURNING \(literal: Account.columns)
                    """)[0]
            } catch let error as DatabaseError where error.code == .uniqueViolation {
                throw AccountError.accountIdTaken(accountId)
            }
            var account = try Account(row: row)
            let ledger = Ledger(connection: self.connection)
            if let credits = new.initialCredits, credits > 0 {
                account = try ledger.topUp(accountKey: account.key, unit: .credits, amount: credits,
                                           description: "Saldo inicial").account
            }
            if let minutes = new.initialMinutes, minutes > 0 {
                account = try ledger.topUp(accountKey: account.key, unit: .minutes, amount: minutes,
                                           description: "Minutos iniciales").account
            }
            try Events(connection: self.connection).record(
                accountKey: account.key, type: "account_created", message: "Account \(account.accountId) created")
            return account
        }
    }

    /// The account named by either id form (`account_id` or the 24-hex `_id`).
    public func find(_ reference: String) throws -> Account? {
        let rows = try self.connection.query(
            "SELECT \(literal: Account.columns) FROM accounts WHERE account_id = \(reference) OR object_id = \(reference)")
        return try rows.first.map(Account.init(row:))
    }

    public func find(key: Int64) throws -> Account? {
        let rows = try self.connection.query("SELECT \(literal: Account.columns) FROM accounts WHERE id = \(key)")
        return try rows.first.map(Account.init(row:))
    }

    /// One page, newest first (ties by id), and the total matching the filter.
    public func list(_ filter: AccountFilter, limit: Int, skip: Int) throws -> (accounts: [Account], total: Int) {
        let status = filter.status?.rawValue
        let plan = filter.planType?.rawValue
        let matching: SQLQuery = """
            WHERE (\(status)::text IS NULL OR status = \(status))
              AND (\(plan)::text IS NULL OR plan_type = \(plan))
              AND (\(filter.onlyKey)::bigint IS NULL OR id = \(filter.onlyKey))
            """
        let rows = try self.connection.query(
            "SELECT \(literal: Account.columns) FROM accounts \(matching) ORDER BY created_at DESC, id DESC LIMIT \(limit) OFFSET \(skip)")
        let total = try self.connection.query("SELECT count(*) AS total FROM accounts \(matching)")[0].int("total")
        return (try rows.map(Account.init(row:)), Int(total))
    }

    /// Applies `changes` (one UPDATE, so `updated_at` moves once) and records status changes in
    /// the activity feed. Returns the account as it is afterwards.
    public func update(key: Int64, _ changes: AccountChanges) throws -> Account {
        if let timezone = changes.timezone, !(try self.isKnownTimezone(timezone)) {
            throw AccountError.unknownTimezone(timezone)
        }
        return try self.connection.transaction {
            guard let before = try self.lock(key: key) else { throw LedgerError.accountNotFound }
            let phoneGiven = changes.contactPhone != nil
            let phone = changes.contactPhone ?? nil
            // Suspending keeps the reason given (or the previous one); activating clears it.
            let reason: String? =
                changes.status == .active ? nil : (changes.suspensionReason ?? before.suspensionReason)
            let row = try self.connection.query(
                """
                UPDATE accounts SET
                    account_name = coalesce(\(changes.accountName), account_name),
                    contact_name = coalesce(\(changes.contactName), contact_name),
                    contact_email = coalesce(\(changes.contactEmail), contact_email),
                    contact_phone = CASE WHEN \(phoneGiven) THEN \(phone) ELSE contact_phone END,
                    timezone = coalesce(\(changes.timezone), timezone),
                    cost_per_minute = coalesce(\(changes.costPerMinute)::numeric, cost_per_minute),
                    cost_per_call_setup = coalesce(\(changes.costPerCallSetup)::numeric, cost_per_call_setup),
                    cost_failed_call = coalesce(\(changes.costFailedCall)::numeric, cost_failed_call),
                    max_concurrent_calls = coalesce(\(changes.maxConcurrentCalls)::int, max_concurrent_calls),
                    daily_call_limit = coalesce(\(changes.dailyCallLimit)::int, daily_call_limit),
                    status = coalesce(\(changes.status?.rawValue), status),
                    suspension_reason = CASE WHEN coalesce(\(changes.status?.rawValue), status) = 'active' THEN NULL
                                             ELSE \(reason) END
                WHERE id = \(key)
                RETURNING \(literal: Account.columns)
                """)[0]
            let after = try Account(row: row)
            if before.status != after.status {
                let suspended = after.status == .suspended
                try Events(connection: self.connection).record(
                    accountKey: key, type: suspended ? "account_suspended" : "account_activated",
                    message: "Account \(after.accountId) \(suspended ? "suspended" : "activated")"
                        + (suspended ? after.suspensionReason.map { ": \($0)" } ?? "" : ""))
            }
            return after
        }
    }

    /// Locks the account row for the rest of the transaction.
    public func lock(key: Int64) throws -> Account? {
        let rows = try self.connection.query(
            "SELECT \(literal: Account.columns) FROM accounts WHERE id = \(key) FOR UPDATE")
        return try rows.first.map(Account.init(row:))
    }

    /// Locks the accounts of `keys` for the rest of the transaction, in key order (the lock order
    /// between accounts), and returns them by key.
    public func lock(keys: [Int64]) throws -> [Int64: Account] {
        let rows = try self.connection.query(
            """
            SELECT \(literal: Account.columns) FROM accounts WHERE id = ANY (\(Set(keys).map(String.init))::bigint[])
            ORDER BY id FOR UPDATE
            """)
        var accounts: [Int64: Account] = [:]
        for row in rows {
            let account = try Account(row: row)
            accounts[account.key] = account
        }
        return accounts
    }

    /// `bytes` random bytes as lowercase hex (generated ids).
    public static func randomHex(_ bytes: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        let digits = Array("0123456789abcdef")
        return String((0..<bytes * 2).map { _ in digits[Int(generator.next() % 16)] })
    }
}

/// One entry of the activity feed (batch created, paused, resumed, cancelled, deleted, top-ups,
/// suspensions): the `events` table.
public struct ActivityEvent: Sendable {
    public let type: String
    public let message: String
    public let accountId: String?
    public let batchId: String?
    public let createdAt: Timestamp
}

/// The activity feed: account and batch events, newest first on the dashboard.
public struct Events {
    let connection: Connection

    public init(connection: Connection) {
        self.connection = connection
    }

    public func record(accountKey: Int64?, type: String, message: String, detailsJSON: String = "{}") throws {
        try self.connection.query(
            """
            INSERT INTO events (account_id, type, message, details)
            VALUES (\(accountKey), \(type), \(message), \(detailsJSON)::jsonb)
            """)
    }

    /// The latest events, newest first (events_by_account or events_newest_first).
    public func latest(accountKey: Int64?, limit: Int = 20) throws -> [ActivityEvent] {
        try self.connection.query(
            """
            SELECT e.type, e.message, a.account_id, e.details ->> 'batch_id' AS batch_id, e.created_at
            FROM events e LEFT JOIN accounts a ON a.id = e.account_id
            WHERE (\(accountKey)::bigint IS NULL OR e.account_id = \(accountKey))
            ORDER BY e.created_at DESC, e.id DESC
            LIMIT \(limit)
            """
        ).map { row in
            ActivityEvent(
                type: try row.string("type"), message: try row.string("message"), accountId: try row.optionalString("account_id"),
                batchId: try row.optionalString("batch_id"), createdAt: try row.timestamp("created_at"))
        }
    }
}
