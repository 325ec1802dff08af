import Money
import PostgreSQL
import Time

public enum LedgerError: Error, Sendable, Equatable {
    case accountNotFound
    case holdNotFound
    /// Not enough available credit (or minutes) for the hold.
    case insufficientFunds(available: Amount, needed: Amount)
    case holdRejected(HoldState.Rejection)
    /// A top-up in a unit the account's plan does not use.
    case unitNotInPlan(plan: PlanType, unit: LedgerUnit)
}

/// The outcome of asking for a hold.
public enum HoldOutcome: Sendable, Equatable {
    case held(Hold)
    /// Unlimited plans hold nothing; their usage is still recorded (`recordUnlimitedUsage`).
    case notNeeded
}

/// A hold to place on an account the caller has locked and checked (`placeHolds`).
public struct HoldRequest: Sendable {
    public let accountKey: Int64
    public let unit: LedgerUnit
    public let amount: Amount
    public let reference: String?
    public let expiresAt: Timestamp

    public init(accountKey: Int64, unit: LedgerUnit, amount: Amount, reference: String?, expiresAt: Timestamp) {
        self.accountKey = accountKey
        self.unit = unit
        self.amount = amount
        self.reference = reference
        self.expiresAt = expiresAt
    }
}

/// Usage of an unlimited plan to record (`recordUnlimitedUsage`).
public struct UnlimitedUsage: Sendable {
    public let accountKey: Int64
    public let cost: Amount
    public let reference: String?

    public init(accountKey: Int64, cost: Amount, reference: String?) {
        self.accountKey = accountKey
        self.cost = cost
        self.reference = reference
    }
}

/// Every movement of money or minutes. Each operation runs in one transaction (or joins the
/// caller's), locks its accounts first (`SELECT … FOR UPDATE`, in key order; then the holds, in
/// key order, so two operations never deadlock), writes ledger rows carrying the balances after
/// them, and keeps the accounts' cached balances equal to the ledger. An operation on many holds
/// costs the same few statements as an operation on one: the dispatcher holds and settles a whole
/// claim at once.
public struct Ledger {
    let connection: Connection

    public init(connection: Connection) {
        self.connection = connection
    }

    /// Adds `amount` credits or minutes to the balance.
    public func topUp(
        accountKey: Int64, unit: LedgerUnit, amount: Amount, description: String? = nil, reference: String? = nil
    ) throws -> (account: Account, entry: LedgerEntry) {
        try self.connection.transaction {
            guard let account = try AccountStore(connection: self.connection).lock(key: accountKey) else {
                throw LedgerError.accountNotFound
            }
            guard account.planType.unit == unit else { throw LedgerError.unitNotInPlan(plan: account.planType, unit: unit) }
            let (accounts, entries) = try self.record([
                Movement(
                    accountKey: accountKey, type: unit == .credits ? .topupCredits : .topupMinutes, unit: unit,
                    change: BalanceChange(toppedUp: amount),
                    cost: unit == .credits ? amount : amount.multiplied(by: account.costPerMinute), holdKey: nil,
                    reference: reference,
                    description: description ?? "Recarga de \(amount) \(unit == .credits ? "créditos" : "minutos")"),
            ])
            return (accounts[accountKey] ?? account, entries[0])
        }
    }

    /// Moves `amount` from available to reserved, or refuses when available is short.
    public func hold(accountKey: Int64, amount: Amount, reference: String?, expiresAt: Timestamp) throws -> HoldOutcome {
        try self.connection.transaction {
            guard let account = try AccountStore(connection: self.connection).lock(key: accountKey) else {
                throw LedgerError.accountNotFound
            }
            guard let unit = account.planType.unit else { return .notNeeded }
            let available = unit == .credits ? account.creditAvailable : account.minutesAvailable
            guard available >= amount else { throw LedgerError.insufficientFunds(available: available, needed: amount) }
            let holds = try self.placeHolds([
                HoldRequest(accountKey: accountKey, unit: unit, amount: amount, reference: reference, expiresAt: expiresAt),
            ])
            return .held(holds[0])
        }
    }

