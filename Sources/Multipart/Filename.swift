/// The filename of a file part, from its Content-Disposition parameters.
enum Filename {
    /// `filename*` (RFC 5987) when present and decodable, else `filename`; nil when the part has neither (it is a
    /// text field). Path components are stripped: the client's directories are none of our business.
    static func of(_ disposition: HeaderValue) -> String? {
        let extended = disposition.parameter("filename*")
        let plain = disposition.parameter("filename")
        guard extended != nil || plain != nil else { return nil }
        // An undecodable `filename*` falls back to `filename` (RFC 6266 §4.3); failing both, the file is unnamed.
        return self.lastPathComponent(extended.flatMap(self.decodeExtended) ?? plain ?? "")
    }

    /// `C:\x\a.xlsx` and `/home/u/a.xlsx` both name `a.xlsx`.
    private static func lastPathComponent(_ name: String) -> String {
        guard let separator = name.lastIndex(where: { $0 == "/" || $0 == "\\" }) else { return name }
        return String(name[name.index(after: separator)...])
    }

    /// RFC 5987 `ext-value`: `charset'language'percent-encoded`, e.g. `UTF-8''a%C3%B1o.xlsx`. Recipients must support
    /// UTF-8 and ISO-8859-1; nil for other charsets and malformed values.
    private static func decodeExtended(_ value: String) -> String? {
        let pieces = value.utf8.split(separator: ASCII.apostrophe, maxSplits: 2, omittingEmptySubsequences: false)
        guard pieces.count == 3, let bytes = self.percentDecoded(Array(pieces[2])) else { return nil }
        switch ASCII.lowercased(ArraySlice(pieces[0])) {
        case "utf-8": return String(validating: bytes, as: UTF8.self)
        case "iso-8859-1": return String(String.UnicodeScalarView(bytes.map { Unicode.Scalar($0) }))
        default: return nil
        }
    }

    private static func percentDecoded(_ encoded: [UInt8]) -> [UInt8]? {
        var bytes: [UInt8] = []
        var position = 0
        while position < encoded.count {
            guard encoded[position] == ASCII.percent else {
                bytes.append(encoded[position])
                position += 1
                continue
            }
            guard position + 2 < encoded.count, let high = self.hexValue(encoded[position + 1]),
                let low = self.hexValue(encoded[position + 2])
            else { return nil }
            bytes.append(high << 4 | low)
            position += 3
        }
        return bytes
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x30...0x39: byte - 0x30
        case 0x41...0x46: byte - 0x41 + 10
        case 0x61...0x66: byte - 0x61 + 10
        default: nil
        }
    }
}
