/// The closed sets of values an account and its ledger use. Raw values are the wire and
/// database spellings.

public enum PlanType: String, Sendable, CaseIterable {
    case creditBased = "credit_based"
    case minutesBased = "minutes_based"
    case unlimited

    /// What this plan's holds and charges are counted in; unlimited plans hold nothing.
    public var unit: LedgerUnit? {
        switch self {
        case .creditBased: return .credits
        case .minutesBased: return .minutes
        case .unlimited: return nil
        }
    }
}

public enum AccountStatus: String, Sendable, CaseIterable {
    case active
    case suspended
}

public enum Country: String, Sendable, CaseIterable {
    case chile = "CL"
    case argentina = "AR"

    public var defaultTimeZone: String {
        switch self {
        case .chile: return "America/Santiago"
        case .argentina: return "America/Argentina/Buenos_Aires"
        }
    }
}

public enum LedgerUnit: String, Sendable, CaseIterable {
    case credits
    case minutes
}

public enum TransactionType: String, Sendable, CaseIterable {
    case topupCredits = "topup_credits"
    case topupMinutes = "topup_minutes"
    case hold
    case holdRelease = "hold_release"
    case callUsage = "call_usage"
    case refund
    case adjustment
}
