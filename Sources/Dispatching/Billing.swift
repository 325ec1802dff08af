import Accounts
import Money

/// What a call costs (PRODUCT.md §7): `setup + duration × cost_per_minute`, per second and exact to
/// 4 decimals, or `cost_failed_call` when it never connected. Minutes plans count the minutes
/// themselves. The hold placed before dialling covers the longest call the batch allows.
public struct Billing: Sendable, Equatable {
    public let costPerMinute: Amount
    public let costPerCallSetup: Amount
    public let costFailedCall: Amount
    /// `credits` or `minutes`; nil for unlimited plans, which hold nothing.
    public let unit: LedgerUnit?

    public init(costPerMinute: Amount, costPerCallSetup: Amount, costFailedCall: Amount, unit: LedgerUnit?) {
        self.costPerMinute = costPerMinute
        self.costPerCallSetup = costPerCallSetup
        self.costFailedCall = costFailedCall
        self.unit = unit
    }

    /// Minutes of `seconds`, exact to 4 decimals (rounded half up).
    static func minutes(seconds: Int64) -> Amount {
        Amount(tenThousandths: (seconds * 10_000 * 2 + 60) / 120)
    }

    /// The hold for a call of at most `maxCallSeconds`.
    public func hold(maxCallSeconds: Int) -> Amount {
        let minutes = Self.minutes(seconds: Int64(maxCallSeconds))
        switch self.unit {
        case .minutes?: return minutes
        default: return self.costPerCallSetup + minutes.multiplied(by: self.costPerMinute)
        }
    }

    /// The money value of a call, whatever the plan (stored on the call and the batch).
    public func cost(connected: Bool, durationMilliseconds: Int64) -> Amount {
        guard connected else { return self.costFailedCall }
        return self.costPerCallSetup + Self.minutes(seconds: Self.billedSeconds(durationMilliseconds)).multiplied(by: self.costPerMinute)
    }

    /// What is taken from the account's balance in its unit: the cost for credit plans, the
    /// minutes talked for minutes plans.
    public func charge(connected: Bool, durationMilliseconds: Int64) -> Amount {
        switch self.unit {
        case .minutes?: return connected ? Self.minutes(seconds: Self.billedSeconds(durationMilliseconds)) : 0
        default: return self.cost(connected: connected, durationMilliseconds: durationMilliseconds)
        }
    }

    /// Billing is per started second.
    static func billedSeconds(_ milliseconds: Int64) -> Int64 { (milliseconds + 999) / 1000 }
}
