import Accounts
import Authentication
import Batches
import Imports
import FastCGI
import Ingestion
import JSON
import PostgreSQL
import Routing

extension HTTPError {
    static let batchNotFound = HTTPError.notFound("Batch not found")
}

/// `/api/v1/batches`: creating batches from JSON, reading them and their jobs.
enum BatchRoutes {
    static func register(on keyed: Router.Group<Principal>, context: AppContext) {
        keyed.post("/api/v1/batches") { request, _, principal in try create(request, principal, context) }
        keyed.get("/api/v1/batches") { request, _, principal in try list(request, principal, context) }
        keyed.get("/api/v1/batches/{id}") { _, parameters, principal in
            try context.database.withConnection { connection in
                .json(try context.visibleBatch(try parameters.require("id"), principal, connection).json)
            }
        }
        keyed.patch("/api/v1/batches/{id}") { request, parameters, principal in
            try update(request, try parameters.require("id"), principal, context)
        }
        keyed.delete("/api/v1/batches/{id}") { request, parameters, principal in
            try delete(request, try parameters.require("id"), principal, context)
        }
        keyed.get("/api/v1/batches/{id}/summary") { _, parameters, principal in
            try context.database.withConnection { connection in
                let batch = try context.visibleBatch(try parameters.require("id"), principal, connection)
                return .json(batch.summaryJSON(hourly: try BatchStore(connection: connection).hourlyStats(batchKey: batch.key)))
            }
        }
        keyed.get("/api/v1/batches/{id}/status") { _, parameters, principal in
            try context.database.withConnection { connection in
                .json(try context.visibleBatch(try parameters.require("id"), principal, connection).statusJSON)
            }
        }
        keyed.put("/api/v1/batches/{id}/pause") { request, parameters, principal in
            try setActive(false, request, try parameters.require("id"), principal, context)
        }
        keyed.put("/api/v1/batches/{id}/resume") { request, parameters, principal in
            try setActive(true, request, try parameters.require("id"), principal, context)
        }
        keyed.post("/api/v1/batches/{id}/cancel") { request, parameters, principal in
            try cancel(request, try parameters.require("id"), principal, context)
        }
        keyed.get("/api/v1/batches/{id}/jobs") { request, parameters, principal in
            let page = try Page(request, context)
            let status = try jobStatus(request)
            return try context.database.withConnection { connection in
                let batch = try context.visibleBatch(try parameters.require("id"), principal, connection)
                var filter = JobFilter()
                filter.batchKey = batch.key
                filter.status = status
                let (jobs, total) = try JobStore(connection: connection).list(filter, limit: page.limit, skip: page.skip)
                return page.response("jobs", jobs.map(\.json), total: total)
            }
        }
    }

    /// `status` of a job list; `done` is the legacy name of `completed`.
    static func jobStatus(_ request: Request) throws(HTTPError) -> JobStatus? {
        guard let text = request.query["status"], !text.isEmpty else { return nil }
        if text == "done" { return .completed }
        guard let status = JobStatus(rawValue: text) else {
            throw HTTPError.validation([
                .init(field: "status", message: "must be one of \(JobStatus.allCases.map(\.rawValue).joined(separator: ", ")), done")
            ])
        }
        return status
    }

    /// `status` of a batch list, in any case; the legacy console's RUNNING and PENDING mean active,
    /// and its ERROR matches no batch (nil status with `matchesNothing`).
    static func batchStatus(_ request: Request) throws(HTTPError) -> (status: BatchStatus?, matchesNothing: Bool) {
        guard let text = request.query["status"]?.lowercased(), !text.isEmpty else { return (nil, false) }
        switch text {
        case "running", "pending": return (.active, false)
        case "error": return (nil, true)
        default:
            guard let status = BatchStatus(rawValue: text) else {
                throw HTTPError.validation([
                    .init(field: "status", message: "must be one of \(BatchStatus.allCases.map(\.rawValue).joined(separator: ", "))")
                ])
            }
            return (status, false)
        }
    }

