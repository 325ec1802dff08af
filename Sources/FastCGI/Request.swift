/// One HTTP request as nginx hands it over FastCGI: the CGI parameters, copied into Swift strings
/// as soon as they arrive (libfcgi reuses its buffers on the next accept), and the body.
public struct Request: Sendable {
    public let method: String
    /// The request path without its query, as sent (still percent-encoded).
    public let path: String
    /// The path split on `/` with each segment percent-decoded; empty segments dropped.
    public let pathSegments: [String]
    public let query: QueryParameters
    /// Request headers from the `HTTP_*` parameters, keyed in lower case with dashes (`content-type`).
    public let headers: [String: String]
    public let body: [UInt8]
    /// Every FastCGI parameter (`REMOTE_ADDR`, `SERVER_PORT`, …).
    public let parameters: [String: String]

    public init(parameters: [String: String], body: [UInt8]) {
        self.parameters = parameters
        self.method = parameters["REQUEST_METHOD"] ?? "GET"
        let uri = parameters["REQUEST_URI"] ?? parameters["DOCUMENT_URI"] ?? "/"
        let pathPart: Substring
        let queryPart: Substring
        if let mark = uri.firstIndex(of: "?") {
            pathPart = uri[..<mark]
            queryPart = uri[uri.index(after: mark)...]
        } else {
            pathPart = Substring(uri)
            queryPart = Substring(parameters["QUERY_STRING"] ?? "")
        }
        self.path = String(pathPart)
        self.pathSegments = pathPart.split(separator: "/").map { PercentDecoding.decode($0, plusAsSpace: false) }
        self.query = QueryParameters(parsing: queryPart)
        var headers: [String: String] = [:]
        for (key, value) in parameters where key.hasPrefix("HTTP_") {
            headers[String(key.dropFirst(5).lowercased().map { $0 == "_" ? "-" : $0 })] = value
        }
        if let contentType = parameters["CONTENT_TYPE"], !contentType.isEmpty { headers["content-type"] = contentType }
        self.headers = headers
        self.body = body
    }

    public var remoteAddress: String { self.parameters["REMOTE_ADDR"] ?? "" }
}

/// Decoded `application/x-www-form-urlencoded` query parameters, in order; a name may repeat.
public struct QueryParameters: Sendable, Equatable {
    public let items: [(name: String, value: String)]

    public init(parsing query: Substring) {
        self.items = query.split(separator: "&").compactMap { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = PercentDecoding.decode(parts[0], plusAsSpace: true)
            guard !name.isEmpty else { return nil }
            let value = parts.count > 1 ? PercentDecoding.decode(parts[1], plusAsSpace: true) : ""
            return (name: name, value: value)
        }
    }

    /// The first value given for `name`.
    public subscript(name: String) -> String? { self.items.first(where: { $0.name == name })?.value }

    public static func == (lhs: QueryParameters, rhs: QueryParameters) -> Bool {
        lhs.items.count == rhs.items.count && zip(lhs.items, rhs.items).allSatisfy { $0 == $1 }
    }
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