    /// Places every hold of `requests`, in their order, in the caller's transaction. The caller
    /// has locked the accounts and checked that each can pay for its holds (the database refuses
    /// a negative available amount). Three statements, however many holds.
    public func placeHolds(_ requests: [HoldRequest]) throws -> [Hold] {
        guard !requests.isEmpty else { return [] }
        // Identity values follow the ORDER BY, so the holds' keys keep the requests' order.
        var ids = ObjectIdSequence()
        let holds = try self.connection.query(
            """
            INSERT INTO credit_holds (hold_id, account_id, unit, amount, reference, expires_at)
            SELECT r.hold_id, r.account_id, r.unit, r.amount, r.reference, r.expires_at
            FROM unnest(\(requests.map { _ in "hold_" + ids.next() })::text[],
                        \(requests.map { String($0.accountKey) })::bigint[], \(requests.map(\.unit.rawValue))::text[],
                        \(requests.map(\.amount.description))::numeric[], \(requests.map(\.reference))::text[],
                        \(requests.map(\.expiresAt.rfc3339))::timestamptz[])
                WITH ORDINALITY AS r (hold_id, account_id, unit, amount, reference, expires_at, position)
            ORDER BY r.position
            RETURNING \(literal: Hold.columns)
            """
        ).map(Hold.init(row:)).sorted { $0.key < $1.key }
        try self.record(holds.map { hold in
            Movement(
                accountKey: hold.accountKey, type: .hold, unit: hold.unit, change: BalanceChange(reserved: hold.amount),
                cost: 0, holdKey: hold.key, reference: hold.reference, description: "Reserva \(hold.holdId)")
        })
        return holds
    }

    /// Charges `amount` (at most the hold) and releases the rest.
    @discardableResult
    public func post(holdId: String, amount: Amount) throws -> Hold {
        try self.resolve([(holdId, .post(amount: amount))])[0].get()
    }

    /// Releases the whole hold (the call never connected, or was not placed).
    @discardableResult
    public func void(holdId: String) throws -> Hold {
        try self.resolve([(holdId, .void)])[0].get()
    }

    /// Releases a hold whose call never reported back.
    @discardableResult
    public func expire(holdId: String) throws -> Hold {
        try self.resolve([(holdId, .expire)])[0].get()
    }

    /// Expires every pending hold past its `expires_at` in one transaction; returns how many.
    /// A hold resolved meanwhile by a post or a void is left as it is.
    public func expireDue(now: Timestamp = .now(), limit: Int = 1000) throws -> Int {
        let due = try self.connection.query(
            """
            SELECT hold_id FROM credit_holds
            WHERE status = 'pending' AND expires_at <= \(now)
            ORDER BY expires_at LIMIT \(limit)
            """)
        guard !due.isEmpty else { return 0 }
        let results = try self.resolve(try due.map { (try $0.string("hold_id"), HoldState.Event.expire) })
        return results.filter { (try? $0.get()) != nil }.count
    }

