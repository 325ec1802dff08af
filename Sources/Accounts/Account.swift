import Money
import PostgreSQL
import Time

/// An account as stored, with the balances the ledger keeps in step.
public struct Account: Sendable, Equatable {
    /// The row's primary key (internal; never shown).
    public let key: Int64
    public let accountId: String
    public let objectId: String
    public var accountName: String
    public var contactName: String
    public var contactEmail: String
    public var contactPhone: String?
    public let planType: PlanType
    public var status: AccountStatus
    public var suspensionReason: String?
    public let country: Country
    public var timezone: String
    public var costPerMinute: Amount
    public var costPerCallSetup: Amount
    public var costFailedCall: Amount
    public var maxConcurrentCalls: Int
    public var dailyCallLimit: Int
    /// Free-form JSON objects, as text.
    public var featuresJSON: String
    public var settingsJSON: String
    public let creditBalance: Amount
    public let creditReserved: Amount
    public let creditUsed: Amount
    public let minutesPurchased: Amount
    public let minutesUsed: Amount
    public let minutesReserved: Amount
    public let lastTopupAt: Timestamp?
    public let createdAt: Timestamp
    public let updatedAt: Timestamp

    public var creditAvailable: Amount { self.creditBalance - self.creditReserved }
    public var minutesBalance: Amount { self.minutesPurchased - self.minutesUsed }
    public var minutesAvailable: Amount { self.minutesPurchased - self.minutesUsed - self.minutesReserved }
    public var isActive: Bool { self.status == .active }

    /// The balance and the reserved amount in `unit` (what ledger rows record after them).
    public func balances(in unit: LedgerUnit) -> (balance: Amount, reserved: Amount) {
        unit == .credits ? (self.creditBalance, self.creditReserved) : (self.minutesBalance, self.minutesReserved)
    }

    /// The columns `init(row:)` reads, for SELECT lists.
    static let columns: StaticString = """
        id, account_id, object_id, account_name, contact_name, contact_email, contact_phone, plan_type, status,
        suspension_reason, country, timezone, cost_per_minute, cost_per_call_setup, cost_failed_call,
        max_concurrent_calls, daily_call_limit, features::text AS features, settings::text AS settings,
        credit_balance, credit_reserved, credit_used, minutes_purchased, minutes_used, minutes_reserved,
        last_topup_at, created_at, updated_at
        """

    init(row: Row) throws {
        self.key = try row.int("id")
        self.accountId = try row.string("account_id")
        self.objectId = try row.string("object_id")
        self.accountName = try row.string("account_name")
        self.contactName = try row.string("contact_name")
        self.contactEmail = try row.string("contact_email")
        self.contactPhone = try row.optionalString("contact_phone")
        guard let plan = PlanType(rawValue: try row.string("plan_type")),
            let status = AccountStatus(rawValue: try row.string("status")),
            let country = Country(rawValue: try row.string("country"))
        else { throw RowDecodingError(column: "plan_type/status/country", expected: "known value") }
        self.planType = plan
        self.status = status
        self.country = country
        self.suspensionReason = try row.optionalString("suspension_reason")
        self.timezone = try row.string("timezone")
        self.costPerMinute = try row.amount("cost_per_minute")
        self.costPerCallSetup = try row.amount("cost_per_call_setup")
        self.costFailedCall = try row.amount("cost_failed_call")
        self.maxConcurrentCalls = Int(try row.int("max_concurrent_calls"))
        self.dailyCallLimit = Int(try row.int("daily_call_limit"))
        self.featuresJSON = try row.string("features")
        self.settingsJSON = try row.string("settings")
        self.creditBalance = try row.amount("credit_balance")
        self.creditReserved = try row.amount("credit_reserved")
        self.creditUsed = try row.amount("credit_used")
        self.minutesPurchased = try row.amount("minutes_purchased")
        self.minutesUsed = try row.amount("minutes_used")
        self.minutesReserved = try row.amount("minutes_reserved")
        self.lastTopupAt = try row.optionalTimestamp("last_topup_at")
        self.createdAt = try row.timestamp("created_at")
        self.updatedAt = try row.timestamp("updated_at")
    }
}

