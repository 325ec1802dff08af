import Accounts
import Authentication
import Batches
import Imports
import FastCGI
import Ingestion
import JSON
import Money
import PostgreSQL
import Routing
import Spreadsheet
import Time

/// Contact-list uploads: `/batches/excel/preview|create`, `/batches/chile|argentina/{use_case}`,
/// and the use-case catalogue.
enum IngestionRoutes {
    /// 200,000 data rows plus the header (PRODUCT.md §5).
    static let spreadsheetLimits = SpreadsheetLimits(maxRows: 200_001)

    static func register(on keyed: Router.Group<Principal>, context: AppContext) {
        keyed.post("/api/v1/batches/excel/preview") { request, _, principal in
            try upload(request, .excel, principal, context, preview: true)
        }
        keyed.post("/api/v1/batches/excel/create") { request, _, principal in
            try upload(request, .excel, principal, context, preview: false)
        }
        // One route per country and use case (not `{use_case}`): each has its own form (marketing adds the
        // offer's fields), which the OpenAPI document can then state exactly; another use case is a 404.
        for (path, country) in [("chile", ContactCountry.chile), ("argentina", .argentina)] {
            for useCase in UseCase.allCases {
                keyed.post("/api/v1/batches/\(path)/\(useCase.rawValue)") { request, _, principal in
                    try upload(request, .country(country, useCase), principal, context, preview: false)
                }
            }
        }
        keyed.get("/api/v1/use-cases") { _, _, _ in
            .json([
                "success": true,
                "use_cases": .array(UseCase.allCases.map {
                    ["id": .string($0.rawValue), "name": .string($0.displayName), "description": .string($0.summary)]
                }),
                "countries": [
                    "chile": "/api/v1/batches/chile/{use_case}",
                    "argentina": "/api/v1/batches/argentina/{use_case}",
                ],
            ])
        }
    }

    static func upload(
        _ request: Request, _ endpoint: ImportEndpoint, _ principal: Principal, _ context: AppContext, preview: Bool
    ) throws -> Response {
        let form = try ImportForm(request, endpoint: endpoint)
        return try context.database.withConnection { connection in
            let account = try context.visibleAccount(form.accountReference, principal, connection)
            if !preview, !account.isActive { throw ImportRefusal.accountSuspended }

            let country: ContactCountry
            let useCase: UseCase
            switch endpoint {
            case .excel:
                country = form.processingType == .acquisition ? .chile : ContactCountry(account.country)
                useCase = .debtCollection
            case .country(let fixed, let chosen):
                country = fixed
                useCase = chosen
            }
            let settings = try callSettings(
                form.callSettings, defaultTimezone: account.timezone, field: "call_settings_json", connection: connection)
            let timezone = settings?.timezone ?? account.timezone
            let options = ImportOptions(
                country: country, today: try today(in: timezone, connection),
                daysUntilDeadline: form.daysUntilDeadline, daysUntilMaximum: form.daysUntilMaximum)
            let list = try read(form.file.bytes, options)

            let name = form.batchName ?? defaultName(form.processingType, useCase)
            let importRequest = Importer.Request(
                account: account, list: list, allowDuplicates: form.allowDuplicates,
                batch: NewBatch(
                    accountKey: account.key, name: name,
                    description: form.batchDescription ?? "Imported from \(form.filename.isEmpty ? "an upload" : form.filename)",
                    priority: form.priority, country: country.rawValue, useCase: useCase,
                    processingType: form.processingType, sourceFilename: form.filename,
                    callSettings: settings, useCaseSettings: form.useCaseSettings, retellAgentId: form.retellAgentId),
                referenceNumber: form.processingType == .acquisition)
            let importer = Importer(connection: connection)
            if preview {
                return .json(previewJSON(try importer.plan(importRequest), filename: form.filename, account: account))
            }
            let (batch, plan) = try importer.create(importRequest)
            return .json(createdJSON(batch, plan, endpoint), status: 201)
        }
    }

    /// Validated settings with the account's zone as the default, or nil when none were sent.
    /// `field` names them in errors (`call_settings_json` in forms, `call_settings` in JSON).
    static func callSettings(
        _ object: JSONObject?, defaultTimezone: String, field: String, connection: Connection
    ) throws -> CallSettings? {
        guard let object else { return nil }
        let settings: CallSettings
        do {
            settings = try CallSettings.parse(object, defaultTimezone: defaultTimezone, field: field)
        } catch {
            throw HTTPError.validation(error.problems.map { .init(field: $0.field, message: $0.message) })
        }
        guard try AccountStore(connection: connection).isKnownTimezone(settings.timezone) else {
            throw HTTPError.validation([.init(field: "\(field).timezone", message: "\(settings.timezone) is not an IANA time zone")])
        }
        return settings
    }

    /// Today's date in `timezone`, as PostgreSQL's zone database says.
    static func today(in timezone: String, _ connection: Connection) throws -> CivilDate {
        let text = try connection.query("SELECT (now() AT TIME ZONE \(timezone))::date::text AS today")[0].string("today")
        guard let date = CivilDate(iso: text) else { throw RowDecodingError(column: "today", expected: "date") }
        return date
    }

