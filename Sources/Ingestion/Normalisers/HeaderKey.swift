public enum HeaderKey {
    /// The key a column header is matched by: lower-case, accents stripped, and every character that is not
    /// [a-z0-9] removed. "Teléfono Móvil" → "telefonomovil", "RUT/DNI" → "rutdni", "Días de retraso" →
    /// "diasderetraso", "  Saldo_actualizado " → "saldoactualizado". (The previous system kept "/" and other
    /// punctuation.) For a non-text header cell, normalise its `cellText`.
    public static func normalize(_ text: String) -> String {
        var key: [UInt8] = []
        key.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x30...0x39, 0x61...0x7A: key.append(UInt8(scalar.value))
            case 0x41...0x5A: key.append(UInt8(scalar.value) + 0x20)
            case 0xC0...0x17F: appendBaseLetters(of: scalar.value, to: &key)
            // Everything else goes: punctuation, white space, the combining accents of decomposed (NFD) text,
            // other scripts.
            default: break
            }
        }
        return String(decoding: key, as: UTF8.self)
    }

    /// A Latin-1 Supplement or Latin Extended-A letter as its lower-case ASCII base letter(s): á → a, Ñ → n, ł → l,
    /// ß → ss. × and ÷ are not letters and give nothing.
    private static func appendBaseLetters(of value: UInt32, to key: inout [UInt8]) {
        switch value {
        case 0xC6, 0xE6: key += "ae".utf8  // Æ æ
        case 0xDE, 0xFE: key += "th".utf8  // Þ þ
        case 0xDF: key += "ss".utf8  // ß
        case 0x132, 0x133: key += "ij".utf8  // Ĳ ĳ
        case 0x152, 0x153: key += "oe".utf8  // Œ œ
        default:
            let letter = baseLetters[Int(value - 0xC0)]
            if letter != UInt8(ascii: "_") { key.append(letter) }
        }
    }

    /// One byte per scalar from U+00C0 to U+017F: its base letter per Unicode's canonical decomposition (or, for
    /// letters without one such as ø, đ, ł, ı, the letter it is drawn from); "_" for ×, ÷ and the ligatures
    /// handled above.
    private static let baseLetters: [UInt8] = Array(
        ("aaaaaa_ceeeeiiiidnooooo_ouuuuy__aaaaaa_ceeeeiiiidnooooo_ouuuuy_y"  // U+00C0–U+00FF
            + "aaaaaaccccccccddddeeeeeeeeeegggggggghhhhiiiiiiiiii__jjkkklllllll"  // U+0100–U+013F
            + "lllnnnnnnnnnoooooo__rrrrrrssssssssttttttuuuuuuuuuuuuwwyyyzzzzzzs").utf8)  // U+0140–U+017F
}
