/// Why a request body is not acceptable JSON. `description` is safe to show to a client.
public struct JSONParseError: Error, Equatable, CustomStringConvertible {
    public let offset: Int
    public let reason: String

    public var description: String { "invalid JSON at byte \(self.offset): \(self.reason)" }
}

extension JSON {
    /// Parses RFC 8259 JSON, keeping numbers exact, in time linear in the input. Nesting is bounded
    /// so hostile input cannot exhaust the stack; duplicate keys and `\u0000` are refused.
    public static func parse(_ bytes: [UInt8], maximumDepth: Int = 64) throws(JSONParseError) -> JSON {
        var parser = Parser(bytes: bytes, maximumDepth: maximumDepth)
        parser.skipWhitespace()
        let value = try parser.parseValue(depth: 0)
        parser.skipWhitespace()
        guard parser.position == bytes.count else { throw parser.error("unexpected data after the value") }
        return value
    }

    public static func parse(_ text: String) throws(JSONParseError) -> JSON {
        try self.parse(Array(text.utf8))
    }
}

private struct Parser {
    let bytes: [UInt8]
    let maximumDepth: Int
    var position = 0

    init(bytes: [UInt8], maximumDepth: Int) {
        self.bytes = bytes
        self.maximumDepth = maximumDepth
    }

    func error(_ reason: String) -> JSONParseError { JSONParseError(offset: self.position, reason: reason) }

    var current: UInt8? { self.position < self.bytes.count ? self.bytes[self.position] : nil }

    mutating func skipWhitespace() {
        while let byte = self.current, byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 {
            self.position += 1
        }
    }

    mutating func expect(_ literal: String, value: JSON) throws(JSONParseError) -> JSON {
        for byte in literal.utf8 {
            guard self.current == byte else { throw self.error("invalid literal") }
            self.position += 1
        }
        return value
    }

    mutating func parseValue(depth: Int) throws(JSONParseError) -> JSON {
        guard depth <= self.maximumDepth else { throw self.error("nesting too deep") }
        guard let byte = self.current else { throw self.error("unexpected end of input") }
        switch byte {
        case UInt8(ascii: "{"): return try self.parseObject(depth: depth)
        case UInt8(ascii: "["): return try self.parseArray(depth: depth)
        case UInt8(ascii: "\""): return .string(try self.parseString())
        case UInt8(ascii: "t"): return try self.expect("true", value: .bool(true))
        case UInt8(ascii: "f"): return try self.expect("false", value: .bool(false))
        case UInt8(ascii: "n"): return try self.expect("null", value: .null)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try self.parseNumber()
        default: throw self.error("unexpected character")
        }
    }

    mutating func parseObject(depth: Int) throws(JSONParseError) -> JSON {
        self.position += 1
        var object = JSONObject()
        self.skipWhitespace()
        if self.current == UInt8(ascii: "}") {
            self.position += 1
            return .object(object)
        }
        while true {
            self.skipWhitespace()
            guard self.current == UInt8(ascii: "\"") else { throw self.error("expected a string key") }
            let key = try self.parseString()
            self.skipWhitespace()
            guard self.current == UInt8(ascii: ":") else { throw self.error("expected ':'") }
            self.position += 1
            self.skipWhitespace()
            let value = try self.parseValue(depth: depth + 1)
            guard object.insertIfAbsent(key, value) else { throw self.error("duplicate key") }
            self.skipWhitespace()
            switch self.current {
            case UInt8(ascii: ","): self.position += 1
            case UInt8(ascii: "}"):
                self.position += 1
                return .object(object)
            default: throw self.error("expected ',' or '}'")
            }
        }
    }

