/// The character encoding of a CSV file: UTF-8 when every byte sequence is valid UTF-8, otherwise
/// Windows-1252, which is what Excel writes on Spanish-language Windows ("CSV (delimitado por comas)")
/// and a superset of Latin-1 for the printable characters.
enum TextEncoding {
    case utf8
    case windows1252

    static func detect(_ bytes: UnsafeBufferPointer<UInt8>) -> TextEncoding {
        // Nearly every byte of a contact list is ASCII: skip it eight bytes at a time and decode
        // only where a byte has its high bit set.
        let raw = UnsafeRawBufferPointer(bytes)
        var index = 0
        while index < bytes.count {
            if index + 8 <= bytes.count, raw.loadUnaligned(fromByteOffset: index, as: UInt64.self) & 0x8080_8080_8080_8080 == 0 {
                index += 8
                continue
            }
            if bytes[index] < 0x80 {
                index += 1
                continue
            }
            var iterator = UnsafeBufferPointer(rebasing: bytes[index..<min(bytes.count, index + 4)]).makeIterator()
            var parser = Unicode.UTF8.ForwardParser()
            guard case .valid(let scalar) = parser.parseScalar(from: &iterator) else { return .windows1252 }
            index += scalar.count
        }
        return .utf8
    }

    /// Windows-1252's characters for 0x80–0x9F; the five bytes it leaves undefined keep their
    /// Latin-1 (C1 control) meaning.
    private static let windows1252High: [UInt32] = [
        0x20AC, 0x81, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x8D,
        0x017D, 0x8F, 0x90, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A,
        0x0153, 0x9D, 0x017E, 0x0178,
    ]

    /// The character Windows-1252 shows for `byte`.
    static func windows1252Scalar(_ byte: UInt8) -> UInt32 {
        (0x80..<0xA0).contains(byte) ? Self.windows1252High[Int(byte - 0x80)] : UInt32(byte)
    }

    /// The text of `bytes`; `scratch` is reused for the Windows-1252 → UTF-8 conversion.
    func string(_ bytes: UnsafeBufferPointer<UInt8>, scratch: inout [UInt8]) -> String {
        switch self {
        case .utf8:
            return String(decoding: bytes, as: UTF8.self)
        case .windows1252:
            scratch.removeAll(keepingCapacity: true)
            for byte in bytes {
                if byte < 0x80 {
                    scratch.append(byte)
                } else {
                    scratch.appendUTF8(Self.windows1252Scalar(byte))
                }
            }
            return String(decoding: scratch, as: UTF8.self)
        }
    }
}

extension [UInt8] {
    /// Appends a Unicode scalar value as UTF-8 (callers never pass a surrogate).
    mutating func appendUTF8(_ scalar: UInt32) {
        switch scalar {
        case 0..<0x80:
            self.append(UInt8(scalar))
        case 0x80..<0x800:
            self.append(UInt8(0xC0 | scalar >> 6))
            self.append(UInt8(0x80 | scalar & 0x3F))
        case 0x800..<0x10000:
            self.append(UInt8(0xE0 | scalar >> 12))
            self.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            self.append(UInt8(0x80 | scalar & 0x3F))
        default:
            self.append(UInt8(0xF0 | scalar >> 18))
            self.append(UInt8(0x80 | scalar >> 12 & 0x3F))
            self.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            self.append(UInt8(0x80 | scalar & 0x3F))
        }
    }
}
