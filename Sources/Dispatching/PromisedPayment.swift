import JSON
import Money
import Time

/// The payment a debtor promised, as the voice agent collected it (strings such as "2026-12-15",
/// "15/12/2026", "$150.000"). What cannot be read is left out rather than guessed.
public struct PromisedPayment: Sendable, Equatable {
    public let date: CivilDate?
    public let amount: Amount?

    /// From a call's collected variables (`fecha_pago_cliente`, `monto_pago_cliente`); nil when
    /// neither is there or readable.
    public init?(variables: JSONObject) {
        self.date = variables["fecha_pago_cliente"]?.stringValue.flatMap(PromisedPayment.date)
        self.amount = (variables["monto_pago_cliente"]?.numberText ?? variables["monto_pago_cliente"]?.stringValue)
            .flatMap(PromisedPayment.amount)
        if self.date == nil && self.amount == nil { return nil }
    }

    public static func date(_ text: String) -> CivilDate? {
        let trimmed = text.trimmingPrefix(" ")
        if let iso = CivilDate(iso: String(trimmed.prefix(10))) { return iso }
        let parts = trimmed.split(whereSeparator: { $0 == "/" || $0 == "-" })
        guard parts.count == 3, let day = Int(parts[0]), let month = Int(parts[1]), let year = Int(parts[2]) else { return nil }
        return CivilDate(year: year < 100 ? 2000 + year : year, month: month, day: day)
    }

    /// Pesos: a `$`, spaces and thousands dots are dropped; a decimal comma becomes a point.
    public static func amount(_ text: String) -> Amount? {
        var cleaned = text.filter { $0 != "$" && $0 != " " }
        if cleaned.contains(",") {
            cleaned = cleaned.filter { $0 != "." }.map { $0 == "," ? "." : $0 }.reduce(into: "") { $0.append($1) }
        } else if let dot = cleaned.lastIndex(of: "."), cleaned.distance(from: dot, to: cleaned.endIndex) == 4 {
            cleaned = cleaned.filter { $0 != "." }
        }
        guard case .success(let amount) = Amount.parse(cleaned), amount >= 0 else { return nil }
        return amount
    }
}