/// One ledger row.
public struct LedgerEntry: Sendable, Equatable {
    public let transactionId: String
    public let type: TransactionType
    public let unit: LedgerUnit
    public let amount: Amount
    public let reservedChange: Amount
    public let cost: Amount
    public let balanceAfter: Amount
    public let reservedAfter: Amount
    public let holdId: String?
    public let reference: String?
    public let description: String?
    public let createdAt: Timestamp

    /// The columns `init(row:)` reads from `credit_transactions t`. The hold's id is a lookup per
    /// row: a join let the planner hash every hold there is to name the holds of a few rows.
    static let columns: StaticString = """
        t.transaction_id, t.type, t.unit, t.amount, t.reserved_change, t.cost, t.balance_after, t.reserved_after,
        (SELECT h.hold_id FROM credit_holds h WHERE h.id = t.hold_id) AS hold_id, t.reference, t.description, t.created_at
        """

    init(row: Row) throws {
        self.transactionId = try row.string("transaction_id")
        guard let type = TransactionType(rawValue: try row.string("type")),
            let unit = LedgerUnit(rawValue: try row.string("unit"))
        else { throw RowDecodingError(column: "type/unit", expected: "known value") }
        self.type = type
        self.unit = unit
        self.amount = try row.amount("amount")
        self.reservedChange = try row.amount("reserved_change")
        self.cost = try row.amount("cost")
        self.balanceAfter = try row.amount("balance_after")
        self.reservedAfter = try row.amount("reserved_after")
        self.holdId = try row.optionalString("hold_id")
        self.reference = try row.optionalString("reference")
        self.description = try row.optionalString("description")
        self.createdAt = try row.timestamp("created_at")
    }
}

/// A credit (or minutes) hold.
public struct Hold: Sendable, Equatable {
    public let key: Int64
    public let holdId: String
    public let accountKey: Int64
    public let unit: LedgerUnit
    public let amount: Amount
    public let state: HoldState
    public let postedAmount: Amount?
    public let reference: String?
    public let expiresAt: Timestamp

    static let columns: StaticString = "id, hold_id, account_id, unit, amount, status, posted_amount, reference, expires_at"

    /// The same hold in `state` (what a second event for it in one `Ledger.resolve` meets).
    func resolved(as state: HoldState) -> Hold {
        Hold(key: self.key, holdId: self.holdId, accountKey: self.accountKey, unit: self.unit, amount: self.amount,
             state: state, postedAmount: self.postedAmount, reference: self.reference, expiresAt: self.expiresAt)
    }

    private init(
        key: Int64, holdId: String, accountKey: Int64, unit: LedgerUnit, amount: Amount, state: HoldState,
        postedAmount: Amount?, reference: String?, expiresAt: Timestamp
    ) {
        self.key = key
        self.holdId = holdId
        self.accountKey = accountKey
        self.unit = unit
        self.amount = amount
        self.state = state
        self.postedAmount = postedAmount
        self.reference = reference
        self.expiresAt = expiresAt
    }

    init(row: Row) throws {
        self.key = try row.int("id")
        self.holdId = try row.string("hold_id")
        self.accountKey = try row.int("account_id")
        guard let unit = LedgerUnit(rawValue: try row.string("unit")),
            let state = HoldState(rawValue: try row.string("status"))
        else { throw RowDecodingError(column: "unit/status", expected: "known value") }
        self.unit = unit
        self.state = state
        self.amount = try row.amount("amount")
        self.postedAmount = try row.optionalAmount("posted_amount")
        self.reference = try row.optionalString("reference")
        self.expiresAt = try row.timestamp("expires_at")
    }
}
