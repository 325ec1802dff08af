import Accounts
import Authentication
import Batches
import FastCGI
import JSON
import Money
import PostgreSQL
import Routing

/// `/api/v1/accounts`: accounts, balances, top-ups, status and the ledger.
enum AccountRoutes {
    /// No single top-up or opening balance may exceed this (a typo guard, not a business limit).
    static let maximumAmount: Amount = 100_000_000
    static let maximumRate: Amount = 1000

    static func register(keyed: Router.Group<Principal>, admin: Router.Group<Principal>, context: AppContext) {
        admin.post("/api/v1/accounts") { request, _, _ in try create(request, context) }
        keyed.get("/api/v1/accounts") { request, _, principal in try list(request, principal, context) }
        keyed.get("/api/v1/accounts/{id}") { _, parameters, principal in
            try show(parameters, principal, context, \.json)
        }
        admin.patch("/api/v1/accounts/{id}") { request, parameters, _ in
            try update(request, try parameters.require("id"), context)
        }
        keyed.get("/api/v1/accounts/{id}/balance") { _, parameters, principal in
            try show(parameters, principal, context, \.balanceJSON)
        }
        admin.post("/api/v1/accounts/{id}/topup") { request, parameters, _ in
            try topUp(request, try parameters.require("id"), context)
        }
        admin.put("/api/v1/accounts/{id}/suspend") { request, parameters, _ in
            try setStatus(.suspended, request, try parameters.require("id"), context)
        }
        admin.put("/api/v1/accounts/{id}/activate") { request, parameters, _ in
            try setStatus(.active, request, try parameters.require("id"), context)
        }
        keyed.get("/api/v1/accounts/{id}/transactions") { request, parameters, principal in
            try transactions(request, try parameters.require("id"), principal, context)
        }
        keyed.get("/api/v1/accounts/{id}/batches") { request, parameters, principal in
            let page = try Page(request, context)
            return try context.database.withConnection { connection in
                let account = try context.visibleAccount(try parameters.require("id"), principal, connection)
                let (batches, total) = try BatchStore(connection: connection).list(
                    BatchFilter(accountKey: account.key), limit: page.limit, skip: page.skip)
                return page.response("batches", batches.map(\.json), total: total)
            }
        }
    }

    // MARK: Handlers

    /// A read of one visible account, rendered by `view`.
    static func show(
        _ parameters: PathParameters, _ principal: Principal, _ context: AppContext, _ view: (Account) -> JSON
    ) throws -> Response {
        try context.database.withConnection { connection in
            .json(view(try context.visibleAccount(try parameters.require("id"), principal, connection)))
        }
    }