    /// Streams the file through the contact-list builder.
    static func read(_ bytes: [UInt8], _ options: ImportOptions) throws -> ContactList {
        var builder = ContactListBuilder(options: options)
        do {
            try Spreadsheet.read(bytes, limits: spreadsheetLimits) { row in try builder.add(row) }
            return try builder.finish()
        } catch let error as SpreadsheetError {
            switch error.kind {
            case .unsupportedFormat:
                throw HTTPError(status: 415, code: "UNSUPPORTED_FILE_TYPE", message: error.message)
            case .tooManyRows:
                throw HTTPError.badRequest(error.message, code: "TOO_MANY_ROWS")
            case .corrupt, .tooLarge:
                throw HTTPError.badRequest(error.message, code: "INVALID_FILE")
            }
        } catch let error as IngestionError {
            switch error {
            case .empty, .noDataRows: throw HTTPError.badRequest(error.message, code: "EMPTY_FILE")
            case .noPhoneColumn: throw HTTPError.badRequest(error.message, code: "MISSING_COLUMNS")
            }
        }
    }

    static func defaultName(_ processing: ProcessingType, _ useCase: UseCase) -> String {
        let stamp = Timestamp.now().rfc3339  // YYYY-MM-DDTHH:MM:SS.ffffffZ
        let minute = stamp.prefix(10) + " " + stamp.dropFirst(11).prefix(5)
        switch (processing, useCase) {
        case (.acquisition, _): return "Acquisition Batch \(minute)"
        case (_, .marketing): return "Marketing Batch \(minute)"
        default: return "Basic Batch \(minute)"
        }
    }

    // MARK: Responses

    static func duplicatesJSON(_ plan: ImportPlan) -> JSON {
        .array(plan.duplicates.prefix(ContactListBuilder.reportedErrors).map(\.json))
    }

    static func previewJSON(_ plan: ImportPlan, filename: String, account: Account) -> JSON {
        [
            "success": true,
            "filename": .string(filename),
            "preview": [
                "total_rows": .int(Int64(plan.list.dataRows)),
                "valid_rows": .int(Int64(plan.list.validRows)),
                "invalid_rows": .int(Int64(plan.list.invalidRows)),
                "phones_dropped": .int(Int64(plan.list.phonesDropped)),
                "contacts": .int(Int64(plan.list.contacts.count)),
                "duplicates": .int(Int64(plan.duplicates.count)),
                "jobs_to_create": .int(Int64(plan.contacts.count)),
                "estimated_cost": .amount(plan.estimatedCost),
                "cost_unit": .string(plan.estimate.unit?.rawValue ?? "credits"),
                "available": plan.available.map(JSON.amount) ?? .null,
                "can_afford": .bool(plan.canAfford),
                "account_status": .string(account.status.rawValue),
                "row_errors": .array(plan.list.rowErrors.map(\.json)),
                "row_errors_total": .int(Int64(plan.list.rowErrorCount)),
                "duplicates_list": duplicatesJSON(plan),
                "sample_contacts": .array(plan.contacts.prefix(5).map(\.json)),
                "columns": columnsJSON(plan.list.columns),
            ],
        ]
    }

    static func createdJSON(_ batch: Batch, _ plan: ImportPlan, _ endpoint: ImportEndpoint) -> JSON {
        var object: JSONObject = [
            "success": true,
            "message": .string("Batch '\(batch.name)' created with \(plan.contacts.count) jobs"),
            "batch_id": .string(batch.batchId),
            "_id": .string(batch.objectId),
            "batch_name": .string(batch.name),
            "processing_type": .string(batch.processingType.rawValue),
            "use_case": .string(batch.useCase.rawValue),
            "country": .string(batch.country),
            "total_debtors": .int(Int64(plan.contacts.count)),
            "total_jobs": .int(Int64(batch.counts.total)),
            "jobs_created": .int(Int64(batch.counts.total)),
            "contacts_processed": .int(Int64(plan.list.contacts.count)),
            "total_rows": .int(Int64(plan.list.dataRows)),
            "invalid_rows": .int(Int64(plan.list.invalidRows)),
            "phones_dropped": .int(Int64(plan.list.phonesDropped)),
            "duplicates_found": .int(Int64(plan.duplicates.count)),
            "duplicates_skipped": .int(Int64(plan.duplicatesSkipped)),
            "duplicates": duplicatesJSON(plan),
            "row_errors": .array(plan.list.rowErrors.map(\.json)),
            "row_errors_total": .int(Int64(plan.list.rowErrorCount)),
            "estimated_cost": .amount(batch.estimatedCost),
            "created_at": .timestamp(batch.createdAt),
            "batch": batch.json,
        ]
        if case .country = endpoint {
            object["stats"] = [
                "total_records_normalized": .int(Int64(plan.list.contacts.count)),
                "jobs_created": .int(Int64(batch.counts.total)),
                "processing_type": .string(batch.useCase.rawValue),
            ]
        }
        return .object(object)
    }

    static func columnsJSON(_ columns: ColumnMap) -> JSON {
        var object = JSONObject()
        for field in ContactField.allCases {
            if let column = columns[field] { object[field.rawValue] = .string(columns.headers[column]) }
        }
        if !columns.extraPhoneColumns.isEmpty {
            object["extra_phones"] = .array(columns.extraPhoneColumns.map { .string(columns.headers[$0]) })
        }
        return .object(object)
    }
}

extension ContactCountry {
    init(_ country: Country) {
        self = country == .chile ? .chile : .argentina
    }
}
