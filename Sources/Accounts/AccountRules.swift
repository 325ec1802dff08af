import Money

/// Pure checks on account input, shared by the API and the tests.
public enum AccountRules {
    /// A client-chosen `account_id`: lower case letters, digits, `_` and `-`, 3–64 characters.
    public static func isValidAccountId(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard (3...64).contains(bytes.count), let first = bytes.first, isLowerAlphanumeric(first) else { return false }
        return bytes.allSatisfy { isLowerAlphanumeric($0) || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") }
    }

    /// `local@domain.tld`, without spaces, one `@`, a dot in the domain and no empty labels.
    public static func isValidEmail(_ text: String) -> Bool {
        guard text.utf8.count <= 254, !text.contains(where: { $0.isWhitespace }) else { return false }
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[0].utf8.count <= 64 else { return false }
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
