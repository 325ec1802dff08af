/// A JSON value that keeps object key order and numbers exact.
///
/// Numbers other than integers that fit `Int64` stay as their literal text (`.number`), so no
/// amount ever passes through binary floating point: money is printed from exact fixed-point
/// values, and parsed amounts are read from the digits the client sent.
public enum JSON: Sendable, Equatable {
    case null
    case bool(Bool)
    case int(Int64)
    /// A valid JSON number literal, written out as it is (`12.50`, `-3e2`).
    case number(String)
    case string(String)
    case array([JSON])
    case object(JSONObject)
}

/// An ordered JSON object: rendering follows insertion order, so responses read like the API document.
///
/// Lookups are linear while the object is small (the objects the API builds have a dozen members,
/// where a scan beats hashing); past `indexedCount` members a key index is kept, so that reading or
/// building an object of any size — a hostile body with 80,000 keys — stays linear in its size.
public struct JSONObject: Sendable, Equatable, ExpressibleByDictionaryLiteral {
    /// A struct rather than a tuple: arrays of tuples cost a runtime metadata lookup per use.
    public struct Entry: Sendable, Equatable {
        public let key: String
        public var value: JSON

        public init(key: String, value: JSON) {
            self.key = key
            self.value = value
        }
    }

    /// Members from which the key index is kept.
    static let indexedCount = 16

    public private(set) var entries: [Entry]
    /// Each key's position in `entries`, once there are more than `indexedCount` of them.
    private var positions: [String: Int]?

    public init(_ entries: [Entry] = []) {
        self.entries = []
        self.entries.reserveCapacity(entries.count)
        for entry in entries { self[entry.key] = entry.value }
    }

    public init(dictionaryLiteral elements: (String, JSON)...) {
        self.init(JSONObject.entries(elements))
    }

    static func entries(_ elements: [(String, JSON)]) -> [Entry] {
        var entries: [Entry] = []
        entries.reserveCapacity(elements.count)
        for (key, value) in elements { entries.append(Entry(key: key, value: value)) }
        return entries
    }

    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool { lhs.entries == rhs.entries }

    private func position(of key: String) -> Int? {
        if let positions = self.positions { return positions[key] }
        return self.entries.firstIndex(where: { $0.key == key })
    }

    public subscript(key: String) -> JSON? {
        get { self.position(of: key).map { self.entries[$0].value } }
        set {
            if let index = self.position(of: key) {
                if let newValue {
                    self.entries[index].value = newValue
                } else {
                    self.entries.remove(at: index)
                    self.positions = nil
                    self.indexIfLarge()
                }
            } else if let newValue {
                self.insertNew(key, newValue)
            }
        }
    }

    /// Appends a member whose key is not there yet; false (and nothing changes) when it is.
    public mutating func insertIfAbsent(_ key: String, _ value: JSON) -> Bool {
        guard self.position(of: key) == nil else { return false }
        self.insertNew(key, value)
        return true
    }

    private mutating func insertNew(_ key: String, _ value: JSON) {
        self.entries.append(Entry(key: key, value: value))
        if self.positions != nil {
            self.positions![key] = self.entries.count - 1
        } else {
            self.indexIfLarge()
        }
    }

    private mutating func indexIfLarge() {
        guard self.entries.count > JSONObject.indexedCount else { return }
        var positions: [String: Int] = [:]
        positions.reserveCapacity(self.entries.count * 2)
        for (index, entry) in self.entries.enumerated() { positions[entry.key] = index }
        self.positions = positions
    }

    public var keys: [String] { self.entries.map(\.key) }

    /// Whether lookups go through the key index (tests).
    var isIndexed: Bool { self.positions != nil }

    /// Appends `other`'s members after this object's (a key already present keeps its place and
    /// takes the new value).
    public mutating func append(_ other: JSONObject) {
        for entry in other.entries { self[entry.key] = entry.value }
    }
}

extension JSON: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int64) { self = .int(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: JSON...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JSON)...) {
        self = .object(JSONObject(JSONObject.entries(elements)))
    }
    public init(nilLiteral: ()) { self = .null }
}

extension JSON {
    /// `.string` or `.null` from an optional.
    public static func string(_ value: String?) -> JSON { value.map(JSON.string) ?? .null }

    public subscript(key: String) -> JSON? {
        if case .object(let object) = self { return object[key] }
        return nil
    }

    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// The literal text of a number (`.int` or `.number`), for exact parsing by the caller.
    public var numberText: String? {
        switch self {
        case .int(let value): return String(value)
        case .number(let text): return text
        default: return nil
        }
    }

    public var objectValue: JSONObject? {
        if case .object(let value) = self { return value }
        return nil
    }
}
