import Accounts
import Authentication
import FastCGI
import Ingestion
import JSON
import Multipart
import Routing
import Spreadsheet

/// `/api/v1/accounts/{id}/do-not-call`: the numbers an account never dials. Numbers arrive in any
/// form the list uploads accept and are stored in E.164 (normalised by the account's country).
enum DoNotCallRoutes {
    static let reportedInvalid = 20

    static func register(on keyed: Router.Group<Principal>, context: AppContext) {
        keyed.get("/api/v1/accounts/{id}/do-not-call") { request, parameters, principal in
            let page = try Page(request, context)
            return try context.database.withConnection { connection in
                let account = try context.visibleAccount(try parameters.require("id"), principal, connection)
                let (entries, total) = try DoNotCallList(connection: connection).list(
                    accountKey: account.key, limit: page.limit, skip: page.skip)
                return page.response("numbers", entries.map { entry in
                    ["phone": .string(entry.phone), "reason": .string(entry.reason), "created_at": .timestamp(entry.createdAt)]
                }, total: total)
            }
        }
        keyed.post("/api/v1/accounts/{id}/do-not-call") { request, parameters, principal in
            var body = try RequestBody.parse(request)
            let phones = body.array("phones") ?? []
            for (index, item) in phones.enumerated() where item.stringValue == nil && item.numberText == nil {
                body.problem("phones[\(index)]", "must be a string or a number")
            }
            let reason = body.string("reason", maxLength: 500)
            try body.finish()
            guard !phones.isEmpty else {
                throw HTTPError.validation([.init(field: "phones", message: "is required: a non-empty array of numbers")])
            }
            let texts = phones.compactMap { $0.stringValue ?? $0.numberText }
            return try add(texts, reason: reason, parameters, principal, context)
        }
        keyed.post("/api/v1/accounts/{id}/do-not-call/upload") { request, parameters, principal in
            let form = try ImportForm.multipart(request, what: "the numbers")
            var reader = FormReader(form: form)
            let reason = reader.text("reason", maxLength: 500)
            let file = form.file("file")
            if file == nil { reader.problem("file", "is required: a CSV or Excel file, one number per row") }
            try reader.finish()
            guard let file else { throw HTTPError.badRequest("The form is incomplete") }
            // The first cell of every row; a header row is simply a row that is not a number.
            var texts: [String] = []
            do {
                try Spreadsheet.read(file.bytes, limits: IngestionRoutes.spreadsheetLimits) { row in
                    if let first = row.cells.first, !first.isEmpty { texts.append(cellText(first)) }
                }
            } catch let error as SpreadsheetError {
                throw error.kind == .unsupportedFormat
                    ? HTTPError(status: 415, code: "UNSUPPORTED_FILE_TYPE", message: error.message)
                    : HTTPError.badRequest(error.message, code: "INVALID_FILE")
            }
            return try add(texts, reason: reason, parameters, principal, context, headerAllowed: true)
        }
        keyed.delete("/api/v1/accounts/{id}/do-not-call/{phone}") { _, parameters, principal in
            try context.database.withConnection { connection in
                let account = try context.visibleAccount(try parameters.require("id"), principal, connection)
                guard let phone = normalise(try parameters.require("phone"), country: account.country),
                    try DoNotCallList(connection: connection).remove(accountKey: account.key, phone: phone)
                else { throw HTTPError.notFound("The number is not on the do-not-call list") }
                return .json(["success": true, "phone": .string(phone), "removed": true])
            }
        }
    }

    static func normalise(_ text: String, country: Country) -> String? {
        let cell = Cell.text(text)
        switch country {
        case .chile: return ChileanPhone.normalize(cell, kind: .any)?.e164
        case .argentina: return ArgentinePhone.normalize(cell, kind: .any)?.e164
        }
    }

    static func add(
        _ texts: [String], reason: String?, _ parameters: PathParameters, _ principal: Principal, _ context: AppContext,
        headerAllowed: Bool = false
    ) throws -> Response {
        try context.database.withConnection { connection in
            let account = try context.visibleAccount(try parameters.require("id"), principal, connection)
            var phones: [String] = []
            var invalid: [JSON] = []
            var invalidCount = 0
            for (index, text) in texts.enumerated() {
                if let phone = normalise(text, country: account.country) {
                    phones.append(phone)
                } else if !(headerAllowed && index == 0) {
                    invalidCount += 1
                    if invalid.count < reportedInvalid { invalid.append(.string(String(text.prefix(40)))) }
                }
            }
            guard !phones.isEmpty else {
                throw HTTPError.badRequest("No valid phone number was given", code: "NO_VALID_NUMBERS",
                                           details: ["invalid": .array(invalid), "invalid_total": .int(Int64(invalidCount))])
            }
            let unique = Array(Set(phones)).sorted()
            let added = try connection.transaction {
                try DoNotCallList(connection: connection).add(accountKey: account.key, phones: unique, reason: reason)
            }
            return .json([
                "success": true, "account_id": .string(account.accountId), "added": .int(Int64(added)),
                "already_listed": .int(Int64(unique.count - added)), "invalid": .array(invalid),
                "invalid_total": .int(Int64(invalidCount)),
            ], status: 201)
        }
    }
}