    /// Resolves each hold by its event, in one transaction: the accounts are locked, then the
    /// holds, each event is decided by `HoldState`, and the holds, the balances and the ledger are
    /// written in one statement each. Each result is the resolved hold or why its event was refused
    /// (a refused event changes nothing; the others still apply). A caller whose transaction has
    /// locked the holds' accounts already passes them as `lockedAccounts`.
    public func resolve(
        _ events: [(holdId: String, event: HoldState.Event)], lockedAccounts: [Int64: Account]? = nil
    ) throws -> [Result<Hold, LedgerError>] {
        guard !events.isEmpty else { return [] }
        return try self.connection.transaction {
            let holdIds = events.map(\.holdId)
            let accounts = try lockedAccounts ?? AccountStore(connection: self.connection).lock(keys: try self.connection.query(
                "SELECT DISTINCT account_id FROM credit_holds WHERE hold_id = ANY (\(holdIds)::text[])"
            ).map { try $0.int("account_id") })
            var holds: [String: Hold] = [:]
            for row in try self.connection.query(
                "SELECT \(literal: Hold.columns) FROM credit_holds WHERE hold_id = ANY (\(holdIds)::text[]) ORDER BY id FOR UPDATE")
            {
                let hold = try Hold(row: row)
                holds[hold.holdId] = hold
            }
            var results: [Result<HoldState.Resolution, LedgerError>] = []
            var resolved: [(hold: Hold, resolution: HoldState.Resolution)] = []
            for (holdId, event) in events {
                guard let hold = holds[holdId] else {
                    results.append(.failure(.holdNotFound))
                    continue
                }
                switch hold.state.apply(event, holdAmount: hold.amount) {
                case .success(let resolution):
                    results.append(.success(resolution))
                    resolved.append((hold, resolution))
                    // The same hold twice in one call: the second event meets it resolved.
                    holds[holdId] = hold.resolved(as: resolution.state)
                case .failure(let rejection):
                    results.append(.failure(.holdRejected(rejection)))
                }
            }
            var updated: [String: Hold] = [:]
            if !resolved.isEmpty {
                for row in try self.connection.query(
                    """
                    UPDATE credit_holds SET status = r.new_status, posted_amount = r.new_posted_amount, resolved_at = now()
                    FROM unnest(\(resolved.map { String($0.hold.key) })::bigint[],
                                \(resolved.map(\.resolution.state.rawValue))::text[],
                                \(resolved.map { $0.resolution.state == .posted ? $0.resolution.charged.description : nil })::numeric[])
                        AS r (hold_key, new_status, new_posted_amount)
                    WHERE credit_holds.id = r.hold_key
                    RETURNING \(literal: Hold.columns)
                    """)
                {
                    let hold = try Hold(row: row)
                    updated[hold.holdId] = hold
                }
                // Each hold leaves `reserved` whole; what it charged is a usage row of its own.
                try self.record(resolved.flatMap { hold, resolution in
                    let costPerMinute = accounts[hold.accountKey]?.costPerMinute ?? 0
                    var rows = [
                        Movement(
                            accountKey: hold.accountKey, type: .holdRelease, unit: hold.unit,
                            change: BalanceChange(reserved: 0 - hold.amount), cost: 0, holdKey: hold.key,
                            reference: hold.reference, description: "Liberación \(hold.holdId) (\(resolution.state.rawValue))"),
                    ]
                    if resolution.charged > 0 {
                        rows.append(Movement(
                            accountKey: hold.accountKey, type: .callUsage, unit: hold.unit,
                            change: BalanceChange(charged: resolution.charged),
                            cost: hold.unit == .credits ? resolution.charged : resolution.charged.multiplied(by: costPerMinute),
                            holdKey: hold.key, reference: hold.reference, description: "Uso \(hold.holdId)"))
                    }
                    return rows
                })
            }
            return zip(events, results).map { event, result in
                result.flatMap { _ in updated[event.holdId].map { .success($0) } ?? .failure(.holdNotFound) }
            }
        }
    }

    /// Unlimited plans: charges nothing against a balance but records the usage and its cost
    /// (`lockedAccounts`: as for `resolve`).
    @discardableResult
    public func recordUnlimitedUsage(_ usages: [UnlimitedUsage], lockedAccounts: [Int64: Account]? = nil) throws -> [LedgerEntry] {
        guard !usages.isEmpty else { return [] }
        return try self.connection.transaction {
            let accounts = try lockedAccounts ?? AccountStore(connection: self.connection).lock(keys: usages.map(\.accountKey))
            guard usages.allSatisfy({ accounts[$0.accountKey] != nil }) else { throw LedgerError.accountNotFound }
            return try self.record(usages.map { usage in
                Movement(
                    accountKey: usage.accountKey, type: .callUsage, unit: .credits,
                    change: BalanceChange(usedWithoutCharge: usage.cost), cost: usage.cost, holdKey: nil,
                    reference: usage.reference, description: "Uso (plan ilimitado)")
            }).entries
        }
    }