    static func create(_ request: Request, _ context: AppContext) throws -> Response {
        var body = try RequestBody.parse(request)
        let accountId = body.string("account_id", maxLength: 64)
        if let accountId, !AccountRules.isValidAccountId(accountId) {
            body.problem("account_id", "must be 3-64 characters: lower-case letters, digits, '_' or '-', starting with a letter or digit")
        }
        let name = body.string("account_name", required: true)
        let contactName = body.string("contact_name", required: true)
        let email = body.string("contact_email", required: true, maxLength: 254)
        if let email, !AccountRules.isValidEmail(email) { body.problem("contact_email", "is not a valid e-mail address") }
        let phone = body.string("contact_phone", maxLength: 32)
        if let phone, !AccountRules.isPlausiblePhone(phone) { body.problem("contact_phone", "is not a phone number") }
        let plan = body.choice("plan_type", PlanType.self) ?? .creditBased
        let country = body.choice("country", Country.self) ?? .chile
        let settings = freeForm(&body, "settings") ?? JSONObject()
        let features = freeForm(&body, "features") ?? JSONObject()
        // `settings.timezone`, when a string, names a zone like `timezone`, which it stands in for when absent.
        let settingsTimezone = settings["timezone"]?.stringValue
        let timezone = body.exactString("timezone") ?? settingsTimezone
        let initialCredits = amount(&body, "initial_credits", allowZero: true)
        let initialMinutes = amount(&body, "initial_minutes", allowZero: true)
        if let credits = initialCredits, credits > 0, plan != .creditBased {
            body.problem("initial_credits", "only credit_based accounts hold credits")
        }
        if let minutes = initialMinutes, minutes > 0, plan != .minutesBased {
            body.problem("initial_minutes", "only minutes_based accounts hold minutes")
        }
        let costPerMinute = rate(&body, "cost_per_minute")
        let costPerCallSetup = rate(&body, "cost_per_call_setup")
        let costFailedCall = rate(&body, "cost_failed_call")
        let maxConcurrent = body.integer("max_concurrent_calls", in: 1...1000)
        let dailyLimit = body.integer("daily_call_limit", in: 1...10_000_000)
        try body.finish()
        guard let name, let contactName, let email else { throw HTTPError.internalError }

        var new = NewAccount(
            accountId: accountId, accountName: name, contactName: contactName, contactEmail: email, contactPhone: phone,
            planType: plan, country: country, timezone: timezone ?? country.defaultTimeZone,
            featuresJSON: JSON.object(features).serializedString, settingsJSON: JSON.object(settings).serializedString)
        new.initialCredits = initialCredits
        new.initialMinutes = initialMinutes
        new.costPerMinute = costPerMinute
        new.costPerCallSetup = costPerCallSetup
        new.costFailedCall = costFailedCall
        new.maxConcurrentCalls = maxConcurrent
        new.dailyCallLimit = dailyLimit
        return try context.database.withConnection { connection in
            if let zone = settingsTimezone, !(try AccountStore(connection: connection).isKnownTimezone(zone)) {
                throw HTTPError.validation([.init(field: "settings.timezone", message: "\(zone) is not an IANA time zone")])
            }
            let account = try AccountStore(connection: connection).create(new)
            return .json(
                [
                    "success": true, "account_id": .string(account.accountId),
                    "message": "Account created successfully", "account": account.json,
                ], status: 201)
        }
    }

    static func list(_ request: Request, _ principal: Principal, _ context: AppContext) throws -> Response {
        let page = try Page(request, context)
        let status = try queryChoice(request, "status", AccountStatus.self)
        let plan = try queryChoice(request, "plan_type", PlanType.self)
        return try context.database.withConnection { connection in
            var filter = AccountFilter(status: status, planType: plan)
            if case .account(let key, _) = principal { filter.onlyKey = key }
            let (accounts, total) = try AccountStore(connection: connection).list(filter, limit: page.limit, skip: page.skip)
            return page.response("accounts", accounts.map(\.json), total: total)
        }
    }

    static func update(_ request: Request, _ reference: String, _ context: AppContext) throws -> Response {
        var body = try RequestBody.parse(request)
        var changes = AccountChanges()
        changes.accountName = body.string("account_name")
        changes.contactName = body.string("contact_name")
        changes.contactEmail = body.string("contact_email", maxLength: 254)
        if let email = changes.contactEmail, !AccountRules.isValidEmail(email) {
            body.problem("contact_email", "is not a valid e-mail address")
        }
        if body.has("contact_phone") {
            let phone = body.string("contact_phone", maxLength: 32)
            if let phone, !AccountRules.isPlausiblePhone(phone) { body.problem("contact_phone", "is not a phone number") }
            changes.contactPhone = .some(phone)
        }
        changes.timezone = body.exactString("timezone")
        changes.costPerMinute = rate(&body, "cost_per_minute")
        changes.costPerCallSetup = rate(&body, "cost_per_call_setup")
        changes.costFailedCall = rate(&body, "cost_failed_call")
        changes.maxConcurrentCalls = body.integer("max_concurrent_calls", in: 1...1000)
        changes.dailyCallLimit = body.integer("daily_call_limit", in: 1...10_000_000)
        let status = body.choice("status", AccountStatus.self)
        let isActive = body.bool("is_active")
        if let status, let isActive, (status == .active) != isActive {
            body.problem("is_active", "contradicts status")
        }
        changes.status = status ?? isActive.map { $0 ? .active : .suspended }
        changes.suspensionReason = body.string("suspension_reason", maxLength: 500)
        try body.finish()
        guard !changes.isEmpty else { throw HTTPError.badRequest("Nothing to change", code: "EMPTY_UPDATE") }
        return try context.database.withConnection { connection in
            let account = try context.visibleAccount(reference, .admin, connection)
            return .json(try AccountStore(connection: connection).update(key: account.key, changes).json)
        }
    }

