import JSON
import Time

/// A provider with no network: each number's outcome and duration follow from its digits, so a
/// whole campaign runs end to end on one machine and tests know what every call will do. The
/// result is ready `delay` after the call was placed and is fetched like a real call (poll), so it
/// goes through the same settlement as Retell's.
///
/// | last digit | outcome (Retell `disconnection_reason`) | connected | duration |
/// |---|---|---|---|
/// | 0–5 | `user_hangup` (a conversation) | yes | 20 s + the last two digits in seconds |
/// | 6 | `dial_no_answer` | no | 0 |
/// | 7 | `dial_busy` | no | 0 |
/// | 8 | `voicemail_reached` | yes | 15 s |
/// | 9 | `invalid_destination` | no | 0 |
///
/// In a conversation with a number ending in 0 the debtor promises to pay: the agent collects
/// `fecha_pago_cliente` (a week after the call) and `monto_pago_cliente` (10,000 pesos times the
/// second-to-last digit plus one), as a real agent's collected variables carry them.
public struct Simulator: CallProvider {
    public let name = "simulator"
    public let delay: Duration
    private let clock: @Sendable () -> Timestamp

    public init(delay: Duration, clock: @escaping @Sendable () -> Timestamp = Timestamp.now) {
        self.delay = delay
        self.clock = clock
    }

    /// The simulated result for `phone`: (disconnection reason, connected, duration in ms).
    public static func outcome(for phone: String) -> (reason: String, connected: Bool, durationMilliseconds: Int64) {
        let digits = phone.utf8.filter { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }.map { Int64($0 - UInt8(ascii: "0")) }
        let last = digits.last ?? 0
        let lastTwo = digits.count >= 2 ? digits[digits.count - 2] * 10 + last : last
        switch last {
        case 0...5: return ("user_hangup", true, (20 + lastTwo) * 1000)
        case 6: return ("dial_no_answer", false, 0)
        case 7: return ("dial_busy", false, 0)
        case 8: return ("voicemail_reached", true, 15_000)
        default: return ("invalid_destination", false, 0)
        }
    }

    /// The payment promised in a simulated conversation with `phone` (see the table above).
    public static func promise(for phone: String, placedAt: Timestamp) -> (date: CivilDate, pesos: Int)? {
        let digits = phone.utf8.filter { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }.map { Int($0 - UInt8(ascii: "0")) }
        guard digits.count >= 2, digits[digits.count - 1] == 0 else { return nil }
        let day = CivilDate(daysSinceEpoch: placedAt.microsecondsSinceEpoch / 86_400_000_000).adding(days: 7)
        return (day, (digits[digits.count - 2] + 1) * 10_000)
    }

    public func place(_ request: CallRequest) -> Placement {
        // The id carries what the result needs: the number and when the call was placed.
        .accepted(providerCallId: "sim_\(request.attemptId)_\(request.toNumber)_\(self.clock().microsecondsSinceEpoch)")
    }

    public func fetch(providerCallId: String) -> PollResult {
        let parts = providerCallId.split(separator: "_")
        guard parts.count == 5, parts[0] == "sim", let placedAt = Int64(parts[4]) else {
            return .unknown(reason: "not a simulated call")
        }
        let attemptId = "\(parts[1])_\(parts[2])"
        let phone = String(parts[3])
        let placed = Timestamp(microsecondsSinceEpoch: placedAt)
        let now = self.clock()
        var call: JSONObject = [
            "call_id": .string(providerCallId), "to_number": .string(phone),
            "metadata": ["attempt_id": .string(attemptId)],
        ]
        guard now >= placed.advanced(by: self.delay) else {
            call["call_status"] = "ongoing"
            return .report(CallReport(retellCall: call))
        }
        let outcome = Self.outcome(for: phone)
        call["call_status"] = .string(outcome.connected ? "ended" : "not_connected")
        call["disconnection_reason"] = .string(outcome.reason)
        call["duration_ms"] = .int(outcome.durationMilliseconds)
        call["start_timestamp"] = .int(placed.microsecondsSinceEpoch / 1000)
        call["end_timestamp"] = .int(placed.microsecondsSinceEpoch / 1000 + outcome.durationMilliseconds)
        if outcome.connected {
            call["transcript"] = "Agent: Hola, le llamamos por su deuda.\nUser: Gracias, pagaré."
            call["call_analysis"] = ["call_summary": "Simulated call", "user_sentiment": "Neutral"]
        }
        if let promise = Self.promise(for: phone, placedAt: placed) {
            call["collected_dynamic_variables"] = [
                "fecha_pago_cliente": .string(promise.date.iso), "monto_pago_cliente": .string(String(promise.pesos)),
            ]
        }
        return .report(CallReport(retellCall: call))
    }
}
