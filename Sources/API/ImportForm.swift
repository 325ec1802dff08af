import Batches
import FastCGI
import Ingestion
import JSON
import Money
import Multipart
import Routing

/// Which upload endpoint a list came through.
enum ImportEndpoint {
    /// `/batches/excel/preview|create`: the account's country, `processing_type` chosen by the client.
    case excel
    /// `/batches/chile|argentina/{use_case}`: the country fixed by the path.
    case country(ContactCountry, UseCase)
}

/// The multipart form of an upload, read field by field; like `RequestBody`, every problem is
/// collected and unknown fields are refused.
struct ImportForm {
    let file: MultipartFile
    /// The upload's name as shown back and stored: control characters dropped, at most 255 characters.
    let filename: String
    let accountReference: String
    let batchName: String?
    let batchDescription: String?
    let allowDuplicates: Bool
    let processingType: ProcessingType
    let priority: Int
    let daysUntilDeadline: Int?
    let daysUntilMaximum: Int?
    let callSettings: JSONObject?
    let useCaseSettings: UseCaseSettings
    let retellAgentId: String?

    static let multipartLimits = MultipartLimits()

    /// The request's `multipart/form-data` body (415 for another type, 400 when it cannot be read).
    static func multipart(_ request: Request, what: String) throws(HTTPError) -> MultipartForm {
        let contentType = request.header("content-type") ?? ""
        guard MultipartForm.isMultipartFormData(contentType) else {
            throw HTTPError(
                status: 415, code: "UNSUPPORTED_MEDIA_TYPE",
                message: "Upload \(what) as multipart/form-data with the file in the field 'file'")
        }
        do {
            return try MultipartForm.parse(body: request.body, contentType: contentType, limits: ImportForm.multipartLimits)
        } catch {
            throw HTTPError.badRequest("The upload could not be read: \(error.message)", code: "INVALID_MULTIPART")
        }
    }

    /// Reads the form; `account_id` may also come as a query parameter (the previous preview took it there).
    init(_ request: Request, endpoint: ImportEndpoint) throws(HTTPError) {
        let form = try Self.multipart(request, what: "the list")
        var reader = FormReader(form: form)
        let account = reader.text("account_id", maxLength: 64) ?? request.query["account_id"]
        if let account, ["string", "undefined", "null"].contains(account.lowercased()) {
            reader.problem("account_id", "is not an account id: '\(account)'")
        } else if account == nil {
            reader.problem("account_id", "is required")
        }
        self.batchName = reader.text("batch_name", maxLength: 200)
        self.batchDescription = reader.text("batch_description", maxLength: 2000)
        self.allowDuplicates = reader.boolean("allow_duplicates") ?? false
        self.priority = reader.integer("priority", in: 1...4) ?? 1
        self.daysUntilDeadline = reader.integer("dias_fecha_limite", in: 0...365)
        self.daysUntilMaximum = reader.integer("dias_fecha_maxima", in: 0...365)
        if let deadline = self.daysUntilDeadline, let maximum = self.daysUntilMaximum, deadline > maximum {
            reader.problem("dias_fecha_limite", "must not be later than dias_fecha_maxima")
        }
        self.callSettings = reader.jsonObject("call_settings_json")
        self.retellAgentId = reader.text("retell_agent_id", maxLength: 128)
        switch endpoint {
        case .excel:
            self.processingType = reader.choice("processing_type", [.basic, .acquisition]) ?? .basic
            self.useCaseSettings = UseCaseSettings(companyName: reader.text("company_name", maxLength: 200))
        case .country(_, let useCase):
            self.processingType = .basic
            let company = reader.text("company_name", maxLength: 200)
            if company == nil { reader.problem("company_name", "is required") }
            var settings = UseCaseSettings(companyName: company)
            if useCase == .marketing {
                settings.offerDescription = reader.text("offer_description", maxLength: 2000) ?? ""
                settings.discountPercentage = reader.amount("discount_percentage", in: 0...100) ?? 0
                settings.productCategory = reader.text("product_category", maxLength: 100) ?? "general"
            }
            self.useCaseSettings = settings
        }
        let file = form.file("file")
        if file == nil { reader.problem("file", "is required: attach the .xlsx, .xls or .csv list") }
        try reader.finish()
        guard let file, let account else { throw HTTPError.badRequest("The form is incomplete") }
        self.file = file
        self.filename = String(String(file.filename.unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7F }).prefix(codePoints: 255))
        self.accountReference = account
    }
}

