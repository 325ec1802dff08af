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

/// Every movement of money or minutes. Each operation runs in one transaction (or joins the
/// caller's), locks the account row first (`SELECT … FOR UPDATE`; then the hold, always in that
/// order, so two operations never deadlock), writes ledger rows carrying the balances after them,
/// and keeps the account's cached balances equal to the ledger.
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
            let updated = try self.apply(BalanceChange(toppedUp: amount), to: accountKey, in: unit)
            let entry = try self.append(
                accountKey, type: unit == .credits ? .topupCredits : .topupMinutes, unit: unit, amount: amount,
                reservedChange: 0, cost: unit == .credits ? amount : amount.multiplied(by: account.costPerMinute),
                after: updated.balances(in: unit), holdKey: nil, reference: reference,
                description: description ?? "Recarga de \(amount) \(unit == .credits ? "créditos" : "minutos")")
            return (updated, entry)
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
            let hold = try Hold(
                row: self.connection.query(
                    """
                    INSERT INTO credit_holds (account_id, unit, amount, reference, expires_at)
                    VALUES (\(accountKey), \(unit.rawValue), \(amount), \(reference), \(expiresAt))
                    RETURNING \(literal: Hold.columns)
                    """)[0])
            let updated = try self.apply(BalanceChange(reserved: amount), to: accountKey, in: unit)
            try self.append(
                accountKey, type: .hold, unit: unit, amount: 0, reservedChange: amount, cost: 0,
                after: updated.balances(in: unit), holdKey: hold.key, reference: reference, description: "Reserva \(hold.holdId)")
            return .held(hold)
        }
    }

    /// Charges `amount` (at most the hold) and releases the rest.
    @discardableResult
    public func post(holdId: String, amount: Amount) throws -> Hold {
        try self.resolve(holdId: holdId, .post(amount: amount))
    }

    /// Releases the whole hold (the call never connected, or was not placed).
    @discardableResult
    public func void(holdId: String) throws -> Hold {
        try self.resolve(holdId: holdId, .void)
    }

    /// Releases a hold whose call never reported back.
    @discardableResult
    public func expire(holdId: String) throws -> Hold {
        try self.resolve(holdId: holdId, .expire)
    }

    /// Expires every pending hold past its `expires_at` (each in its own transaction); returns how
    /// many. Holds another transaction is resolving right now are skipped, not waited for.
    public func expireDue(now: Timestamp = .now(), limit: Int = 1000) throws -> Int {
        let due = try self.connection.query(
            """
            SELECT hold_id FROM credit_holds
            WHERE status = 'pending' AND expires_at <= \(now)
            ORDER BY expires_at LIMIT \(limit)
            """)
        var expired = 0
        for row in due {
            do {
                try self.expire(holdId: try row.string("hold_id"))
                expired += 1
            } catch LedgerError.holdRejected(.alreadyResolved) {
                continue  // resolved meanwhile by a post or void: nothing to release
            }
        }
        return expired
    }

    /// Unlimited plans: charges nothing against a balance but records the usage and its cost.
    public func recordUnlimitedUsage(accountKey: Int64, cost: Amount, reference: String?) throws -> LedgerEntry {
        try self.connection.transaction {
            guard try AccountStore(connection: self.connection).lock(key: accountKey) != nil else {
                throw LedgerError.accountNotFound
            }
            let updated = try self.apply(BalanceChange(usedWithoutCharge: cost), to: accountKey, in: .credits)
            return try self.append(
                accountKey, type: .callUsage, unit: .credits, amount: 0, reservedChange: 0, cost: cost,
                after: updated.balances(in: .credits), holdKey: nil, reference: reference, description: "Uso (plan ilimitado)")
        }
    }

    // MARK: Internals

    private func resolve(holdId: String, _ event: HoldState.Event) throws -> Hold {
        try self.connection.transaction {
            // Lock order: account, then hold.
            guard let accountKey = try self.connection.query("SELECT account_id FROM credit_holds WHERE hold_id = \(holdId)")
                .first?.int("account_id")
            else { throw LedgerError.holdNotFound }
            guard let account = try AccountStore(connection: self.connection).lock(key: accountKey) else {
                throw LedgerError.accountNotFound
            }
            let hold = try Hold(
                row: self.connection.query(
                    "SELECT \(literal: Hold.columns) FROM credit_holds WHERE hold_id = \(holdId) FOR UPDATE")[0])
            let resolution: HoldState.Resolution
            switch hold.state.apply(event, holdAmount: hold.amount) {
            case .success(let value): resolution = value
            case .failure(let rejection): throw LedgerError.holdRejected(rejection)
            }
            let posted: Amount? = resolution.state == .posted ? resolution.charged : nil
            let resolved = try Hold(
                row: self.connection.query(
                    """
                    UPDATE credit_holds SET status = \(resolution.state.rawValue), posted_amount = \(posted),
                        resolved_at = now()
                    WHERE id = \(hold.key)
                    RETURNING \(literal: Hold.columns)
                    """)[0])
            // One UPDATE releases the hold and charges the cost; the release row records the
            // balances between the two steps (before the charge).
            let unit = hold.unit
            let final = try self.apply(
                BalanceChange(reserved: -hold.amount, charged: resolution.charged), to: accountKey, in: unit
            ).balances(in: unit)
            try self.append(
                accountKey, type: .holdRelease, unit: unit, amount: 0, reservedChange: -hold.amount, cost: 0,
                after: (final.balance + resolution.charged, final.reserved), holdKey: hold.key, reference: hold.reference,
                description: "Liberación \(hold.holdId) (\(resolution.state.rawValue))")
            if resolution.charged > 0 {
                try self.append(
                    accountKey, type: .callUsage, unit: unit, amount: -resolution.charged, reservedChange: 0,
                    cost: unit == .credits ? resolution.charged : resolution.charged.multiplied(by: account.costPerMinute),
                    after: final, holdKey: hold.key, reference: hold.reference, description: "Uso \(hold.holdId)")
            }
            return resolved
        }
    }

    /// What one operation does to an account's cached balances, in the unit of the operation.
    struct BalanceChange {
        /// Added to the balance (credits: `credit_balance`; minutes: `minutes_purchased`).
        var toppedUp: Amount = 0
        /// Added to the reserved amount (negative to release).
        var reserved: Amount = 0
        /// Taken from the balance and added to `used`.
        var charged: Amount = 0
        /// Added to `used` without touching the balance (unlimited plans).
        var usedWithoutCharge: Amount = 0
    }

    /// Applies `change` to the account's balances of `unit` in one UPDATE and returns the account after it.
    private func apply(_ change: BalanceChange, to accountKey: Int64, in unit: LedgerUnit) throws -> Account {
        let credits = unit == .credits ? change : BalanceChange()
        let minutes = unit == .minutes ? change : BalanceChange()
        let row = try self.connection.query(
            """
            UPDATE accounts SET
                credit_balance = credit_balance + \(credits.toppedUp - credits.charged),
                credit_reserved = credit_reserved + \(credits.reserved),
                credit_used = credit_used + \(credits.charged + credits.usedWithoutCharge),
                minutes_purchased = minutes_purchased + \(minutes.toppedUp),
                minutes_reserved = minutes_reserved + \(minutes.reserved),
                minutes_used = minutes_used + \(minutes.charged + minutes.usedWithoutCharge),
                last_topup_at = CASE WHEN \(change.toppedUp > 0) THEN now() ELSE last_topup_at END
            WHERE id = \(accountKey)
            RETURNING \(literal: Account.columns)
            """)[0]
        return try Account(row: row)
    }

    @discardableResult
    private func append(
        _ accountKey: Int64, type: TransactionType, unit: LedgerUnit, amount: Amount, reservedChange: Amount,
        cost: Amount, after: (balance: Amount, reserved: Amount), holdKey: Int64?, reference: String?, description: String
    ) throws -> LedgerEntry {
        let (balanceAfter, reservedAfter) = after
        let row = try self.connection.query(
            """
            WITH t AS (
                INSERT INTO credit_transactions (account_id, type, unit, amount, reserved_change, cost, balance_after,
                    reserved_after, hold_id, reference, description)
                VALUES (\(accountKey), \(type.rawValue), \(unit.rawValue), \(amount), \(reservedChange), \(cost),
                    \(balanceAfter), \(reservedAfter), \(holdKey), \(reference), \(description))
                RETURNING *
            )
            SELECT \(literal: LedgerEntry.columns) FROM t LEFT JOIN credit_holds h ON h.id = t.hold_id
            """)[0]
        return try LedgerEntry(row: row)
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
            FROM credit_transactions t LEFT JOIN credit_holds h ON h.id = t.hold_id
            \(matching)
            ORDER BY t.created_at DESC, t.id DESC
            LIMIT \(limit) OFFSET \(skip)
            """)
        let total = try self.connection.query("SELECT count(*) AS total FROM credit_transactions t \(matching)")[0].int("total")
        return (try rows.map(LedgerEntry.init(row:)), Int(total))
    }
}
