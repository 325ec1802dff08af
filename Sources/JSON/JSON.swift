import Foundation

/// A JSON value that keeps object key order and numbers exact.
///
/// Money travels as `.decimal` so that no amount ever passes through binary floating point;
/// parsed numbers without a fraction or exponent become `.int` when they fit.
public enum JSON: Sendable, Equatable {
    case null
    case bool(Bool)
    case int(Int64)
    case decimal(Decimal)
    case string(String)
    case array([JSON])
    case object(JSONObject)
}

/// An ordered JSON object: rendering follows insertion order, so responses read like the API document.
public struct JSONObject: Sendable, Equatable, ExpressibleByDictionaryLiteral {
    public private(set) var entries: [(key: String, value: JSON)]

    public init(_ entries: [(key: String, value: JSON)] = []) {
        self.entries = entries
    }

    public init(dictionaryLiteral elements: (String, JSON)...) {
        self.entries = elements.map { (key: $0.0, value: $0.1) }
    }

    public subscript(key: String) -> JSON? {
        get { self.entries.first(where: { $0.key == key })?.value }
        set {
            if let index = self.entries.firstIndex(where: { $0.key == key }) {
                if let newValue { self.entries[index].value = newValue } else { self.entries.remove(at: index) }
            } else if let newValue {
                self.entries.append((key: key, value: newValue))
            }
        }
    }

    public var keys: [String] { self.entries.map(\.key) }

    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        lhs.entries.count == rhs.entries.count
            && zip(lhs.entries, rhs.entries).allSatisfy { $0.key == $1.key && $0.value == $1.value }
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
        self = .object(JSONObject(elements.map { (key: $0.0, value: $0.1) }))
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

    public var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    /// The exact numeric value of `.int` or `.decimal`.
    public var decimalValue: Decimal? {
        switch self {
        case .int(let value): return Decimal(value)
        case .decimal(let value): return value
        default: return nil
        }
    }

    public var objectValue: JSONObject? {
        if case .object(let value) = self { return value }
        return nil
    }

    public var arrayValue: [JSON]? {
        if case .array(let value) = self { return value }
        return nil
    }

    public var isNull: Bool { self == .null }
}
