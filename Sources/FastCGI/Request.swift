import Glibc

/// One HTTP request as nginx hands it over FastCGI: the CGI parameters it needs, copied into Swift
/// strings as soon as they arrive (libfcgi reuses its buffers on the next accept), and the body.
public struct Request: Sendable {
    public let method: String
    /// `REQUEST_URI` as sent: path and query, still percent-encoded.
    public let uri: String
    /// The request path without its query, as sent (still percent-encoded).
    public let path: String
    /// The path split on `/` with each segment percent-decoded; empty segments dropped.
    public let pathSegments: [String]
    public let query: QueryParameters
    /// Request headers from the `HTTP_*` parameters (and `CONTENT_TYPE`), named in lower case with
    /// dashes: `content-type`, `idempotency-key`. A request has a handful: a list beats a hash table.
    public let headers: [HTTPHeader]
    public let remoteAddress: String
    /// `CONTENT_LENGTH` as announced (the body may be shorter if the client went away).
    public let contentLength: Int
    public let body: [UInt8]

    init(_ parameters: CGIParameters, body: [UInt8]) {
        self.method = parameters.method
        let uri = parameters.uri ?? "/"
        self.uri = uri
        let pathPart: Substring
        let queryPart: Substring
        if let mark = uri.utf8.firstIndex(of: UInt8(ascii: "?")) {
            pathPart = uri[..<mark]
            queryPart = uri[uri.utf8.index(after: mark)...]
        } else {
            pathPart = Substring(uri)
            queryPart = Substring(parameters.queryString ?? "")
        }
        self.path = String(pathPart)
        self.pathSegments = Request.segments(of: pathPart)
        self.query = QueryParameters(parsing: queryPart)
        self.headers = parameters.headers
        self.remoteAddress = parameters.remoteAddress
        self.contentLength = parameters.contentLength
        self.body = body
    }

    /// Splits on `/` over the UTF-8 view (the generic `split` costs more than the rest of the
    /// request's parsing) and percent-decodes each non-empty segment.
    static func segments(of path: Substring) -> [String] {
        var segments: [String] = []
        let utf8 = path.utf8
        var start = utf8.startIndex
        var index = start
        while true {
            if index == utf8.endIndex || utf8[index] == UInt8(ascii: "/") {
                if start != index { segments.append(PercentDecoding.decode(path[start..<index], plusAsSpace: false)) }
                if index == utf8.endIndex { return segments }
                start = utf8.index(after: index)
            }
            index = utf8.index(after: index)
        }
    }

    /// The first value of the header `name` (lower case, dashes).
    public func header(_ name: String) -> String? {
        self.headers.first(where: { $0.name == name })?.value
    }

    /// A request from CGI parameters given as a dictionary (tests; tools).
    public init(parameters: [String: String], body: [UInt8]) {
        var collected = CGIParameters()
        for (name, value) in parameters {
            var name = name
            name.withUTF8 { collected.add(name: UnsafeRawBufferPointer($0), value: { value }) }
        }
        self.init(collected, body: body)
    }
}

/// Picks the CGI parameters a `Request` uses out of the thirty-odd nginx sends, making strings
/// only of those (this runs for every request).
struct CGIParameters {
    var method = "GET"
    var uri: String?
    var queryString: String?
    var contentLength = 0
    var remoteAddress = ""
    var headers: [HTTPHeader] = []

    mutating func add(name: UnsafeRawBufferPointer, value: () -> String) {
        func named(_ literal: StaticString) -> Bool {
            literal.utf8CodeUnitCount == name.count && memcmp(literal.utf8Start, name.baseAddress!, name.count) == 0
        }
        if name.count > 5, memcmp(name.baseAddress!, "HTTP_", 5) == 0 {
            let headerName = String(unsafeUninitializedCapacity: name.count - 5) { buffer in
                for (index, byte) in name.dropFirst(5).enumerated() {
                    buffer[index] = byte == UInt8(ascii: "_") ? UInt8(ascii: "-") : (byte | (byte >= 65 && byte <= 90 ? 0x20 : 0))
                }
                return name.count - 5
            }
            self.headers.append(HTTPHeader(headerName, value()))
        } else if named("REQUEST_METHOD") {
            self.method = value()
        } else if named("REQUEST_URI") {
            self.uri = value()
        } else if named("QUERY_STRING") {
            self.queryString = value()
        } else if named("CONTENT_LENGTH") {
            self.contentLength = Int(value()) ?? 0
        } else if named("CONTENT_TYPE") {
            let contentType = value()
            if !contentType.isEmpty { self.headers.append(HTTPHeader("content-type", contentType)) }
        } else if named("REMOTE_ADDR") {
            self.remoteAddress = value()
        }
    }
}

/// Decoded `application/x-www-form-urlencoded` query parameters, in order; a name may repeat.
public struct QueryParameters: Sendable, Equatable {
    public struct Item: Sendable, Equatable {
        public let name: String
        public let value: String
    }

    public let items: [Item]

    public init(parsing query: Substring) {
        self.items = query.split(separator: "&").compactMap { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = PercentDecoding.decode(parts[0], plusAsSpace: true)
            guard !name.isEmpty else { return nil }
            let value = parts.count > 1 ? PercentDecoding.decode(parts[1], plusAsSpace: true) : ""
            return Item(name: name, value: value)
        }
    }

    /// The first value given for `name`.
    public subscript(name: String) -> String? { self.items.first(where: { $0.name == name })?.value }
}

enum PercentDecoding {
    /// Decodes `%XX` escapes (and `+` in queries); malformed escapes are kept as they are, and
    /// byte sequences that are not UTF-8 are repaired with U+FFFD rather than rejected.
    static func decode(_ text: Substring, plusAsSpace: Bool) -> String {
        let utf8 = Array(text.utf8)
        guard utf8.contains(where: { $0 == UInt8(ascii: "%") || (plusAsSpace && $0 == UInt8(ascii: "+")) }) else {
            return String(text)
        }
        var output: [UInt8] = []
        output.reserveCapacity(utf8.count)
        var index = 0
        while index < utf8.count {
            let byte = utf8[index]
            if byte == UInt8(ascii: "%"), index + 2 < utf8.count,
                let high = hexValue(utf8[index + 1]), let low = hexValue(utf8[index + 2])
            {
                output.append(high << 4 | low)
                index += 3
            } else {
                output.append(plusAsSpace && byte == UInt8(ascii: "+") ? UInt8(ascii: " ") : byte)
                index += 1
            }
        }
        return String(decoding: output, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