/// Typed access to multipart text fields, collecting problems; like `RequestBody`, unknown fields are refused.
struct FormReader {
    let form: MultipartForm
    private var problems = FieldProblems()

    init(form: MultipartForm) {
        self.form = form
        self.problems.markRead("file")
    }

    mutating func problem(_ field: String, _ message: String) {
        self.problems.add(field, message)
    }

    /// A trimmed value; empty counts as absent (browsers send every input, filled or not).
    mutating func text(_ name: String, maxLength: Int) -> String? {
        self.problems.markRead(name)
        guard let raw = self.form.value(name) else { return nil }
        return self.problems.text(name, raw, maxLength: maxLength, allowingLineBreaks: true)
    }

    mutating func boolean(_ name: String) -> Bool? {
        guard let text = self.text(name, maxLength: 10) else { return nil }
        switch text.lowercased() {
        case "true", "1", "yes", "on": return true
        case "false", "0", "no", "off": return false
        default:
            self.problem(name, "must be true or false")
            return nil
        }
    }

    /// Decimal digits as a number input sends them: no sign, no leading zero.
    mutating func integer(_ name: String, in range: ClosedRange<Int>) -> Int? {
        guard let text = self.text(name, maxLength: 12) else { return nil }
        guard Self.isPlainWholeNumber(text), let value = Int(text), range.contains(value) else {
            self.problem(name, "must be a whole number from \(range.lowerBound) to \(range.upperBound)")
            return nil
        }
        return value
    }

    /// A plain decimal number: a whole part as `integer` reads it, then at most 4 decimals after a point.
    mutating func amount(_ name: String, in range: ClosedRange<Amount>) -> Amount? {
        guard let text = self.text(name, maxLength: 24) else { return nil }
        let parts = text.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let wellFormed = Self.isPlainWholeNumber(parts[0])
            && (parts.count == 1 || (1...4).contains(parts[1].utf8.count) && parts[1].utf8.allSatisfy(Self.asciiDigits.contains))
        guard wellFormed, case .success(let value) = Amount.parse(text), range.contains(value) else {
            self.problem(name, "must be a number from \(range.lowerBound) to \(range.upperBound)")
            return nil
        }
        return value
    }

    mutating func choice(_ name: String, _ allowed: [ProcessingType]) -> ProcessingType? {
        guard let text = self.text(name, maxLength: 32) else { return nil }
        guard let value = ProcessingType(rawValue: text), allowed.contains(value) else {
            self.problem(name, "must be one of \(allowed.map(\.rawValue).joined(separator: ", "))")
            return nil
        }
        return value
    }

    /// A field holding a JSON object as text (`call_settings_json`).
    mutating func jsonObject(_ name: String) -> JSONObject? {
        guard let text = self.text(name, maxLength: 16_384) else { return nil }
        guard case .object(let object)? = try? JSON.parse(text) else {
            self.problem(name, "must be a JSON object")
            return nil
        }
        return object
    }

    func finish() throws(HTTPError) {
        try self.problems.finish(fieldNames: self.form.fieldNames)
    }

    private static let asciiDigits = UInt8(ascii: "0")...UInt8(ascii: "9")

    /// `0`, or digits without a leading zero.
    private static func isPlainWholeNumber(_ text: some StringProtocol) -> Bool {
        let digits = text.utf8
        guard let first = digits.first, digits.allSatisfy(asciiDigits.contains) else { return false }
        return first != UInt8(ascii: "0") || digits.count == 1
    }
}
