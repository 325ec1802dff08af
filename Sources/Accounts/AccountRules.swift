import Money

/// Pure checks on account input, shared by the API and the tests.
public enum AccountRules {
    /// A client-chosen `account_id`: lower case letters, digits, `_` and `-`, 3–64 characters.
    public static func isValidAccountId(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard (3...64).contains(bytes.count), let first = bytes.first, isLowerAlphanumeric(first) else { return false }
        return bytes.allSatisfy { isLowerAlphanumeric($0) || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") }
    }

    /// `local@domain.tld`: one `@`, a local part of 1–64 code points, at least two non-empty domain labels,
    /// the last of at least 2 code points, and no white space (Unicode White_Space) or control character.
    /// Code points, not bytes or grapheme clusters: the rule the OpenAPI document's pattern states.
    /// The caller has trimmed the text and bounded its length.
    public static func isValidEmail(_ text: String) -> Bool {
        let scalars = Array(text.unicodeScalars)
        let refused = scalars.contains { $0.properties.isWhitespace || $0.value < 0x20 || $0.value == 0x7F }
        let parts = scalars.split(separator: "@", omittingEmptySubsequences: false)
        guard !refused, parts.count == 2, (1...64).contains(parts[0].count) else { return false }
        let labels = parts[1].split(separator: ".", omittingEmptySubsequences: false)
        return labels.count >= 2 && labels.allSatisfy { !$0.isEmpty } && (labels.last?.count ?? 0) >= 2
    }

    /// A phone as typed by people: digits, spaces, `+`, `-`, `(`, `)`, 6–32 characters.
    public static func isPlausiblePhone(_ text: String) -> Bool {
        let digits = text.filter(\.isNumber).count
        return (6...32).contains(text.count) && digits >= 6
            && text.allSatisfy { $0.isNumber || " +-().".contains($0) }
    }

    /// Amounts of money or minutes given by a client: positive and at most `maximum` (a typo guard).
    public static func amountProblem(_ value: Amount, maximum: Amount) -> String? {
        if value <= .zero { return "must be a positive number" }
        if value > maximum { return "must be at most \(maximum)" }
        return nil
    }

    private static func isLowerAlphanumeric(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }
}