    static func list(_ request: Request, _ principal: Principal, _ context: AppContext) throws -> Response {
        let page = try Page(request, context)
        let (status, matchesNothing) = try batchStatus(request)
        let isActive = try queryBool(request, "is_active")
        return try context.database.withConnection { connection in
            var filter = BatchFilter(status: status, isActive: isActive)
            if let reference = request.query["account_id"], !reference.isEmpty {
                filter.accountKey = try context.visibleAccount(reference, principal, connection).key
            } else if case .account(let key, _) = principal {
                filter.accountKey = key
            }
            if matchesNothing { return page.response("batches", [], total: 0) }
            let (batches, total) = try BatchStore(connection: connection).list(filter, limit: page.limit, skip: page.skip)
            return page.response("batches", batches.map(\.json), total: total)
        }
    }

    /// `POST /batches`: an empty batch, or one with the jobs of a `contacts` array (normalised and
    /// de-duplicated like an uploaded list).
    static func create(_ request: Request, _ principal: Principal, _ context: AppContext) throws -> Response {
        var body = try RequestBody.parse(request)
        let accountReference = body.string("account_id", required: true, maxLength: 64)
        let name = body.string("name", required: true)
        let description = body.string("description", maxLength: 2000) ?? ""
        let priority = body.integer("priority", in: 1...4) ?? 1
        let settingsObject = body.object("call_settings")
        let allowDuplicates = body.bool("allow_duplicates") ?? false
        let contacts = body.array("contacts")
        let country = body.choice("country", Country.self)
        let useCase = body.choice("use_case", UseCase.self) ?? .debtCollection
        let companyName = body.string("company_name")
        let retellAgentId = body.string("retell_agent_id", maxLength: 128)
        let daysUntilDeadline = body.integer("dias_fecha_limite", in: 0...365)
        let daysUntilMaximum = body.integer("dias_fecha_maxima", in: 0...365)
        try body.finish()
        let rows = try contacts.map(JSONContacts.rows)
        guard let accountReference, let name else { throw HTTPError.badRequest("The body is incomplete") }

        return try context.database.withConnection { connection in
            let account = try context.visibleAccount(accountReference, principal, connection)
            guard account.isActive else { throw ImportRefusal.accountSuspended }
            let settings = try IngestionRoutes.callSettings(
                settingsObject, defaultTimezone: account.timezone, field: "call_settings", connection: connection)
            let contactCountry = ContactCountry(country ?? account.country)
            let batch = NewBatch(
                accountKey: account.key, name: name, description: description, priority: priority,
                country: contactCountry.rawValue, useCase: useCase, processingType: .json, sourceFilename: nil,
                callSettings: settings, useCaseSettings: UseCaseSettings(companyName: companyName),
                retellAgentId: retellAgentId)
            guard let rows, rows.count > 1 else {
                let created = try BatchStore(connection: connection).create(batch, jobs: [])
                return .json(["success": true, "batch_id": .string(created.batchId), "jobs_created": 0, "batch": created.json], status: 201)
            }
            var builder = ContactListBuilder(options: ImportOptions(
                country: contactCountry,
                today: try IngestionRoutes.today(in: settings?.timezone ?? account.timezone, connection),
                daysUntilDeadline: daysUntilDeadline, daysUntilMaximum: daysUntilMaximum))
            for row in rows { try builder.add(row) }
            let list = try builder.finish()
            let importer = Importer(connection: connection)
            let (created, plan) = try importer.create(Importer.Request(
                account: account, list: list, allowDuplicates: allowDuplicates, batch: batch, referenceNumber: false))
            return .json([
                "success": true,
                "batch_id": .string(created.batchId),
                "jobs_created": .int(Int64(created.counts.total)),
                "contacts_processed": .int(Int64(list.contacts.count)),
                "duplicates_skipped": .int(Int64(plan.duplicatesSkipped)),
                "duplicates": IngestionRoutes.duplicatesJSON(plan),
                "invalid_rows": .int(Int64(list.invalidRows)),
                "phones_dropped": .int(Int64(list.phonesDropped)),
                "row_errors": .array(list.rowErrors.map(\.json)),
                "batch": created.json,
            ], status: 201)
        }
    }
}

