import Batches
import FastCGI
import JSON
import Money
import Routing

/// What reading a request's fields found wrong, and which fields were read: shared by JSON bodies
/// (`RequestBody`) and upload forms (`ImportForm`).
struct FieldProblems {
    private var problems: [HTTPError.FieldError] = []
    private var read: Set<String> = []

    mutating func add(_ field: String, _ message: String) {
        self.problems.append(HTTPError.FieldError(field: field, message: message))
    }

    mutating func markRead(_ name: String) { self.read.insert(name) }

    /// Throws every problem, plus one for each field nobody read (a typo must not pass silently) and
    /// one for each field sent twice (a form may repeat a name: which of two `account_id`s or two
    /// files was meant would be a guess; a JSON object cannot, its parser refuses duplicate keys).
    func finish(fieldNames: some Sequence<String>) throws(HTTPError) {
        var problems = self.problems
        var seen: Set<String> = []
        for name in fieldNames {
            if !seen.insert(name).inserted {
                problems.append(HTTPError.FieldError(field: name, message: "is sent more than once: send each field once"))
            } else if !self.read.contains(name) {
                problems.append(HTTPError.FieldError(field: name, message: "is not a known field"))
            }
        }
        if !problems.isEmpty { throw HTTPError.validation(problems) }
    }

    /// `raw` trimmed of white space; nil when nothing is left or when it is refused (too long, or
    /// with control characters: PostgreSQL text cannot hold NUL). Forms allow line breaks and tabs
    /// (a description typed in a text area); JSON fields do not.
    mutating func text(_ name: String, _ raw: String, maxLength: Int, allowingLineBreaks: Bool) -> String? {
        // Code points as sent, as JSON Schema's maxLength counts them (not grapheme clusters), and so
        // at most that many in the database (whose CHECKs count code points too).
        guard raw.unicodeScalars.count <= maxLength else {
            self.add(name, "must be at most \(maxLength) characters (Unicode code points)")
            return nil
        }
        let text = trimmed(raw)
        if text.isEmpty { return nil }
        let refused = text.unicodeScalars.contains { scalar in
            (scalar.value < 0x20 || scalar.value == 0x7F) && !(allowingLineBreaks && (scalar == "\n" || scalar == "\t" || scalar == "\r"))
        }
        guard !refused else {
            self.add(name, "must not contain control characters")
            return nil
        }
        return text
    }
}

/// `text` without the white space (Unicode White_Space, scalar by scalar) around it. Scalars rather than
/// characters, so that the rule is the one the OpenAPI document's patterns state: a combining mark after a
/// leading space is kept, not trimmed with it.
func trimmed(_ text: String) -> String {
    let scalars = text.unicodeScalars
    guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
        let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })
    else { return "" }
    return String(scalars[first...last])
}

/// Whether `text` is empty or nothing but white space (a blank form field or JSON string counts as absent).
func isBlank(_ text: String) -> Bool {
    text.unicodeScalars.allSatisfy(\.properties.isWhitespace)
}

/// A JSON object request body, read field by field. Problems are collected, not thrown one at a
/// time, so a client sees every invalid field at once; `finish()` also refuses unknown fields.
struct RequestBody {
    let object: JSONObject
    private var problems = FieldProblems()

    init(object: JSONObject) {
        self.object = object
    }

    /// Parses the body of `request` as a JSON object (an empty body is an empty object, with or
    /// without a Content-Type: the console's bodiless PUTs send none). A body of another type, or
    /// one that does not say its type, is a 415.
    static func parse(_ request: Request) throws(HTTPError) -> RequestBody {
        let blank = request.body.allSatisfy { $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }
        let type = request.header("content-type")
        if type.map({ !$0.lowercased().hasPrefix("application/json") }) ?? !blank {
            throw HTTPError(
                status: 415, code: "UNSUPPORTED_MEDIA_TYPE", message: "Send the body as application/json (with that Content-Type)")
        }
        if blank { return RequestBody(object: JSONObject()) }
        let value: JSON
        do {
            value = try JSON.parse(request.body)
        } catch {
            throw HTTPError.badRequest("The body is not valid JSON: \(error.description)", code: "INVALID_JSON")
        }
        guard case .object(let object) = value else {
            throw HTTPError.badRequest("The body must be a JSON object", code: "INVALID_JSON")
        }
        return RequestBody(object: object)
    }

    func has(_ name: String) -> Bool { self.object[name] != nil }

    mutating func problem(_ field: String, _ message: String) {
        self.problems.add(field, message)
    }

    private mutating func value(_ name: String, required: Bool) -> JSON? {
        self.problems.markRead(name)
        guard let value = self.object[name], value != .null else {
            if required { self.problem(name, "is required") }
            return nil
        }
        return value
    }

    /// A string, trimmed; empty counts as missing.
    mutating func string(_ name: String, required: Bool = false, maxLength: Int = 200) -> String? {
        guard let value = self.value(name, required: required) else { return nil }
        guard case .string(let raw) = value else {
            self.problem(name, "must be a string")
            return nil
        }
        if required, isBlank(raw) {
            self.problem(name, "must not be empty")
            return nil
        }
        return self.problems.text(name, raw, maxLength: maxLength, allowingLineBreaks: false)
    }

    /// A string as sent, not trimmed (a name looked up exactly, such as a time zone); blank counts as missing.
    mutating func exactString(_ name: String) -> String? {
        guard let value = self.value(name, required: false) else { return nil }
        guard case .string(let text) = value else {
            self.problem(name, "must be a string")
            return nil
        }
        return isBlank(text) ? nil : text
    }

