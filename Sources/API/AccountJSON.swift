import Accounts
import FoundationEssentials
import JSON
import Time

extension JSON {
    static func timestamp(_ value: Timestamp?) -> JSON { value.map { .string($0.rfc3339) } ?? .null }

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
            "cost_per_minute": .decimal(self.costPerMinute),
            "cost_per_call_setup": .decimal(self.costPerCallSetup),
            "cost_failed_call": .decimal(self.costFailedCall),
            "max_concurrent_calls": .int(Int64(self.maxConcurrentCalls)),
            "daily_call_limit": .int(Int64(self.dailyCallLimit)),
            "credit_balance": .decimal(self.creditBalance),
            "credit_reserved": .decimal(self.creditReserved),
            "credit_available": .decimal(self.creditAvailable),
            "credit_used": .decimal(self.creditUsed),
            "minutes_purchased": .decimal(self.minutesPurchased),
            "minutes_used": .decimal(self.minutesUsed),
            "minutes_reserved": .decimal(self.minutesReserved),
            "minutes_available": .decimal(self.minutesAvailable),
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
            "credit_balance": .decimal(self.creditBalance),
            "credit_available": .decimal(self.creditAvailable),
            "credit_reserved": .decimal(self.creditReserved),
            "credit_used": .decimal(self.creditUsed),
            "minutes_purchased": .decimal(self.minutesPurchased),
            "minutes_used": .decimal(self.minutesUsed),
            "minutes_reserved": .decimal(self.minutesReserved),
            "minutes_available": .decimal(self.minutesAvailable),
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
            "amount": .decimal(self.amount),
            "reserved_change": .decimal(self.reservedChange),
            "cost": .decimal(self.cost),
            "balance_after": .decimal(self.balanceAfter),
            "reserved_after": .decimal(self.reservedAfter),
            "hold_id": .string(self.holdId),
            "reference": .string(self.reference),
            "description": .string(self.description),
            "created_at": .timestamp(self.createdAt),
        ]
    }
}
