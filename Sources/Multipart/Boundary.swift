/// The boundary parameter of a multipart/form-data Content-Type (RFC 2046 §5.1.1): 1–70 characters from `bchars`,
/// the last not a space.
///
/// Holding to the character set is not pedantry: a boundary without CR keeps the delimiter search linear
/// (see `DelimiterScanner`).
enum Boundary {
    static func parse(contentType: String) throws(MultipartError) -> [UInt8] {
        guard let header = HeaderValue(ArraySlice(contentType.utf8)) else { throw MultipartError.malformedContentType }
        guard let boundary = header.parameter("boundary") else { throw MultipartError.missingBoundary }
        let bytes = Array(boundary.utf8)
        guard (1...70).contains(bytes.count), bytes.allSatisfy(isBoundaryCharacter), bytes.last != ASCII.space else {
            throw MultipartError.invalidBoundary
        }
        return bytes
    }

    /// RFC 2046's `bchars`: letters, digits, space and `'()+_,-./:=?`.
    private static func isBoundaryCharacter(_ byte: UInt8) -> Bool {
        switch byte {
        case 0x30...0x39, 0x41...0x5A, 0x61...0x7A: true
        case ASCII.space, ASCII.apostrophe: true
        case 0x28, 0x29, 0x2B, 0x5F, 0x2C, ASCII.dash, 0x2E, 0x2F, ASCII.colon, ASCII.equals, 0x3F: true
        default: false
        }
    }
}
