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

/// A body written piece by piece after the head, for responses too large to build in memory
/// (the batch reports). `produce` calls `write` with each piece, in order.
public struct BodyStream: @unchecked Sendable {
    public typealias Write = (UnsafeRawBufferPointer) -> Void
    // Unchecked: a response is made and written on its worker's one thread.
    let produce: (_ write: Write) throws -> Void

    public init(_ produce: @escaping (_ write: Write) throws -> Void) {
        self.produce = produce
    }
}

/// An HTTP response to be written back through FastCGI.
public struct Response: Sendable {
    public var status: Int
    public var headers: [HTTPHeader]
    public var body: [UInt8]
    /// When set, the body is streamed after the head (without `Content-Length`) and `body` is unused.
    public var stream: BodyStream?
    /// The route pattern that answered (`/api/v1/jobs/{id}`), for the request metrics.
    public var route: String?

    public init(status: Int, headers: [HTTPHeader] = [], body: [UInt8] = [], stream: BodyStream? = nil) {
        self.status = status
        self.headers = headers
        self.body = body
        self.stream = stream
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
        if self.stream == nil {
            head.append(contentsOf: "Content-Length: ".utf8)
            head.append(contentsOf: String(self.body.count).utf8)
            head.append(contentsOf: "\r\n".utf8)
        }
        head.append(contentsOf: "\r\n".utf8)
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
