#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A forward-only XML tokenizer over bytes already in memory. It allocates nothing: tokens are
/// ranges into `bytes`, element names are local names (a `x:` namespace prefix is dropped, as some
/// generators write `<x:row>`), and text keeps its entities (see `XMLText`). It is not a validating
/// parser; it knows just enough XML for the SpreadsheetML parts, and it refuses DTDs (`<!DOCTYPE`,
/// `<!ENTITY`), the vehicle of entity-expansion attacks.
struct XMLTokenizer {
    enum Token {
        case startTag(name: Range<Int>, attributes: Range<Int>, selfClosing: Bool)
        case endTag(name: Range<Int>)
        /// Character data with its entities still encoded.
        case text(Range<Int>)
        /// The inside of a `<![CDATA[…]]>` section, to be taken literally.
        case cdata(Range<Int>)
    }

    let bytes: UnsafeBufferPointer<UInt8>
    private var position = 0

    init(_ bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    mutating func next() throws(SpreadsheetError) -> Token? {
        while self.position < self.bytes.count {
            let start = self.position
            guard self.bytes[start] == UInt8(ascii: "<") else {
                let end = self.bytes.index(of: UInt8(ascii: "<"), from: start) ?? self.bytes.count
                self.position = end
                return .text(start..<end)
            }
            guard start + 1 < self.bytes.count else { throw .damagedWorkbook("its XML ends inside a tag") }
            switch self.bytes[start + 1] {
            case UInt8(ascii: "/"):
                let name = try self.bytes.tagName(from: start + 2)
                guard let close = self.bytes.tagEnd(from: name.upperBound) else {
                    throw .damagedWorkbook("its XML ends inside a tag")
                }
                self.position = close + 1
                return .endTag(name: self.bytes.localName(name))
            case UInt8(ascii: "?"):
                self.position = try self.bytes.skip(past: "?>", from: start + 2)
            case UInt8(ascii: "!"):
                if self.bytes.hasPrefix("<!--", at: start) {
                    self.position = try self.bytes.skip(past: "-->", from: start + 4)
                } else if self.bytes.hasPrefix("<![CDATA[", at: start) {
                    let end = try self.bytes.skip(past: "]]>", from: start + 9)
                    self.position = end
                    return .cdata((start + 9)..<(end - 3))
                } else {
                    throw .entityDeclarations
                }
            default:
                let name = try self.bytes.tagName(from: start + 1)
                guard let close = self.bytes.tagEnd(from: name.upperBound) else {
                    throw .damagedWorkbook("its XML ends inside a tag")
                }
                let selfClosing = close > name.lowerBound && self.bytes[close - 1] == UInt8(ascii: "/")
                self.position = close + 1
                return .startTag(
                    name: self.bytes.localName(name), attributes: name.upperBound..<(selfClosing ? close - 1 : close),
                    selfClosing: selfClosing)
            }
        }
        return nil
    }
}

extension SpreadsheetError {
    static let entityDeclarations = SpreadsheetError(
        .corrupt, "The workbook contains XML entity declarations, which are not accepted")
}

/// Iterates the `name="value"` pairs of a start tag's attribute range. Names are local names;
/// values are raw (entities encoded).
struct XMLAttributes {
    let bytes: UnsafeBufferPointer<UInt8>
    private var position: Int
    private let end: Int

    init(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) {
        self.bytes = bytes
        self.position = range.lowerBound
        self.end = range.upperBound
    }

    mutating func next() throws(SpreadsheetError) -> (name: Range<Int>, value: Range<Int>)? {
        self.skipWhitespace()
        guard self.position < self.end else { return nil }
        let nameStart = self.position
        while self.position < self.end, !self.bytes[self.position].isXMLWhitespace,
            self.bytes[self.position] != UInt8(ascii: "=")
        {
            self.position += 1
        }
        let name = nameStart..<self.position
        self.skipWhitespace()
        guard self.position < self.end, self.bytes[self.position] == UInt8(ascii: "=") else {
            throw .damagedWorkbook("an XML attribute has no value")
        }
        self.position += 1
        self.skipWhitespace()
        guard self.position < self.end else { throw .damagedWorkbook("an XML attribute has no value") }
        let quote = self.bytes[self.position]
        guard quote == UInt8(ascii: "\"") || quote == UInt8(ascii: "'") else {
            throw .damagedWorkbook("an XML attribute value is not quoted")
        }
        let valueStart = self.position + 1
        guard let valueEnd = self.bytes.index(of: quote, from: valueStart), valueEnd < self.end else {
            throw .damagedWorkbook("an XML attribute value is not closed")
        }
        self.position = valueEnd + 1
        return (self.bytes.localName(name), valueStart..<valueEnd)
    }

