import Accounts
import JSON
import Money
import Time

extension JSON {
    static func timestamp(_ value: Timestamp?) -> JSON { value.map { .string($0.rfc3339) } ?? .null }

    /// An exact amount as a JSON number.
    static func amount(_ value: Amount) -> JSON { .number(value.description) }

    /// Embeds JSON text read from a jsonb column (trusted: PostgreSQL produced it).
    static func stored(_ text: String) -> JSON { (try? JSON.parse(text)) ?? .null }
}

extension Account {
    var json: JSON {
        [
            "account_id": .string(self.accountId),
            "_id": .string(self.objectId),
            "account_name": .string(self.accountName),
            "contact_name": .string(self.contactName),
            "contact_email": .string(self.contactEmail),
            "contact_phone": .string(self.contactPhone),
            "plan_type": .string(self.planType.rawValue),
            "status": .string(self.status.rawValue),
            "is_active": .bool(self.isActive),
            "suspension_reason": .string(self.suspensionReason),
            "country": .string(self.country.rawValue),
            "timezone": .string(self.timezone),
            "cost_per_minute": .amount(self.costPerMinute),
            "cost_per_call_setup": .amount(self.costPerCallSetup),
            "cost_failed_call": .amount(self.costFailedCall),
            "max_concurrent_calls": .int(Int64(self.maxConcurrentCalls)),
            "daily_call_limit": .int(Int64(self.dailyCallLimit)),
            "credit_balance": .amount(self.creditBalance),
            "credit_reserved": .amount(self.creditReserved),
            "credit_available": .amount(self.creditAvailable),
            "credit_used": .amount(self.creditUsed),
            "minutes_purchased": .amount(self.minutesPurchased),
            "minutes_used": .amount(self.minutesUsed),
            "minutes_reserved": .amount(self.minutesReserved),
            "minutes_available": .amount(self.minutesAvailable),
            "features": .stored(self.featuresJSON),
            "settings": .stored(self.settingsJSON),
            "last_topup_at": .timestamp(self.lastTopupAt),
            "created_at": .timestamp(self.createdAt),
            "updated_at": .timestamp(self.updatedAt),
        ]
    }

    /// Whether the dispatcher would call for this account now (status and balance).
    var canMakeCalls: Bool {
        guard self.isActive else { return false }
        switch self.planType {
        case .unlimited: return true
        case .creditBased: return self.creditAvailable >= self.costPerCallSetup && self.creditAvailable > 0
        case .minutesBased: return self.minutesAvailable > 0
        }
    }

    var balanceJSON: JSON {
        [
            "account_id": .string(self.accountId),
            "plan_type": .string(self.planType.rawValue),
            "status": .string(self.status.rawValue),
            "credit_balance": .amount(self.creditBalance),
            "credit_available": .amount(self.creditAvailable),
            "credit_reserved": .amount(self.creditReserved),
            "credit_used": .amount(self.creditUsed),
            "minutes_purchased": .amount(self.minutesPurchased),
            "minutes_used": .amount(self.minutesUsed),
            "minutes_reserved": .amount(self.minutesReserved),
            "minutes_available": .amount(self.minutesAvailable),
            "can_make_calls": .bool(self.canMakeCalls),
        ]
    }
}

extension LedgerEntry {
    func json(accountId: String) -> JSON {
        [
            "transaction_id": .string(self.transactionId),
            "_id": .string(self.transactionId),
            "account_id": .string(accountId),
            "type": .string(self.type.rawValue),
            "unit": .string(self.unit.rawValue),
            "amount": .amount(self.amount),
            "reserved_change": .amount(self.reservedChange),
            "cost": .amount(self.cost),
            "balance_after": .amount(self.balanceAfter),
            "reserved_after": .amount(self.reservedAfter),
            "hold_id": .string(self.holdId),
            "reference": .string(self.reference),
            "description": .string(self.description),
            "created_at": .timestamp(self.createdAt),
        ]
    }
}
