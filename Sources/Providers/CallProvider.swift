import JSON
import Money
import Time

/// What the dispatcher asks a provider to dial.
public struct CallRequest: Sendable {
    /// Our attempt's id: sent in the metadata, so that every webhook or poll finds its attempt.
    public let attemptId: String
    public let toNumber: String
    public let fromNumber: String?
    public let agentId: String?
    /// Strings only (Retell's `retell_llm_dynamic_variables`), in a stable order.
    public let dynamicVariables: JSONObject
    public let metadata: JSONObject

    public init(
        attemptId: String, toNumber: String, fromNumber: String?, agentId: String?, dynamicVariables: JSONObject,
        metadata: JSONObject
    ) {
        self.attemptId = attemptId
        self.toNumber = toNumber
        self.fromNumber = fromNumber
        self.agentId = agentId
        self.dynamicVariables = dynamicVariables
        self.metadata = metadata
    }
}

/// How asking for a call ended. Only `refused` means that no call exists: `uncertain` (a timeout
/// after the request went out, a server error) may have created one, so the attempt is left for a
/// webhook, a poll or the rescue to resolve, and never placed again in the same pass.
public enum Placement: Sendable, Equatable {
    case accepted(providerCallId: String)
    case refused(reason: String)
    case uncertain(reason: String)
}

/// A call as the provider reports it (Retell's call object, from a webhook or a poll).
public struct CallReport: Sendable, Equatable {
    /// `registered | not_connected | ongoing | ended | error`.
    public var callStatus: String
    public var disconnectionReason: String?
    public var durationMilliseconds: Int64?
    public var startedAt: Timestamp?
    public var endedAt: Timestamp?
    /// The provider's own cost of the call (Retell's `call_cost.combined_cost`, in cents), as sent.
    public var providerCost: Amount?
    public var transcript: String?
    public var recordingURL: String?
    public var publicLogURL: String?
    public var analysis: JSON?
    public var collectedVariables: JSONObject?
    /// Our attempt id from the call's metadata.
    public var attemptId: String?
    public var providerCallId: String?
    /// The whole object as received (stored for the record).
    public var raw: JSON

    public init(callStatus: String, raw: JSON = .null) {
        self.callStatus = callStatus
        self.raw = raw
    }

    /// Whether the call is over (its result final).
    public var isFinal: Bool { ["ended", "not_connected", "error"].contains(self.callStatus) }

    /// Reads Retell's call object.
    public init(retellCall call: JSONObject) {
        self.callStatus = call["call_status"]?.stringValue ?? "error"
        self.raw = .object(call)
        self.providerCallId = call["call_id"]?.stringValue
        self.disconnectionReason = call["disconnection_reason"]?.stringValue
        if case .int(let milliseconds)? = call["duration_ms"], milliseconds >= 0 { self.durationMilliseconds = milliseconds }
        if case .int(let start)? = call["start_timestamp"] { self.startedAt = Timestamp(unixMilliseconds: start) }
        if case .int(let end)? = call["end_timestamp"] { self.endedAt = Timestamp(unixMilliseconds: end) }
        if let cost = call["call_cost"]?["combined_cost"]?.numberText, case .success(let amount) = Amount.parse(cost) {
            self.providerCost = amount
        }
        self.transcript = call["transcript"]?.stringValue
        self.recordingURL = call["recording_url"]?.stringValue
        self.publicLogURL = call["public_log_url"]?.stringValue
        self.analysis = call["call_analysis"]
        self.collectedVariables = call["collected_dynamic_variables"]?.objectValue
            ?? call["call_analysis"]?["custom_analysis_data"]?.objectValue
        self.attemptId = call["metadata"]?["attempt_id"]?.stringValue
    }
}

/// What a poll found.
public enum PollResult: Sendable, Equatable {
    case report(CallReport)
    case unknown(reason: String)
}

/// A voice-AI provider: Retell over HTTPS, or the simulator. Implementations are safe to call
/// from several threads at once (the dispatcher places a pass's calls concurrently).
public protocol CallProvider: Sendable {
    /// `retell` or `simulator`: stored with each call.
    var name: String { get }
    func place(_ request: CallRequest) -> Placement
    func fetch(providerCallId: String) -> PollResult
}
