import JSON
import Time

/// Retell AI over HTTPS: `POST /v2/create-phone-call` and `GET /v2/get-call/{id}`.
public struct RetellClient: CallProvider {
    public let name = "retell"
    public let baseURL: String
    let apiKey: String
    let http: HTTPClient

    public init(baseURL: String, apiKey: String, http: HTTPClient = HTTPClient()) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.apiKey = apiKey
        self.http = http
    }

    private var headers: [(String, String)] {
        [("Authorization", "Bearer \(self.apiKey)"), ("Content-Type", "application/json"), ("Accept", "application/json")]
    }

    public func place(_ request: CallRequest) -> Placement {
        var body: JSONObject = ["to_number": .string(request.toNumber)]
        if let from = request.fromNumber { body["from_number"] = .string(from) }
        if let agent = request.agentId { body["override_agent_id"] = .string(agent) }
        body["retell_llm_dynamic_variables"] = .object(request.dynamicVariables)
        body["metadata"] = .object(request.metadata)
        switch self.http.send(
            method: "POST", url: self.baseURL + "/v2/create-phone-call", headers: self.headers,
            body: JSON.object(body).serialized())
        {
        case .failure(let failure):
            return failure.requestSent ? .uncertain(reason: failure.message) : .refused(reason: failure.message)
        case .success(let response):
            switch response.status {
            case 200..<300:
                guard let call = try? JSON.parse(response.body), let id = call["call_id"]?.stringValue else {
                    return .uncertain(reason: "the provider accepted the call without a call_id")
                }
                return .accepted(providerCallId: id)
            case 400..<500:
                // The provider validated and refused the request: no call was created.
                return .refused(reason: "HTTP \(response.status): \(Self.message(response.body))")
            default:
                return .uncertain(reason: "HTTP \(response.status)")
            }
        }
    }

    public func fetch(providerCallId: String) -> PollResult {
        let escaped = providerCallId.utf8.allSatisfy { $0 < 0x80 && ($0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") || (0x30...0x39).contains($0) || (0x41...0x5A).contains($0) || (0x61...0x7A).contains($0)) }
        guard escaped else { return .unknown(reason: "unexpected characters in the call id") }
        switch self.http.send(method: "GET", url: self.baseURL + "/v2/get-call/\(providerCallId)", headers: self.headers) {
        case .failure(let failure): return .unknown(reason: failure.message)
        case .success(let response):
            guard response.status == 200, let call = (try? JSON.parse(response.body))?.objectValue else {
                return .unknown(reason: "HTTP \(response.status)")
            }
            return .report(CallReport(retellCall: call))
        }
    }

    static func message(_ body: [UInt8]) -> String {
        if let parsed = try? JSON.parse(body), let message = parsed["message"]?.stringValue ?? parsed["error_message"]?.stringValue {
            return String(message.prefix(200))
        }
        return "refused"
    }
}
