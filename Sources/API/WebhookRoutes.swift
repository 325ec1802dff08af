import Dispatching
import FastCGI
import JSON
import PostgreSQL
import Providers
import Routing
import Time

extension AppContext {
    /// The first step of the webhook group: Retell's signature over the raw body, checked before
    /// the body is parsed (401 when it is missing, forged or more than five minutes old).
    func verifyWebhookSignature(_ request: Request) throws -> Void {
        guard let key = self.webhookKey else {
            throw HTTPError(status: 401, code: "WEBHOOKS_NOT_CONFIGURED", message: "RETELL_WEBHOOK_KEY is not set")
        }
        switch WebhookSignature.verify(
            header: request.header("x-retell-signature"), body: request.body, key: key, now: .now())
        {
        case .success: return
        case .failure(let refusal):
            let why: String
            switch refusal {
            case .malformed: why = "missing or malformed x-retell-signature"
            case .stale: why = "the signature's timestamp is more than 5 minutes away"
            case .mismatch: why = "the signature does not match the body"
            }
            throw HTTPError(status: 401, code: "INVALID_SIGNATURE", message: "Webhook refused: \(why)")
        }
    }
}

/// `POST /api/v1/webhooks/retell`: call events. Idempotent per (call, event): a replay finds its
/// receipt and changes nothing. `call_ended` settles the call and its hold; `call_analyzed` stores
/// the analysis and the promised payment on the job; other events are acknowledged.
enum WebhookRoutes {
    static func register(on signed: Router.Group<Void>, context: AppContext) {
        signed.post("/api/v1/webhooks/retell") { request, _, _ in try receive(request, context) }
    }

    static func receive(_ request: Request, _ context: AppContext) throws -> Response {
        let body = try RequestBody.parse(request).object
        guard let event = body["event"]?.stringValue, let call = body["call"]?.objectValue,
            let providerCallId = call["call_id"]?.stringValue, !providerCallId.isEmpty
        else {
            throw HTTPError.badRequest("A webhook needs event and call.call_id", code: "INVALID_WEBHOOK")
        }
        let report = CallReport(retellCall: call)
        return try context.database.withConnection { connection in
            try connection.transaction {
                let receipt = try connection.query(
                    """
                    INSERT INTO webhook_receipts (provider_call_id, event) VALUES (\(providerCallId), \(event))
                    ON CONFLICT DO NOTHING RETURNING event
                    """)
                guard !receipt.isEmpty else { return .json(["received": true, "duplicate": true]) }
                let store = DispatchStore(connection: connection)
                guard let callKey = try store.callKey(providerCallId: providerCallId, attemptId: report.attemptId) else {
                    return .json(["received": true, "matched": false])
                }
                switch event {
                case "call_ended" where report.isFinal:
                    try store.settle(callKey: callKey, .reported(report), now: .now(), jitter: { Double.random(in: 0..<1) })
                case "call_analyzed":
                    try store.recordAnalysis(callKey: callKey, report)
                default:
                    break
                }
                return .json(["received": true, "matched": true])
            }
        }
    }
}