extension BatchRoutes {
    /// `PATCH /batches/{id}`: `is_active` (pause/resume), `name`, `description`, `priority`,
    /// `call_settings` (replaced whole; null clears them).
    static func update(_ request: Request, _ reference: String, _ principal: Principal, _ context: AppContext) throws -> Response {
        var body = try RequestBody.parse(request)
        var changes = BatchChanges()
        changes.name = body.string("name")
        changes.description = body.string("description", maxLength: 2000)
        changes.priority = body.integer("priority", in: 1...4)
        changes.isActive = body.bool("is_active")
        let clearsSettings = body.isExplicitNull("call_settings")
        let settingsObject = body.object("call_settings")
        try body.finish()
        if clearsSettings { changes.callSettings = .some(nil) }
        guard !changes.fieldNames.isEmpty || settingsObject != nil else {
            throw HTTPError.badRequest(
                "Nothing to change: send is_active, name, description, priority or call_settings", code: "NO_CHANGES")
        }
        return try context.database.withConnection { connection in
            let batch = try context.visibleBatch(reference, principal, connection)
            if let settingsObject {
                let settings = try IngestionRoutes.callSettings(
                    settingsObject, defaultTimezone: batch.accountTimezone, field: "call_settings", connection: connection)
                changes.callSettings = .some(settings)
            }
            let updated = try BatchStore(connection: connection).update(key: batch.key, accountKey: batch.accountKey, changes)
            let message: String
            switch changes.isActive {
            case true?: message = "Batch resumed"
            case false?: message = "Batch paused"
            case nil: message = "Batch updated successfully"
            }
            return .json([
                "success": true, "message": .string(message), "batch_id": .string(updated.batchId),
                "updated_fields": .array((changes.fieldNames + ["updated_at"]).map(JSON.string)), "batch": updated.json,
            ])
        }
    }

    static func setActive(
        _ active: Bool, _ request: Request, _ reference: String, _ principal: Principal, _ context: AppContext
    ) throws -> Response {
        try context.database.withConnection { connection in
            let batch = try context.visibleBatch(reference, principal, connection)
            let updated = try BatchStore(connection: connection).setActive(active, key: batch.key, accountKey: batch.accountKey)
            return .json([
                "success": true, "message": .string(active ? "Batch resumed" : "Batch paused"),
                "batch_id": .string(updated.batchId), "batch": updated.json,
            ])
        }
    }

    static func cancel(_ request: Request, _ reference: String, _ principal: Principal, _ context: AppContext) throws -> Response {
        let reason = try reasonParameter(request)
        return try context.database.withConnection { connection in
            let batch = try context.visibleBatch(reference, principal, connection)
            let outcome = try BatchStore(connection: connection).cancel(key: batch.key, accountKey: batch.accountKey, reason: reason)
            return .json([
                "success": true, "message": "Batch cancelled successfully", "batch_id": .string(outcome.batch.batchId),
                "reason": .string(outcome.batch.cancellationReason), "jobs_cancelled": .int(Int64(outcome.jobsChanged)),
                "batch": outcome.batch.json,
            ])
        }
    }

    static func delete(_ request: Request, _ reference: String, _ principal: Principal, _ context: AppContext) throws -> Response {
        let deleteJobs = try queryBool(request, "delete_jobs") ?? false
        return try context.database.withConnection { connection in
            let batch = try context.visibleBatch(reference, principal, connection)
            let changed = try BatchStore(connection: connection).delete(key: batch.key, accountKey: batch.accountKey, deleteJobs: deleteJobs)
            return .json([
                "success": true, "message": "Batch deleted", "batch_id": .string(batch.batchId),
                deleteJobs ? "jobs_deleted" : "jobs_cancelled": .int(Int64(changed)),
            ])
        }
    }
}

extension AppContext {
    /// The batch `reference` (either id form) if the principal may see it; another tenant's batch
    /// is indistinguishable from a missing one (404).
    func visibleBatch(_ reference: String, _ principal: Principal, _ connection: Connection) throws -> Batch {
        try self.visible(reference, principal, notFound: .batchNotFound, find: BatchStore(connection: connection).find) {
            $0.accountKey
        }
    }
}
