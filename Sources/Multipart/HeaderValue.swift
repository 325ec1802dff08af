/// A header value shaped `type; name=value; name="quoted value"`: both Content-Type (RFC 9110 §8.3) and
/// Content-Disposition (RFC 6266 §4.1) are.
struct HeaderValue {
    struct Parameter {
        /// Lowercased: parameter names are case-insensitive.
        let name: String
        /// Unquoted and unescaped, decoded as UTF-8 (invalid bytes become U+FFFD).
        let value: String
    }

    /// Lowercased, e.g. `multipart/form-data` or `form-data`.
    let type: String
    /// In the order sent.
    let parameters: [Parameter]

    /// The first parameter with that lowercase name; later duplicates are ignored.
    func parameter(_ name: String) -> String? {
        self.parameters.first { $0.name == name }?.value
    }

    /// The lowercased type alone, without looking at the parameters (which may be malformed).
    static func type(of bytes: ArraySlice<UInt8>) -> String {
        ASCII.lowercased(ASCII.trimmingWhitespace(bytes[..<(bytes.firstIndex(of: ASCII.semicolon) ?? bytes.endIndex)]))
    }

    /// Nil when a parameter is malformed: no `=`, an empty name, an unterminated quoted string, or text after one.
    init?(_ bytes: ArraySlice<UInt8>) {
        self.type = Self.type(of: bytes)
        var parameters: [Parameter] = []
        // Each turn starts at a ";" (or the end).
        var position = bytes.firstIndex(of: ASCII.semicolon) ?? bytes.endIndex
        while position < bytes.endIndex {
            position = Self.skippingWhitespace(bytes, from: position + 1)
            // Empty parameters (`;;`, a trailing `;`) are harmless.
            guard position < bytes.endIndex else { break }
            if bytes[position] == ASCII.semicolon { continue }

            guard let equals = bytes[position...].firstIndex(where: { $0 == ASCII.equals || $0 == ASCII.semicolon }),
                bytes[equals] == ASCII.equals
            else { return nil }
            let name = ASCII.lowercased(ASCII.trimmingWhitespace(bytes[position..<equals]))
            guard !name.isEmpty else { return nil }

            position = Self.skippingWhitespace(bytes, from: equals + 1)
            let value: ArraySlice<UInt8>
            if position < bytes.endIndex, bytes[position] == ASCII.quote {
                guard let quoted = Self.quotedString(bytes, openingAt: position) else { return nil }
                value = quoted.content
                position = Self.skippingWhitespace(bytes, from: quoted.end)
                guard position == bytes.endIndex || bytes[position] == ASCII.semicolon else { return nil }
            } else {
                let end = bytes[position...].firstIndex(of: ASCII.semicolon) ?? bytes.endIndex
                value = ASCII.trimmingWhitespace(bytes[position..<end])
                position = end
            }
            parameters.append(Parameter(name: name, value: String(decoding: value, as: UTF8.self)))
        }
        self.parameters = parameters
    }

    private static func skippingWhitespace(_ bytes: ArraySlice<UInt8>, from position: Int) -> Int {
        bytes[position...].firstIndex { !ASCII.isWhitespace($0) } ?? bytes.endIndex
    }

    /// Reads the quoted-string whose opening quote is at `start`: its content and the index after its closing quote.
    /// A backslash escapes only `"` and `\`; before anything else it is kept, because old browsers sent Windows paths
    /// (`C:\x\a.xlsx`) unescaped.
    private static func quotedString(
        _ bytes: ArraySlice<UInt8>, openingAt start: Int
    ) -> (content: ArraySlice<UInt8>, end: Int)? {
        var content: [UInt8] = []
        var position = start + 1
        while position < bytes.endIndex {
            var byte = bytes[position]
            if byte == ASCII.quote { return (content[...], position + 1) }
            if byte == ASCII.backslash, position + 1 < bytes.endIndex,
                bytes[position + 1] == ASCII.quote || bytes[position + 1] == ASCII.backslash
            {
                position += 1
                byte = bytes[position]
            }
            content.append(byte)
            position += 1
        }
        return nil
    }
}
