/// Decodes XML character data: the five predefined entities, numeric character references, and
/// (in cell text) OOXML's `_xHHHH_` escapes, which Excel uses for characters XML cannot carry
/// (`_x000D_` is a carriage return, `_x005F_` a literal underscore).
enum XMLText {
    /// The decoded text of `range` as a String. The common case (nothing to decode) copies the
    /// bytes once.
    static func decode(
        _ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, ooxmlEscapes: Bool
    ) throws(SpreadsheetError) -> String {
        if !self.needsDecoding(bytes, range, ooxmlEscapes: ooxmlEscapes) {
            return String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self)
        }
        var output: [UInt8] = []
        output.reserveCapacity(range.count)
        try self.appendDecoded(bytes, range, ooxmlEscapes: ooxmlEscapes, to: &output)
        return String(decoding: output, as: UTF8.self)
    }

    static func needsDecoding(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, ooxmlEscapes: Bool) -> Bool {
        for index in range {
            let byte = bytes[index]
            if byte == UInt8(ascii: "&") || (ooxmlEscapes && byte == UInt8(ascii: "_")) { return true }
        }
        return false
    }

    static func appendDecoded(
        _ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, ooxmlEscapes: Bool, to output: inout [UInt8]
    ) throws(SpreadsheetError) {
        var index = range.lowerBound
        let end = range.upperBound
        while index < end {
            let byte = bytes[index]
            if byte == UInt8(ascii: "&") {
                index = try self.appendEntity(bytes, at: index, end: end, to: &output)
            } else if ooxmlEscapes, byte == UInt8(ascii: "_"), let unit = self.escapedUnit(bytes, at: index, end: end) {
                index += 7
                if (0xD800...0xDBFF).contains(unit), let low = self.escapedUnit(bytes, at: index, end: end),
                    (0xDC00...0xDFFF).contains(low)
                {
                    index += 7
                    output.appendUTF8(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00))
                } else if (0xD800...0xDFFF).contains(unit) {
                    // A lone surrogate is no character: keep the escape as the literal text it then is.
                    output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[(index - 7)..<index]))
                } else {
                    output.appendUTF8(unit)
                }
            } else {
                output.append(byte)
                index += 1
            }
        }
    }

    /// The code unit of a `_xHHHH_` escape at `index`, if there is one.
    private static func escapedUnit(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int, end: Int) -> UInt32? {
        guard index + 7 <= end, bytes[index] == UInt8(ascii: "_"), bytes[index + 1] == UInt8(ascii: "x"),
            bytes[index + 6] == UInt8(ascii: "_")
        else { return nil }
        var value: UInt32 = 0
        for offset in 2..<6 {
            guard let digit = hexDigit(bytes[index + offset]) else { return nil }
            value = value << 4 | digit
        }
        return value
    }

    /// Decodes the entity that starts at `index` (an `&`) and returns the index after its `;`.
    private static func appendEntity(
        _ bytes: UnsafeBufferPointer<UInt8>, at index: Int, end: Int, to output: inout [UInt8]
    ) throws(SpreadsheetError) -> Int {
        // The longest entity we accept is `&#x10FFFF;` (10 bytes) or `&#1114111;`, leading zeros aside.
        var semicolon = index + 1
        while semicolon < end, bytes[semicolon] != UInt8(ascii: ";"), semicolon - index <= 16 { semicolon += 1 }
        guard semicolon < end, bytes[semicolon] == UInt8(ascii: ";") else {
            throw .damagedWorkbook("its XML has a stray '&'")
        }
        let name = (index + 1)..<semicolon
        switch true {
        case bytes.equals(name, "amp"): output.append(UInt8(ascii: "&"))
        case bytes.equals(name, "lt"): output.append(UInt8(ascii: "<"))
        case bytes.equals(name, "gt"): output.append(UInt8(ascii: ">"))
        case bytes.equals(name, "quot"): output.append(UInt8(ascii: "\""))
        case bytes.equals(name, "apos"): output.append(UInt8(ascii: "'"))
        case name.count >= 2 && bytes[name.lowerBound] == UInt8(ascii: "#"):
            let scalar = try self.characterReference(bytes, (name.lowerBound + 1)..<name.upperBound)
            output.appendUTF8(scalar)
        default:
            throw .damagedWorkbook("its XML uses an undefined entity")
        }
        return semicolon + 1
    }

    /// The code point of `NNN` or `xHH` in `&#NNN;` / `&#xHH;`; refuses what is no Unicode character.
    private static func characterReference(
        _ bytes: UnsafeBufferPointer<UInt8>, _ digits: Range<Int>
    ) throws(SpreadsheetError) -> UInt32 {
        let isHex = bytes[digits.lowerBound] == UInt8(ascii: "x")
        let start = isHex ? digits.lowerBound + 1 : digits.lowerBound
        var value: UInt32 = 0
        guard start < digits.upperBound else { throw .invalidCharacterReference }
        for index in start..<digits.upperBound {
            let byte = bytes[index]
            let digit: UInt32?
            if isHex {
                digit = hexDigit(byte)
            } else {
                digit = byte >= 0x30 && byte <= 0x39 ? UInt32(byte - 0x30) : nil
            }
            guard let digit else { throw .invalidCharacterReference }
            value = value * (isHex ? 16 : 10) + digit
            guard value <= 0x10FFFF else { throw .invalidCharacterReference }
        }
        guard value != 0, !(0xD800...0xDFFF).contains(value) else { throw .invalidCharacterReference }
        return value
    }

    private static func hexDigit(_ byte: UInt8) -> UInt32? {
        switch byte {
        case 0x30...0x39: return UInt32(byte - 0x30)
        case 0x41...0x46: return UInt32(byte - 0x41 + 10)
        case 0x61...0x66: return UInt32(byte - 0x61 + 10)
        default: return nil
        }
    }
}

extension SpreadsheetError {
    static let invalidCharacterReference = SpreadsheetError.damagedWorkbook(
        "its XML refers to a character that does not exist")
}