    /// An exact amount (at most 4 decimals), read from the digits the client sent.
    mutating func amount(_ name: String, required: Bool = false) -> Amount? {
        guard let value = self.value(name, required: required) else { return nil }
        guard let text = value.numberText else {
            self.problem(name, "must be a number")
            return nil
        }
        switch Amount.parse(text) {
        case .success(let amount): return amount
        case .failure(.tooPrecise): self.problem(name, "must have at most 4 decimal places")
        case .failure(.outOfRange): self.problem(name, "is out of range")
        case .failure(.notANumber): self.problem(name, "must be a number")
        }
        return nil
    }

    /// An optional field that `extract` reads, or a problem saying what it `must` be.
    private mutating func field<T>(_ name: String, must: String, _ extract: (JSON) -> T?) -> T? {
        guard let value = self.value(name, required: false) else { return nil }
        guard let typed = extract(value) else {
            self.problem(name, "must be \(must)")
            return nil
        }
        return typed
    }

    mutating func integer(_ name: String, in range: ClosedRange<Int>) -> Int? {
        self.field(name, must: "a whole number from \(range.lowerBound) to \(range.upperBound)") { value in
            guard let number = value.wholeNumber, let small = Int(exactly: number), range.contains(small) else { return nil }
            return small
        }
    }

    mutating func bool(_ name: String) -> Bool? {
        self.field(name, must: "true or false") { value in
            guard case .bool(let flag) = value else { return nil }
            return flag
        }
    }

    mutating func object(_ name: String) -> JSONObject? {
        self.field(name, must: "a JSON object", \.objectValue)
    }

    mutating func array(_ name: String) -> [JSON]? {
        self.field(name, must: "a JSON array") { value in
            guard case .array(let elements) = value else { return nil }
            return elements
        }
    }

    /// A field that may be present with the value null (`call_settings: null` clears them).
    func isExplicitNull(_ name: String) -> Bool { self.object[name] == .null }

    /// One of a closed set, spelled exactly (null is absent; "" or " active " are not a choice).
    mutating func choice<Choice: RawRepresentable & CaseIterable>(
        _ name: String, _ type: Choice.Type
    ) -> Choice? where Choice.RawValue == String {
        guard let json = self.value(name, required: false) else { return nil }
        guard case .string(let text) = json, let value = Choice(rawValue: text) else {
            self.problem(name, "must be one of \(Choice.allCases.map(\.rawValue).joined(separator: ", "))")
            return nil
        }
        return value
    }

    /// Throws the collected problems, and refuses fields nobody read.
    func finish() throws(HTTPError) {
        try self.problems.finish(fieldNames: self.object.keys)
    }
}

/// `limit` (1–1000, default 50; 1000 for the legacy console's bare arrays, which it never pages)
/// and `skip` (≥ 0) from the query, and the list's shape.
struct Page {
    /// Deeper than any list goes: a bound on the OFFSET a client can make the database skip.
    static let maximumSkip = 10_000_000

    let limit: Int
    let skip: Int
    let format: ListFormat

    init(_ request: Request, _ context: AppContext) throws(HTTPError) {
        let defaultLimit = context.listFormat == .array ? 1000 : 50
        var problems: [HTTPError.FieldError] = []
        var limit = defaultLimit
        var skip = 0
        if let text = request.query["limit"] {
            if let value = Int(text), (1...1000).contains(value) {
                limit = value
            } else {
                problems.append(.init(field: "limit", message: "must be a whole number from 1 to 1000"))
            }
        }
        if let text = request.query["skip"] {
            if let value = Int(text), (0...Page.maximumSkip).contains(value) {
                skip = value
            } else {
                problems.append(.init(field: "skip", message: "must be a whole number from 0 to \(Page.maximumSkip)"))
            }
        }
        if !problems.isEmpty { throw HTTPError.validation(problems) }
        self.limit = limit
        self.skip = skip
        self.format = context.listFormat
    }

    /// The seed's list format, `{"<plural>": [...], "total": N, "limit": L, "skip": S}`, or a bare
    /// array with the total in `X-Total-Count`.
    func response(_ plural: String, _ items: [JSON], total: Int) -> Response {
        switch self.format {
        case .seed:
            return .json(.object([
                plural: .array(items), "total": .int(Int64(total)), "limit": .int(Int64(self.limit)),
                "skip": .int(Int64(self.skip)),
            ]))
        case .array:
            return .json(.array(items), headers: [HTTPHeader("X-Total-Count", String(total))])
        }
    }
}

/// A query parameter that must be `true` or `false`; absent or empty is nil.
func queryBool(_ request: Request, _ name: String) throws(HTTPError) -> Bool? {
    guard let text = request.query[name], !text.isEmpty else { return nil }
    guard text == "true" || text == "false" else {
        throw HTTPError.validation([.init(field: name, message: "must be true or false")])
    }
    return text == "true"
}

/// `?reason=` of a cancellation or suspension: optional, at most 500 characters, no control characters.
func reasonParameter(_ request: Request) throws(HTTPError) -> String? {
    guard let reason = request.query["reason"], !reason.isEmpty else { return nil }
    guard reason.unicodeScalars.count <= 500, !reason.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
        throw HTTPError.validation([.init(field: "reason", message: "must be at most 500 characters, without control characters")])
    }
    return reason
}

/// A query parameter that must be one of a closed set.
func queryChoice<Choice: RawRepresentable & CaseIterable>(
    _ request: Request, _ name: String, _ type: Choice.Type
) throws(HTTPError) -> Choice? where Choice.RawValue == String {
    guard let text = request.query[name], !text.isEmpty else { return nil }
    guard let value = Choice(rawValue: text) else {
        throw HTTPError.validation([
            .init(field: name, message: "must be one of \(Choice.allCases.map(\.rawValue).joined(separator: ", "))")
        ])
    }
    return value
}
