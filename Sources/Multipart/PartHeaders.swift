/// What the header block of one part says (RFC 7578 §4.2–4.4): the field's name, whether it is a file, and where its
/// content begins. Header lines may end in CRLF or a bare LF (some clients); headers other than Content-Disposition
/// and Content-Type are ignored.
struct PartHeaders {
    let name: String
    /// Present when Content-Disposition has `filename` or `filename*`: the part is a file.
    let filename: String?
    let contentType: String?
    /// The index after the blank line that ends the headers.
    let contentStart: Int

    static func read(_ body: [UInt8], from start: Int, maxBytes: Int) throws(MultipartError) -> PartHeaders {
        // Line ends are looked for only within the limit: a part whose headers never end costs at most that much.
        let windowEnd = body.count - start <= maxBytes ? body.count : start + max(0, maxBytes)
        var disposition: HeaderValue?
        var contentType: String?
        var lineStart = start
        while true {
            guard let lineFeed = body[lineStart..<windowEnd].firstIndex(of: ASCII.lf) else {
                throw windowEnd == body.count
                    ? MultipartError.truncatedHeaders : MultipartError.headersTooLarge(limit: maxBytes)
            }
            let lineEnd = lineFeed > lineStart && body[lineFeed - 1] == ASCII.cr ? lineFeed - 1 : lineFeed
            let line = body[lineStart..<lineEnd]
            lineStart = lineFeed + 1
            if line.isEmpty { break }

            guard let colon = line.firstIndex(of: ASCII.colon) else { throw MultipartError.malformedHeader }
            let headerName = ASCII.lowercased(ASCII.trimmingWhitespace(line[..<colon]))
            let value = ASCII.trimmingWhitespace(line[(colon + 1)...])
            switch headerName {
            case "":
                throw MultipartError.malformedHeader
            case "content-disposition":
                // Two could be read differently by two readers; there is no honest reason to send them.
                guard disposition == nil else { throw MultipartError.duplicateContentDisposition }
                guard let parsed = HeaderValue(value) else { throw MultipartError.malformedContentDisposition }
                disposition = parsed
            case "content-type":
                contentType = contentType ?? String(decoding: value, as: UTF8.self)
            default:
                continue
            }
        }

        guard let disposition, disposition.type == "form-data" else { throw MultipartError.missingContentDisposition }
        guard let name = disposition.parameter("name"), !name.isEmpty else { throw MultipartError.missingName }
        return PartHeaders(
            name: name, filename: Filename.of(disposition), contentType: contentType, contentStart: lineStart)
    }
}
