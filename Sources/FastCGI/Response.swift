/// An HTTP response to be written back through FastCGI.
public struct Response: Sendable {
    public var status: Int
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]

    public init(status: Int, headers: [(name: String, value: String)] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    public func header(_ name: String) -> String? {
        self.headers.first(where: { $0.name.lowercased() == name.lowercased() })?.value
    }

    /// The CGI response head (`Status:` line and headers) followed by the body, ready for one write.
    public func encoded() -> [UInt8] {
        var head = "Status: \(self.status) \(Response.reasonPhrase(self.status))\r\n"
        for header in self.headers {
            head += "\(header.name): \(header.value)\r\n"
        }
        head += "Content-Length: \(self.body.count)\r\n\r\n"
        var bytes = Array(head.utf8)
        bytes.append(contentsOf: self.body)
        return bytes
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
