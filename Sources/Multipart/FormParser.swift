/// Walks a body from delimiter to delimiter, turning each part into a text field or a file within the limits.
struct FormParser {
    let limits: MultipartLimits
    let scanner: DelimiterScanner
    var body: [UInt8] { self.scanner.body }

    init(body: [UInt8], boundary: [UInt8], limits: MultipartLimits) {
        self.limits = limits
        self.scanner = DelimiterScanner(body: body, boundary: boundary)
    }

    func parse() throws(MultipartError) -> MultipartForm {
        let limits = self.limits
        guard var delimiter = self.scanner.first() else { throw MultipartError.noOpeningBoundary }
        var fields: [(name: String, value: String)] = []
        var files: [MultipartFile] = []
        var fieldNames: [String] = []
        var partCount = 0
        while delimiter.kind == .part {
            partCount += 1
            // Checked before reading the part, so an endless stream of tiny parts costs no more than the limit.
            guard partCount <= limits.maxParts else { throw MultipartError.tooManyParts(limit: limits.maxParts) }
            let headers = try PartHeaders.read(self.body, from: delimiter.end, maxBytes: limits.maxHeaderBytes)
            guard let next = self.scanner.next(from: headers.contentStart) else {
                throw MultipartError.noClosingBoundary
            }
            let content = self.body[headers.contentStart..<next.start]
            delimiter = next
            fieldNames.append(headers.name)

            if let filename = headers.filename {
                // How browsers send a file input where no file was chosen.
                if filename.isEmpty && content.isEmpty { continue }
                guard files.count < limits.maxFiles else { throw MultipartError.tooManyFiles(limit: limits.maxFiles) }
                files.append(
                    MultipartFile(
                        fieldName: headers.name, filename: filename, contentType: headers.contentType,
                        bytes: Array(content)))
            } else {
                guard content.count <= limits.maxFieldBytes else {
                    throw MultipartError.fieldTooLarge(headers.name, limit: limits.maxFieldBytes)
                }
                guard let value = String(validating: content, as: UTF8.self) else {
                    throw MultipartError.fieldNotUTF8(headers.name)
                }
                fields.append((name: headers.name, value: value))
            }
        }
        return MultipartForm(fields: fields, files: files, fieldNames: fieldNames)
    }
}
