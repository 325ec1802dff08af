import Authentication
import Batches
import FastCGI
import JSON
import PostgreSQL
import Reporting
import Routing
import Time

/// `/api/v1/calls/history` and `/api/v1/calls/{call_id}`: every attempt, newest first.
enum CallRoutes {
    static func register(on keyed: Router.Group<Principal>, context: AppContext) {
        // Before `{call_id}`: routes match in registration order.
        keyed.get("/api/v1/calls/history") { request, _, principal in try history(request, principal, context) }
        keyed.get("/api/v1/calls/{call_id}") { _, parameters, principal in
            let reference = try parameters.require("call_id")
            return try context.database.withConnection { connection in
                guard !reference.unicodeScalars.contains(where: { $0.value < 0x20 }),
                    let found = try CallHistoryStore(connection: connection).find(reference)
                else { throw HTTPError.callNotFound }
                if case .account(let key, _) = principal, key != found.accountKey { throw HTTPError.callNotFound }
                return .json(found.listing.detailJSON)
            }
        }
    }

    static func history(_ request: Request, _ principal: Principal, _ context: AppContext) throws -> Response {
        let page = try Page(request, context)
        var filter = CallFilter()
        var problems: [HTTPError.FieldError] = []
        if let status = request.query["status"], !status.isEmpty {
            if CallFilter.statuses.contains(status) {
                filter.status = status
            } else {
                problems.append(.init(field: "status", message: "must be one of \(CallFilter.statuses.sorted().joined(separator: ", "))"))
            }
        }
        if let phone = request.query["phone"], !phone.isEmpty {
            if phone.utf8.count <= 16, phone.first == "+", phone.dropFirst().allSatisfy(\.isASCIIDigit) {
                filter.phone = phone
            } else {
                problems.append(.init(field: "phone", message: "must be a number in E.164 form (+56912345678)"))
            }
        }
        for (name, keyPath) in [("start_date", \CallFilter.fromDay), ("end_date", \CallFilter.toDay)] {
            guard let text = request.query[name], !text.isEmpty else { continue }
            if let day = CivilDate(iso: text) {
                filter[keyPath: keyPath] = day
            } else {
                problems.append(.init(field: name, message: "must be a date (YYYY-MM-DD), a day in the account's time zone"))
            }
        }
        if let from = filter.fromDay, let to = filter.toDay, to < from {
            problems.append(.init(field: "end_date", message: "must not be before start_date"))
        }
        if !problems.isEmpty { throw HTTPError.validation(problems) }
        return try context.database.withConnection { connection in
            filter.accountKey = try context.scopedAccountKey(request, principal, connection)
            if let reference = request.query["batch_id"], !reference.isEmpty {
                filter.batchKey = try context.visibleBatch(reference, principal, connection).key
            }
            if let reference = request.query["job_id"], !reference.isEmpty {
                filter.jobKey = try context.visibleJob(reference, principal, connection).key
            }
            let (calls, total) = try CallHistoryStore(connection: connection).list(filter, limit: page.limit, skip: page.skip)
            return page.response("calls", calls.map(\.summaryJSON), total: total)
        }
    }
}

extension HTTPError {
    static let callNotFound = HTTPError.notFound("Call not found")
}

extension Character {
    fileprivate var isASCIIDigit: Bool { self >= "0" && self <= "9" }
}

extension CallListing {
    /// The seed's history item plus the disconnection reason and the recording.
    var summaryJSON: JSON {
        .object(self.summaryObject)
    }

    private var summaryObject: JSONObject {
        [
            "call_id": .string(self.call.attemptId),
            "provider_call_id": .string(self.call.providerCallId),
            "job_id": .string(self.jobId),
            "batch_id": .string(self.batchId),
            "account_id": .string(self.accountId),
            "contact_name": .string(self.contactName ?? ""),
            "phone": .string(self.call.phone),
            "attempt": .int(Int64(self.call.attempt)),
            "status": .string(self.call.status),
            "outcome": .string(self.call.outcome),
            "disconnection_reason": .string(self.call.disconnectionReason),
            "duration_ms": self.call.durationMs.map(JSON.int) ?? .null,
            "cost": self.call.chargedCost.map(JSON.amount) ?? .null,
            "recording_url": .string(self.call.recordingURL),
            "created_at": .timestamp(self.call.createdAt),
            "started_at": .timestamp(self.call.startedAt),
            "ended_at": .timestamp(self.call.endedAt),
        ]
    }

    /// Everything about one call, with its transcript and the provider's analysis.
    var detailJSON: JSON {
        var object = self.summaryObject
        object.append([
            "agent_id": .string(self.call.agentId),
            "call_status": .string(self.call.callStatus),
            "charged_minutes": self.call.chargedMinutes.map(JSON.amount) ?? .null,
            "transcript": .string(self.transcript),
            "public_log_url": .string(self.call.publicLogURL),
            "analysis": self.call.analysisJSON.map(JSON.stored) ?? .null,
            "collected_variables": self.call.collectedVariablesJSON.map(JSON.stored) ?? .null,
            "last_error": .string(self.call.lastError),
            "accepted_at": .timestamp(self.call.acceptedAt),
            "settled_at": .timestamp(self.call.settledAt),
        ])
        return .object(object)
    }
}
