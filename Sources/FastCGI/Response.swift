/// One response header. A struct rather than a tuple: arrays of tuples cost a runtime metadata
/// lookup on every use, and this is on every response.
public struct HTTPHeader: Sendable, Equatable {
    public let name: String
    public let value: String

    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}

/// An HTTP response to be written back through FastCGI.
public struct Response: Sendable {
    public var status: Int
    public var headers: [HTTPHeader]
    public var body: [UInt8]

    public init(status: Int, headers: [HTTPHeader] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    public func header(_ name: String) -> String? {
        self.headers.first(where: { $0.name.lowercased() == name.lowercased() })?.value
    }

    /// The CGI response head: the `Status:` line, the headers and `Content-Length`.
    public func head() -> [UInt8] {
        var head: [UInt8] = []
        head.reserveCapacity(128 + self.headers.count * 48)
        head.append(contentsOf: "Status: ".utf8)
        head.append(contentsOf: String(self.status).utf8)
        head.append(UInt8(ascii: " "))
        head.append(contentsOf: Response.reasonPhrase(self.status).utf8)
        head.append(contentsOf: "\r\n".utf8)
        for header in self.headers {
            head.append(contentsOf: header.name.utf8)
            head.append(contentsOf: ": ".utf8)
            head.append(contentsOf: header.value.utf8)
            head.append(contentsOf: "\r\n".utf8)
        }
        head.append(contentsOf: "Content-Length: ".utf8)
        head.append(contentsOf: String(self.body.count).utf8)
        head.append(contentsOf: "\r\n\r\n".utf8)
        return head
    }

    public static func reasonPhrase(_ status: Int) -> String {
        switch status {
        case 200: return "OK"
        case 201: return "Created"
        case 204: return "No Content"
        case 400: return "Bad Request"
        case 401: return "Unauthorized"
        case 403: return "Forbidden"
        case 404: return "Not Found"
        case 405: return "Method Not Allowed"
        case 409: return "Conflict"
        case 413: return "Content Too Large"
        case 415: return "Unsupported Media Type"
        case 422: return "Unprocessable Content"
        case 429: return "Too Many Requests"
        case 500: return "Internal Server Error"
        case 502: return "Bad Gateway"
        case 503: return "Service Unavailable"
        default: return "Status"
        }
    }
}