    mutating func parseArray(depth: Int) throws(JSONParseError) -> JSON {
        self.position += 1
        var values: [JSON] = []
        self.skipWhitespace()
        if self.current == UInt8(ascii: "]") {
            self.position += 1
            return .array(values)
        }
        while true {
            self.skipWhitespace()
            values.append(try self.parseValue(depth: depth + 1))
            self.skipWhitespace()
            switch self.current {
            case UInt8(ascii: ","): self.position += 1
            case UInt8(ascii: "]"):
                self.position += 1
                return .array(values)
            default: throw self.error("expected ',' or ']'")
            }
        }
    }

    mutating func parseHex4() throws(JSONParseError) -> UInt32 {
        guard self.position + 4 <= self.bytes.count else { throw self.error("truncated \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = self.bytes[self.position]
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
            default: throw self.error("invalid \\u escape")
            }
            value = value << 4 | digit
            self.position += 1
        }
        return value
    }

    mutating func parseString() throws(JSONParseError) -> String {
        self.position += 1
        var output: [UInt8] = []
        while true {
            guard let byte = self.current else { throw self.error("unterminated string") }
            self.position += 1
            switch byte {
            case UInt8(ascii: "\""):
                guard let text = String(validating: output, as: UTF8.self) else { throw self.error("invalid UTF-8") }
                return text
            case UInt8(ascii: "\\"):
                guard let escape = self.current else { throw self.error("unterminated escape") }
                self.position += 1
                switch escape {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): output.append(escape)
                case UInt8(ascii: "b"): output.append(0x08)
                case UInt8(ascii: "f"): output.append(0x0C)
                case UInt8(ascii: "n"): output.append(0x0A)
                case UInt8(ascii: "r"): output.append(0x0D)
                case UInt8(ascii: "t"): output.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = try self.parseHex4()
                    if (0xD800..<0xDC00).contains(scalar) {
                        guard self.current == UInt8(ascii: "\\"), self.position + 1 < self.bytes.count,
                            self.bytes[self.position + 1] == UInt8(ascii: "u")
                        else { throw self.error("unpaired surrogate") }
                        self.position += 2
                        let low = try self.parseHex4()
                        guard (0xDC00..<0xE000).contains(low) else { throw self.error("unpaired surrogate") }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    }
                    // PostgreSQL's text and jsonb cannot hold U+0000: refuse it here, wherever it is.
                    guard scalar != 0 else { throw self.error("\\u0000 (NUL) is not allowed") }
                    guard let unicode = Unicode.Scalar(scalar) else { throw self.error("invalid code point") }
                    output.append(contentsOf: Array(String(Character(unicode)).utf8))
                default: throw self.error("invalid escape")
                }
            case 0..<0x20: throw self.error("control character in string")
            default: output.append(byte)
            }
        }
    }

    mutating func parseNumber() throws(JSONParseError) -> JSON {
        let start = self.position
        var isInteger = true
        if self.current == UInt8(ascii: "-") { self.position += 1 }
        guard let first = self.current, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first) else {
            throw self.error("invalid number")
        }
        if first == UInt8(ascii: "0") {
            self.position += 1
        } else {
            self.skipDigits()
        }
        if self.current == UInt8(ascii: ".") {
            isInteger = false
            self.position += 1
            guard self.skipDigits() > 0 else { throw self.error("invalid number") }
        }
        if self.current == UInt8(ascii: "e") || self.current == UInt8(ascii: "E") {
            isInteger = false
            self.position += 1
            if self.current == UInt8(ascii: "+") || self.current == UInt8(ascii: "-") { self.position += 1 }
            guard self.skipDigits() > 0 else { throw self.error("invalid number") }
        }
        let text = String(decoding: self.bytes[start..<self.position], as: UTF8.self)
        if isInteger, let value = Int64(text) { return .int(value) }
        guard self.position - start <= 64 else { throw JSONParseError(offset: start, reason: "number too long") }
        return .number(text)
    }

    @discardableResult
    mutating func skipDigits() -> Int {
        var count = 0
        while let byte = self.current, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) {
            self.position += 1
            count += 1
        }
        return count
    }
}
