import Accounts
import Authentication
import Batches
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
    static func register(on router: Router, context: AppContext) {
        router.post("/api/v1/batches") { request, _ in try create(request, context) }
        router.get("/api/v1/batches") { request, _ in try list(request, context) }
        router.get("/api/v1/batches/{id}") { request, parameters in
            try context.database.withConnection { connection in
                let principal = try context.principal(request, connection)
                return .json(try context.visibleBatch(try parameters.require("id"), principal, connection).json)
            }
        }
        router.get("/api/v1/batches/{id}/jobs") { request, parameters in
            let page = try Page(request)
            let status = try jobStatus(request)
            return try context.database.withConnection { connection in
                let principal = try context.principal(request, connection)
                let batch = try context.visibleBatch(try parameters.require("id"), principal, connection)
                let (jobs, total) = try BatchStore(connection: connection).jobs(
                    batchKey: batch.key, status: status, limit: page.limit, skip: page.skip)
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

    static func list(_ request: Request, _ context: AppContext) throws -> Response {
        let page = try Page(request)
        let status = try queryChoice(request, "status", BatchStatus.self)
        var isActive: Bool?
        if let text = request.query["is_active"], !text.isEmpty {
            guard text == "true" || text == "false" else {
                throw HTTPError.validation([.init(field: "is_active", message: "must be true or false")])
            }
            isActive = text == "true"
        }
        return try context.database.withConnection { connection in
            let principal = try context.principal(request, connection)
            var filter = BatchFilter(status: status, isActive: isActive)
            if let reference = request.query["account_id"], !reference.isEmpty {
                filter.accountKey = try context.visibleAccount(reference, principal, connection).key
            } else if case .account(let key, _) = principal {
                filter.accountKey = key
            }
            let (batches, total) = try BatchStore(connection: connection).list(filter, limit: page.limit, skip: page.skip)
            return page.response("batches", batches.map(\.json), total: total)
        }
    }

    /// `POST /batches`: an empty batch, or one with the jobs of a `contacts` array (normalised and
    /// de-duplicated like an uploaded list).
    static func create(_ request: Request, _ context: AppContext) throws -> Response {
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
            let principal = try context.principal(request, connection)
            let account = try context.visibleAccount(accountReference, principal, connection)
            guard account.isActive else { throw ImportRefusal.accountSuspended }
            let settings = try IngestionRoutes.callSettings(settingsObject, account: account, connection: connection)
            let contactCountry = ContactCountry(country ?? account.country)
            let useCaseSettings = UseCaseSettings(companyName: companyName)
            let batch = NewBatch(
                accountKey: account.key, name: name, description: description, priority: priority,
                country: contactCountry.rawValue, useCase: useCase, processingType: .json, sourceFilename: nil,
                callSettings: settings, useCaseSettingsJSON: JSON.object(useCaseSettings.json).serializedString,
                retellAgentId: retellAgentId, estimatedCost: .zero)
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
            do {
                let (created, plan) = try importer.create(Importer.Request(
                    account: account, list: list, allowDuplicates: allowDuplicates, batch: batch,
                    useCaseSettings: useCaseSettings, referenceNumber: false))
                return .json([
                    "success": true,
                    "batch_id": .string(created.batchId),
                    "jobs_created": .int(Int64(created.counts.total)),
                    "contacts_processed": .int(Int64(list.contacts.count)),
                    "duplicates_skipped": .int(Int64(plan.duplicatesSkipped)),
                    "duplicates": IngestionRoutes.duplicatesJSON(plan),
                    "invalid_rows": .int(Int64(list.invalidRows)),
                    "row_errors": .array(list.rowErrors.map(\.json)),
                    "batch": created.json,
                ], status: 201)
            } catch ImportRefusal.noValidContacts {
                throw HTTPError.badRequest(
                    "No contact can be called (\(list.rowErrorCount) errors)", code: "NO_VALID_CONTACTS",
                    details: ["row_errors": .array(list.rowErrors.map(\.json))])
            }
        }
    }
}

extension AppContext {
    /// The batch `reference` (either id form) if the principal may see it; another tenant's batch
    /// is indistinguishable from a missing one (404).
    func visibleBatch(_ reference: String, _ principal: Principal, _ connection: Connection) throws -> Batch {
        guard !reference.unicodeScalars.contains(where: { $0.value < 0x20 }) else { throw HTTPError.batchNotFound }
        guard let batch = try BatchStore(connection: connection).find(reference) else { throw HTTPError.batchNotFound }
        if case .account(let key, _) = principal, key != batch.accountKey { throw HTTPError.batchNotFound }
        return batch
    }
}