    // MARK: Internals

    /// What one ledger row does to its account's cached balances, in the row's unit.
    struct BalanceChange {
        /// Added to the balance (credits: `credit_balance`; minutes: `minutes_purchased`).
        var toppedUp: Amount = 0
        /// Added to the reserved amount (negative to release).
        var reserved: Amount = 0
        /// Taken from the balance and added to `used`.
        var charged: Amount = 0
        /// Added to `credit_used` without touching the balance (unlimited plans, which count in credits).
        var usedWithoutCharge: Amount = 0

        /// The row's signed `amount`: how much the balance moves.
        var balance: Amount { self.toppedUp - self.charged }

        static func + (lhs: BalanceChange, rhs: BalanceChange) -> BalanceChange {
            BalanceChange(
                toppedUp: lhs.toppedUp + rhs.toppedUp, reserved: lhs.reserved + rhs.reserved,
                charged: lhs.charged + rhs.charged, usedWithoutCharge: lhs.usedWithoutCharge + rhs.usedWithoutCharge)
        }
    }

    /// One ledger row to append, with the change it makes to its account.
    struct Movement {
        let accountKey: Int64
        let type: TransactionType
        let unit: LedgerUnit
        let change: BalanceChange
        let cost: Amount
        let holdKey: Int64?
        let reference: String?
        let description: String
    }