    static func setStatus(
        _ status: AccountStatus, _ request: Request, _ reference: String, _ context: AppContext
    ) throws -> Response {
        // A suspension's reason comes in the query or in a JSON body {"reason"} (the query's wins when both
        // are given); a body is always read, so that a malformed one is refused rather than ignored.
        var reason = try reasonParameter(request)
        if status == .suspended, !request.body.isEmpty {
            var body = try RequestBody.parse(request)
            let fromBody = body.string("reason", maxLength: 500)
            try body.finish()
            reason = reason ?? fromBody
        }
        var changes = AccountChanges()
        changes.status = status
        changes.suspensionReason = reason
        return try context.database.withConnection { connection in
            let account = try context.visibleAccount(reference, .admin, connection)
            let updated = try AccountStore(connection: connection).update(key: account.key, changes)
            return .json([
                "success": true, "account_id": .string(updated.accountId),
                "message": .string(status == .active ? "Account activated" : "Account suspended"),
                "account": updated.json,
            ])
        }
    }

    static func topUp(_ request: Request, _ reference: String, _ context: AppContext) throws -> Response {
        var body = try RequestBody.parse(request)
        let credits = amount(&body, "credits", allowZero: false)
        let minutes = amount(&body, "minutes", allowZero: false)
        switch (body.has("credits"), body.has("minutes")) {
        case (false, false): body.problem("credits", "is required: give credits or minutes")
        case (true, true): body.problem("credits", "give exactly one of credits or minutes")
        default:
            // A null amount is no amount: it must not become a zero-value ledger row.
            for name in ["credits", "minutes"] where body.isExplicitNull(name) {
                body.problem(name, "must be a positive number")
            }
        }
        try body.finish()
        let idempotencyKey = try idempotencyKey(request)
        guard let (unit, value) = credits.map({ (LedgerUnit.credits, $0) }) ?? minutes.map({ (LedgerUnit.minutes, $0) })
        else { throw HTTPError.internalError }
        return try context.database.withConnection { connection in
            try connection.transaction {
                let account = try context.visibleAccount(reference, .admin, connection)
                let scope = "topup:\(account.key)"
                let idempotency = IdempotencyStore(connection: connection)
                if let key = idempotencyKey {
                    switch try idempotency.claim(scope: scope, key: key, requestHash: sha256Hex(Array("\(unit.rawValue) \(value)".utf8))) {
                    case .new: break
                    case .replay(let status, let stored):
                        return Response(
                            status: status,
                            headers: [
                                HTTPHeader("Content-Type", "application/json; charset=utf-8"),
                                HTTPHeader("Idempotent-Replayed", "true"),
                            ], body: Array(stored.utf8))
                    case .mismatch:
                        throw HTTPError.conflict(
                            "This Idempotency-Key was used with a different request", code: "IDEMPOTENCY_KEY_REUSED")
                    }
                }
                let jobs = JobStore(connection: connection)
                try jobs.lockBatchesOfSuspendedJobs(accountKey: account.key)
                let (updated, entry) = try Ledger(connection: connection).topUp(
                    accountKey: account.key, unit: unit, amount: value)
                try jobs.unsuspend(accountKey: account.key)
                try Events(connection: connection).record(
                    accountKey: account.key, type: "topup",
                    message: "Account \(account.accountId) topped up with \(value) \(unit.rawValue)")
                let response: JSON = [
                    "success": true,
                    "new_balance": .amount(unit == .credits ? updated.creditBalance : updated.minutesBalance),
                    "amount_added": .amount(value),
                    "unit": .string(unit.rawValue),
                    "transaction_id": .string(entry.transactionId),
                    "account": updated.json,
                ]
                if let key = idempotencyKey {
                    try idempotency.complete(scope: scope, key: key, status: 200, body: response.serializedString)
                }
                return .json(response)
            }
        }
    }

