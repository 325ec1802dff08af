import FastCGI
import JSON

/// An error that knows how it is shown to a client: status, a stable `code`, a human `message`
/// and, for validation failures, the offending fields. Rendered as
/// `{"detail": …, "message": …, "code": …, "errors": [{"field", "message"}]}`.
public struct HTTPError: Error, Sendable, Equatable {
    public struct FieldError: Sendable, Equatable {
        public let field: String
        public let message: String

        public init(field: String, message: String) {
            self.field = field
            self.message = message
        }
    }

    public let status: Int
    public let code: String
    public let message: String
    public let fieldErrors: [FieldError]
    public let headers: [HTTPHeader]
    /// Further members of the body that help the client fix the request (an import's row errors).
    public let details: JSONObject

    public init(
        status: Int, code: String, message: String, fieldErrors: [FieldError] = [],
        headers: [HTTPHeader] = [], details: JSONObject = JSONObject()
    ) {
        self.status = status
        self.code = code
        self.message = message
        self.fieldErrors = fieldErrors
        self.headers = headers
        self.details = details
    }

    public static func == (lhs: HTTPError, rhs: HTTPError) -> Bool {
        lhs.status == rhs.status && lhs.code == rhs.code && lhs.message == rhs.message
            && lhs.fieldErrors == rhs.fieldErrors
    }

    public var body: JSON {
        var object: JSONObject = ["detail": .string(self.message), "message": .string(self.message), "code": .string(self.code)]
        if !self.fieldErrors.isEmpty {
            object["errors"] = .array(self.fieldErrors.map { ["field": .string($0.field), "message": .string($0.message)] })
        }
        for entry in self.details.entries { object[entry.key] = entry.value }
        return .object(object)
    }

    public var response: Response {
        Response.json(self.body, status: self.status, headers: self.headers)
    }
}

extension HTTPError {
    public static func badRequest(_ message: String, code: String = "BAD_REQUEST", details: JSONObject = JSONObject())
        -> HTTPError
    {
        HTTPError(status: 400, code: code, message: message, details: details)
    }

    /// Field errors listed in one response, and the characters of a field name shown: a body with
    /// thousands of unknown (or huge) keys gets a short answer, with the full count in `errors_total`.
    public static let listedFieldErrors = 20
    public static let shownFieldNameLength = 64

    public static func validation(_ errors: [FieldError]) -> HTTPError {
        let listed = errors.prefix(listedFieldErrors).map { error in
            error.field.unicodeScalars.count <= shownFieldNameLength
                ? error
                : FieldError(
                    field: String(String.UnicodeScalarView(error.field.unicodeScalars.prefix(shownFieldNameLength))) + "…",
                    message: error.message)
        }
        var message = listed.prefix(5).map { "\($0.field): \($0.message)" }.joined(separator: "; ")
        if errors.count > 5 { message += " (and \(errors.count - 5) more)" }
        return HTTPError(
            status: 400, code: "VALIDATION_ERROR", message: message, fieldErrors: Array(listed),
            details: errors.count > listed.count ? ["errors_total": .int(Int64(errors.count))] : JSONObject())
    }

    public static func notFound(_ message: String = "Not found") -> HTTPError {
        HTTPError(status: 404, code: "NOT_FOUND", message: message)
    }

    public static func conflict(_ message: String, code: String = "CONFLICT") -> HTTPError {
        HTTPError(status: 409, code: code, message: message)
    }

    public static let serviceUnavailable = HTTPError(
        status: 503, code: "DATABASE_UNAVAILABLE", message: "The database is unavailable; try again shortly")

    public static let internalError = HTTPError(
        status: 500, code: "INTERNAL_ERROR", message: "Internal server error")
}

/// Lets domain errors decide how they are shown without the router knowing them.
public protocol HTTPErrorConvertible: Error {
    var httpError: HTTPError { get }
}

extension Response {
    /// A JSON response with `Content-Type: application/json`.
    public static func json(_ value: JSON, status: Int = 200, headers: [HTTPHeader] = []) -> Response {
        var allHeaders = [HTTPHeader("Content-Type", "application/json; charset=utf-8")]
        if !headers.isEmpty { allHeaders.append(contentsOf: headers) }
        return Response(status: status, headers: allHeaders, body: value.serialized())
    }
}
