import Money

/// The life of a credit hold, as a pure value: `pending` until it is posted (the actual cost is
/// charged, the rest released), voided (all released) or expired (all released by the sweeper),
/// exactly once. TigerBeetle's two-phase transfer, in miniature.
public enum HoldState: String, Sendable, Equatable, CaseIterable {
    case pending
    case posted
    case voided
    case expired

    public enum Event: Sendable, Equatable {
        /// Charge `amount` (at most the hold) and release the rest.
        case post(amount: Amount)
        case void
        case expire
    }

    public enum Rejection: Error, Sendable, Equatable {
        /// The hold was resolved before (posting, voiding or expiring it twice).
        case alreadyResolved(HoldState)
        /// A post for more than the hold, or for a negative amount.
        case invalidPostAmount
    }

    /// What resolving the hold moves, for the ledger rows.
    public struct Resolution: Sendable, Equatable {
        public let state: HoldState
        /// Charged to the balance.
        public let charged: Amount
        /// Returned from reserved to available (the whole hold leaves `reserved` either way).
        public let released: Amount
    }

    /// The state after `event` for a hold of `amount`, or why the event is refused.
    public func apply(_ event: Event, holdAmount amount: Amount) -> Result<Resolution, Rejection> {
        guard self == .pending else { return .failure(.alreadyResolved(self)) }
        switch event {
        case .post(let charged):
            guard charged >= 0, charged <= amount else { return .failure(.invalidPostAmount) }
            return .success(Resolution(state: .posted, charged: charged, released: amount - charged))
        case .void:
            return .success(Resolution(state: .voided, charged: 0, released: amount))
        case .expire:
            return .success(Resolution(state: .expired, charged: 0, released: amount))
        }
    }
}