    static func transactions(
        _ request: Request, _ reference: String, _ principal: Principal, _ context: AppContext
    ) throws -> Response {
        let page = try Page(request, context)
        // `transaction_type` is the previous system's name of `type`; both are checked, `type` wins.
        let type = try queryChoice(request, "type", TransactionType.self)
        let legacyType = try queryChoice(request, "transaction_type", TransactionType.self)
        return try context.database.withConnection { connection in
            let account = try context.visibleAccount(reference, principal, connection)
            let (entries, total) = try Ledger(connection: connection).entries(
                accountKey: account.key, type: type ?? legacyType, limit: page.limit, skip: page.skip)
            return page.response("transactions", entries.map { $0.json(accountId: account.accountId) }, total: total)
        }
    }

    // MARK: Field helpers

    /// `Idempotency-Key`: 1–255 visible ASCII characters. Anything else is refused rather than
    /// stored: bytes that are not UTF-8 reach us repaired as U+FFFD, so two different keys would
    /// otherwise collide and the second top-up be skipped as a replay.
    static func idempotencyKey(_ request: Request) throws(HTTPError) -> String? {
        guard let key = request.header("idempotency-key") else { return nil }
        guard (1...255).contains(key.utf8.count), key.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            throw HTTPError.badRequest(
                "Idempotency-Key must be 1-255 visible ASCII characters (letters, digits, punctuation; no spaces)",
                code: "INVALID_IDEMPOTENCY_KEY")
        }
        return key
    }

    private static func amount(_ body: inout RequestBody, _ name: String, allowZero: Bool) -> Amount? {
        guard let value = body.amount(name) else { return nil }
        if allowZero && value == 0 { return value }
        if let problem = AccountRules.amountProblem(value, maximum: maximumAmount) {
            body.problem(name, problem)
            return nil
        }
        return value
    }

    /// `features` and `settings` are free-form objects stored as jsonb. Their numbers have at most 4
    /// decimals and this magnitude, so that PostgreSQL's plain decimal form of each reads back (1e400 would
    /// come back as 401 digits); their values nest at most `freeFormDepth` arrays or objects deep, so that the
    /// OpenAPI document can state the rule without a recursive schema.
    static let maximumFreeFormNumber: Amount = 1_000_000_000_000
    static let freeFormDepth = 3

    private static func freeForm(_ body: inout RequestBody, _ name: String) -> JSONObject? {
        guard let object = body.object(name) else { return nil }
        func fits(_ text: String) -> Bool {
            guard case .success(let amount) = Amount.parse(text) else { return false }
            return amount <= maximumFreeFormNumber && amount >= .zero - maximumFreeFormNumber
        }
        /// `depth`: how many more arrays or objects `value` may be or hold.
        func isValid(_ value: JSON, depth: Int) -> Bool {
            switch value {
            case .int(let number): return fits(String(number))
            case .number(let text): return fits(text)
            case .array(let elements): return depth > 0 && elements.allSatisfy { isValid($0, depth: depth - 1) }
            case .object(let members): return depth > 0 && members.entries.allSatisfy { isValid($0.value, depth: depth - 1) }
            default: return true
            }
        }
        guard object.entries.allSatisfy({ isValid($0.value, depth: freeFormDepth) }) else {
            body.problem(
                name,
                "must be an object whose values nest at most \(freeFormDepth) arrays or objects deep, with numbers of at most 4 decimal places and at most \(maximumFreeFormNumber) in magnitude")
            return nil
        }
        return object
    }

    private static func rate(_ body: inout RequestBody, _ name: String) -> Amount? {
        guard let value = body.amount(name) else { return nil }
        if value == 0 { return value }
        if let problem = AccountRules.amountProblem(value, maximum: maximumRate) {
            body.problem(name, problem == "must be a positive number" ? "must be zero or more" : problem)
            return nil
        }
        return value
    }
}