    private mutating func skipWhitespace() {
        while self.position < self.end, self.bytes[self.position].isXMLWhitespace { self.position += 1 }
    }
}

extension UInt8 {
    var isXMLWhitespace: Bool {
        self == 0x20 || self == 0x0A || self == 0x0D || self == 0x09
    }
}

/// Byte-level searching shared by the tokenizer and the streaming element splitter.
extension UnsafeBufferPointer<UInt8> {
    /// The first index of `byte` at or after `start` (memchr: the scanners' inner loop).
    @inline(__always)
    func index(of byte: UInt8, from start: Int) -> Int? {
        guard start < self.count, let base = self.baseAddress else { return nil }
        guard let found = memchr(base + start, Int32(byte), self.count - start) else { return nil }
        return base.distance(to: found.assumingMemoryBound(to: UInt8.self))
    }

    @inline(__always)
    func equals(_ range: Range<Int>, _ literal: StaticString) -> Bool {
        let count = literal.utf8CodeUnitCount
        guard range.count == count else { return false }
        let expected = literal.utf8Start
        for offset in 0..<count where self[range.lowerBound + offset] != expected[offset] { return false }
        return true
    }

    func hasPrefix(_ literal: StaticString, at start: Int) -> Bool {
        start + literal.utf8CodeUnitCount <= self.count
            && self.equals(start..<(start + literal.utf8CodeUnitCount), literal)
    }

    /// The index just past the next occurrence of `terminator` at or after `start`.
    func skip(past terminator: StaticString, from start: Int) throws(SpreadsheetError) -> Int {
        guard let end = self.end(of: terminator, from: start) else {
            throw .damagedWorkbook("its XML ends inside a comment or declaration")
        }
        return end
    }

    /// Like `skip(past:from:)`, nil when the terminator is not (yet) there.
    func end(of terminator: StaticString, from start: Int) -> Int? {
        let first = terminator.utf8Start[0]
        var searchFrom = start
        while let candidate = self.index(of: first, from: searchFrom) {
            if self.hasPrefix(terminator, at: candidate) { return candidate + terminator.utf8CodeUnitCount }
            searchFrom = candidate + 1
        }
        return nil
    }

    /// The qualified name of a tag that starts at `start` (just past `<` or `</`).
    func tagName(from start: Int) throws(SpreadsheetError) -> Range<Int> {
        var end = start
        while end < self.count {
            let byte = self[end]
            if byte.isXMLWhitespace || byte == UInt8(ascii: ">") || byte == UInt8(ascii: "/") { break }
            end += 1
        }
        guard end > start, end < self.count else { throw .damagedWorkbook("its XML ends inside a tag") }
        return start..<end
    }

    /// The index of the `>` that ends a tag, skipping quoted attribute values (which may hold `>`).
    func tagEnd(from start: Int) -> Int? {
        var index = start
        var quote: UInt8 = 0
        while index < self.count {
            let byte = self[index]
            if quote != 0 {
                if byte == quote { quote = 0 }
            } else if byte == UInt8(ascii: ">") {
                return index
            } else if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") {
                quote = byte
            }
            index += 1
        }
        return nil
    }

    /// `x:row` → `row`.
    func localName(_ name: Range<Int>) -> Range<Int> {
        var index = name.upperBound
        while index > name.lowerBound {
            if self[index - 1] == UInt8(ascii: ":") { return index..<name.upperBound }
            index -= 1
        }
        return name
    }
}