    /// Appends `movements`, in their order, for accounts the transaction has locked: one UPDATE adds
    /// each account's sums to its balances, and one INSERT writes the rows, each with the balances
    /// after it (the account's new balances walked back over its rows). Returns the accounts as
    /// they are now and the rows written.
    @discardableResult
    func record(_ movements: [Movement]) throws -> (accounts: [Int64: Account], entries: [LedgerEntry]) {
        guard !movements.isEmpty else { return ([:], []) }
        var sums: [Int64: (credits: BalanceChange, minutes: BalanceChange)] = [:]
        for movement in movements {
            var sum = sums[movement.accountKey] ?? (BalanceChange(), BalanceChange())
            if movement.unit == .credits { sum.credits = sum.credits + movement.change } else {
                sum.minutes = sum.minutes + movement.change
            }
            sums[movement.accountKey] = sum
        }
        let keys = sums.keys.sorted()
        let changes = keys.map { sums[$0]! }
        var accounts: [Int64: Account] = [:]
        for row in try self.connection.query(
            """
            UPDATE accounts SET
                credit_balance = credit_balance + d.add_credit_balance,
                credit_reserved = credit_reserved + d.add_credit_reserved,
                credit_used = credit_used + d.add_credit_used,
                minutes_purchased = minutes_purchased + d.add_minutes_purchased,
                minutes_reserved = minutes_reserved + d.add_minutes_reserved,
                minutes_used = minutes_used + d.add_minutes_used,
                last_topup_at = CASE WHEN d.topped_up THEN now() ELSE last_topup_at END
            FROM unnest(\(keys.map(String.init))::bigint[],
                        \(changes.map(\.credits.balance.description))::numeric[],
                        \(changes.map(\.credits.reserved.description))::numeric[],
                        \(changes.map { ($0.credits.charged + $0.credits.usedWithoutCharge).description })::numeric[],
                        \(changes.map(\.minutes.toppedUp.description))::numeric[],
                        \(changes.map(\.minutes.reserved.description))::numeric[],
                        \(changes.map(\.minutes.charged.description))::numeric[],
                        \(changes.map { $0.credits.toppedUp > 0 || $0.minutes.toppedUp > 0 ? "true" : "false" })::boolean[])
                AS d (account_key, add_credit_balance, add_credit_reserved, add_credit_used, add_minutes_purchased,
                      add_minutes_reserved, add_minutes_used, topped_up)
            WHERE accounts.id = d.account_key
            RETURNING \(literal: Account.columns)
            """)
        {
            let account = try Account(row: row)
            accounts[account.key] = account
        }
        // Walk each account's rows forward from its balances before them.
        var running: [Int64: (credits: (balance: Amount, reserved: Amount), minutes: (balance: Amount, reserved: Amount))] = [:]
        for key in keys {
            guard let account = accounts[key], let sum = sums[key] else { throw LedgerError.accountNotFound }
            let credits = account.balances(in: .credits)
            let minutes = account.balances(in: .minutes)
            running[key] = (
                (credits.balance - sum.credits.balance, credits.reserved - sum.credits.reserved),
                (minutes.balance - sum.minutes.balance, minutes.reserved - sum.minutes.reserved))
        }
        var after: [(balance: Amount, reserved: Amount)] = []
        for movement in movements {
            var state = running[movement.accountKey]!
            if movement.unit == .credits {
                state.credits = (state.credits.balance + movement.change.balance, state.credits.reserved + movement.change.reserved)
                after.append(state.credits)
            } else {
                state.minutes = (state.minutes.balance + movement.change.balance, state.minutes.reserved + movement.change.reserved)
                after.append(state.minutes)
            }
            running[movement.accountKey] = state
        }
        var ids = ObjectIdSequence()
        let entries = try self.connection.query(
            """
            WITH t AS (
                INSERT INTO credit_transactions (transaction_id, account_id, type, unit, amount, reserved_change, cost,
                    balance_after, reserved_after, hold_id, reference, description)
                SELECT m.transaction_id, m.account_id, m.type, m.unit, m.amount, m.reserved_change, m.cost, m.balance_after,
                    m.reserved_after, m.hold_id, m.reference, m.description
                FROM unnest(\(movements.map { _ in "txn_" + ids.next() })::text[],
                            \(movements.map { String($0.accountKey) })::bigint[], \(movements.map(\.type.rawValue))::text[],
                            \(movements.map(\.unit.rawValue))::text[],
                            \(movements.map(\.change.balance.description))::numeric[],
                            \(movements.map(\.change.reserved.description))::numeric[], \(movements.map(\.cost.description))::numeric[],
                            \(after.map(\.balance.description))::numeric[], \(after.map(\.reserved.description))::numeric[],
                            \(movements.map { $0.holdKey.map(String.init) })::bigint[], \(movements.map(\.reference))::text[],
                            \(movements.map(\.description))::text[])
                    WITH ORDINALITY AS m (transaction_id, account_id, type, unit, amount, reserved_change, cost, balance_after,
                        reserved_after, hold_id, reference, description, position)
                ORDER BY m.position
                RETURNING *
            )
            SELECT \(literal: LedgerEntry.columns) FROM t ORDER BY t.id
            """
        ).map(LedgerEntry.init(row:))
        return (accounts, entries)
    }

    /// One page of an account's ledger, newest first, optionally of one type.
    public func entries(accountKey: Int64, type: TransactionType?, limit: Int, skip: Int) throws -> (
        entries: [LedgerEntry], total: Int
    ) {
        let typeName = type?.rawValue
        let matching: SQLQuery = "WHERE t.account_id = \(accountKey) AND (\(typeName)::text IS NULL OR t.type = \(typeName))"
        let rows = try self.connection.query(
            """
            SELECT \(literal: LedgerEntry.columns)
            FROM credit_transactions t
            \(matching)
            ORDER BY t.created_at DESC, t.id DESC
            LIMIT \(limit) OFFSET \(skip)
            """)
        let total = try self.connection.query("SELECT count(*) AS total FROM credit_transactions t \(matching)")[0].int("total")
        return (try rows.map(LedgerEntry.init(row:)), Int(total))
    }
}
