/// Why a cell's value was refused. `reason` is shown to the customer in the row errors of a preview or an
/// import: short, in English, e.g. "invalid check digit (expected K)" or "impossible date 31/02/2025".
public struct ValueError: Error, Sendable, Equatable {
    public let reason: String

    public init(_ reason: String) {
        self.reason = reason
    }

    /// `reason` followed by the offending text, cut to 40 characters so that a stray paragraph in a cell
    /// does not flood the row errors (the full value travels next to the reason anyway).
    init(_ reason: String, quoting text: String) {
        let shown = text.count > 40 ? text.prefix(39) + "…" : Substring(text)
        self.reason = "\(reason) \(shown)"
    }
}
