import Testing

@testable import Multipart

// Bodies are written as clients send them: "\r" at the end of a line of a multi-line literal makes a CRLF.

private func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

private func parse(_ body: [UInt8], limits: MultipartLimits = MultipartLimits()) throws -> MultipartForm {
    try MultipartForm.parse(body: body, contentType: "multipart/form-data; boundary=frontier", limits: limits)
}

/// One part of a body built with boundary "frontier": its header lines, then its content.
private struct Part {
    let headers: [String]
    let content: [UInt8]

    static func field(_ name: String, _ value: String) -> Part {
        Part(headers: ["Content-Disposition: form-data; name=\"\(name)\""], content: bytes(value))
    }

    static func file(_ name: String, filename: String, _ content: [UInt8]) -> Part {
        let disposition = "Content-Disposition: form-data; name=\"\(name)\"; filename=\"\(filename)\""
        return Part(headers: [disposition, "Content-Type: application/octet-stream"], content: content)
    }

    var encoded: [UInt8] { bytes("--frontier\r\n" + self.headers.joined(separator: "\r\n") + "\r\n\r\n") + self.content }
}

private func body(_ parts: [Part]) -> [UInt8] {
    parts.flatMap { $0.encoded + bytes("\r\n") } + bytes("--frontier--\r\n")
}

private let chromeContentType = "multipart/form-data; boundary=----WebKitFormBoundary7MA4YWxkTrZu0gW"

private let allByteValues = (0...255).map { UInt8($0) }

@Suite struct ParsingTests {
    @Test func parsesABrowserUpload() throws {
        let spreadsheet: [UInt8] = [0x50, 0x4B, 0x03, 0x04, 0x14, 0x00, 0x0D, 0x0A, 0x2D, 0x2D, 0x00, 0xFF, 0x0D, 0x0A]
        let head = bytes(
            """
            ------WebKitFormBoundary7MA4YWxkTrZu0gW\r
            Content-Disposition: form-data; name="account_id"\r
            \r
            42\r
            ------WebKitFormBoundary7MA4YWxkTrZu0gW\r
            Content-Disposition: form-data; name="batch_name"\r
            \r
            Campaña Ñuñoa\r
            ------WebKitFormBoundary7MA4YWxkTrZu0gW\r
            Content-Disposition: form-data; name="allow_duplicates"\r
            \r
            true\r
            ------WebKitFormBoundary7MA4YWxkTrZu0gW\r
            Content-Disposition: form-data; name="call_settings_json"\r
            \r
            {"voice": "es-CL",\r
             "greeting": "Hola \\"cliente\\"",
             "retries": 2}\r
            ------WebKitFormBoundary7MA4YWxkTrZu0gW\r
            Content-Disposition: form-data; name="file"; filename="contactos.xlsx"\r
            Content-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet\r
            \r

            """)
        let tail = bytes("\r\n------WebKitFormBoundary7MA4YWxkTrZu0gW--\r\n")

        let form = try MultipartForm.parse(body: head + spreadsheet + tail, contentType: chromeContentType)

        #expect(form.fields.map { $0.name } == ["account_id", "batch_name", "allow_duplicates", "call_settings_json"])
        #expect(form.value("account_id") == "42")
        #expect(form.value("batch_name") == "Campaña Ñuñoa")
        #expect(form.value("allow_duplicates") == "true")
        #expect(form.value("call_settings_json") == #"{"voice": "es-CL",\#r\#n "greeting": "Hola \"cliente\"",\#n "retries": 2}"#)
        #expect(form.files.count == 1)
        let file = try #require(form.file("file"))
        #expect(file.fieldName == "file")
        #expect(file.filename == "contactos.xlsx")
        #expect(file.contentType == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        #expect(file.bytes == spreadsheet)
        #expect(form.fieldNames == ["account_id", "batch_name", "allow_duplicates", "call_settings_json", "file"])
    }

    @Test func parsesACurlUpload() throws {
        // curl -F account_id=42 -F file=@lista.csv;type=text/csv
        let body = bytes(
            """
            --------------------------dYJuF3bUIVHQpuXlJchb7H\r
            Content-Disposition: form-data; name="account_id"\r
            \r
            42\r
            --------------------------dYJuF3bUIVHQpuXlJchb7H\r
            Content-Disposition: form-data; name="file"; filename="lista.csv"\r
            Content-Type: text/csv\r
            \r
            nombre,telefono\r
            Ana,+56912345678\r
            \r
            --------------------------dYJuF3bUIVHQpuXlJchb7H--\r

            """)
        let contentType = "multipart/form-data; boundary=------------------------dYJuF3bUIVHQpuXlJchb7H"
        let form = try MultipartForm.parse(body: body, contentType: contentType)
        #expect(form.value("account_id") == "42")
        let file = try #require(form.file("file"))
        #expect(file.filename == "lista.csv")
        #expect(file.contentType == "text/csv")
        #expect(file.bytes == bytes("nombre,telefono\r\nAna,+56912345678\r\n"))
    }

    @Test(arguments: [
        (#"multipart/form-data; boundary="simple boundary""#, "simple boundary"),
        (#"multipart/form-data; boundary="gc0pJq0M:08jU534c0p""#, "gc0pJq0M:08jU534c0p"),
        (#"Multipart/Form-Data; charset=UTF-8; BOUNDARY="frontier" ; x=y"#, "frontier"),
        ("multipart/form-data;boundary=frontier;charset=utf-8", "frontier"),
        ("multipart/form-data; ; boundary=frontier; boundary=other;", "frontier"),
        ("multipart/form-data; boundary=" + String(repeating: "7", count: 70), String(repeating: "7", count: 70)),
    ])
    func readsTheBoundaryFromTheContentType(contentType: String, boundary: String) throws {
        let body = bytes("--\(boundary)\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nvalue\r\n--\(boundary)--")
        let form = try MultipartForm.parse(body: body, contentType: contentType)
        #expect(form.value("a") == "value")
    }

    @Test func takesTheBoundaryTextInsideContentAsContent() throws {
        // Only CRLF "--frontier" followed by "--" or a line break delimits; everything else here is content.
        let content = bytes(
            "--frontier--\n--frontier\r\n\r--frontier\n-frontier\r\n-frontier\r\n--frontierx\r\n--frontier \t x\r\n--")
        let form = try parse(body([.file("file", filename: "a.bin", content), .field("after", "yes")]))
        #expect(form.file("file")?.bytes == content)
        #expect(form.value("after") == "yes")
    }

    @Test(arguments: [
        allByteValues + [0x0D, 0x0A],
        [0x0D, 0x0A] + allByteValues.reversed() + [0x0D, 0x0A, 0x0D, 0x0A],
        allByteValues + bytes("\r\n-"),
        [0x0D],
        [0x0D, 0x0A],
        [0x0A],
    ])
    func keepsFileContentExactly(content: [UInt8]) throws {
        let form = try parse(body([.file("file", filename: "a.bin", content)]))
        #expect(form.file("file")?.bytes == content)
    }

    @Test func acceptsBareLineFeedsInHeaders() throws {
        let body = bytes(
            """
            --frontier
            Content-Disposition: form-data; name="batch_name"
            Content-Type: text/plain

            Lista\r
            --frontier
            Content-Disposition: form-data; name="file"; filename="a.csv"

            x,y\r
            --frontier--
            """)
        let form = try parse(body)
        #expect(form.value("batch_name") == "Lista")
        #expect(form.file("file")?.bytes == bytes("x,y"))
    }

    @Test(arguments: [#"C:\x\a.xlsx"#, #"C:\\x\\a.xlsx"#, "/home/ana/a.xlsx", "../../a.xlsx", "a.xlsx"])
    func stripsPathsFromFilenames(filename: String) throws {
        let form = try parse(body([.file("file", filename: filename, [1])]))
        #expect(form.file("file")?.filename == "a.xlsx")
    }

    @Test(arguments: [
        (#"filename="ano.xlsx"; filename*=UTF-8''a%C3%B1o.xlsx"#, "año.xlsx"),
        (#"filename*=utf-8'es'a%c3%b1o.xlsx; filename="ano.xlsx""#, "año.xlsx"),
        ("filename*=ISO-8859-1''a%F1o.xlsx", "año.xlsx"),
        ("filename*=UTF-8''%2Ftmp%2Fa%20b.xlsx", "a b.xlsx"),
        // Not decodable (invalid UTF-8, an unknown charset, a bad escape): `filename` it is.
        (#"filename*=UTF-8''a%F1o.xlsx; filename="ano.xlsx""#, "ano.xlsx"),
        (#"filename*=KOI8-R''a.xlsx; filename="ano.xlsx""#, "ano.xlsx"),
        (#"filename*=UTF-8''a%C.xlsx; filename="ano.xlsx""#, "ano.xlsx"),
        ("filename*=UTF-8''a%C", ""),
    ])
    func prefersTheExtendedFilename(parameters: String, filename: String) throws {
        let part = Part(headers: ["Content-Disposition: form-data; name=\"file\"; \(parameters)"], content: [1])
        let form = try parse(body([part]))
        #expect(form.file("file")?.filename == filename)
    }

    @Test func skipsAnEmptyFileInput() throws {
        let form = try parse(body([.file("file", filename: "", []), .field("batch_name", "Lista")]))
        #expect(form.files.isEmpty)
        #expect(form.file("file") == nil)
        #expect(form.value("batch_name") == "Lista")
        #expect(form.fieldNames == ["file", "batch_name"])
    }

    @Test func keepsFilesThatAreOnlyUnnamedOrOnlyEmpty() throws {
        let limits = MultipartLimits(maxFiles: 2)
        let form = try parse(
            body([.file("unnamed", filename: "", [1]), .file("empty", filename: "empty.csv", [])]), limits: limits)
        #expect(form.file("unnamed")?.bytes == [1])
        #expect(form.file("empty")?.filename == "empty.csv")
        #expect(form.file("empty")?.bytes == [])
    }

    @Test func ignoresPreambleEpilogueAndTransportPadding() throws {
        let body = bytes(
            """
            --frontierless preamble, mentioning --frontier\r
            \r
            --frontier \t\r
            Content-Disposition: form-data; name="a"\r
            \r
            1\r
            --frontier\t\r
            Content-Disposition: form-data; name="b"\r
            \r
            2\r
            --frontier--  \r
            The epilogue, then a part that is not one:\r
            --frontier\r
            Content-Disposition: form-data; name="ghost"\r
            \r
            boo\r
            --frontier--\r

            """)
        let form = try parse(body)
        #expect(form.fields.map { "\($0.name)=\($0.value)" } == ["a=1", "b=2"])
    }

    @Test func readsHeadersCaseInsensitivelyAndUnescapesQuotes() throws {
        let quoted = Part(
            headers: [#"CONTENT-DISPOSITION:Form-Data;NAME="say \"hi\" \\o/""#, "X-Ignored: yes", "content-type:  text/plain"],
            content: bytes("hello"))
        let token = Part(headers: ["Content-Disposition: form-data; name=token_name"], content: [])
        let form = try parse(body([quoted, token]))
        #expect(form.value(#"say "hi" \o/"#) == "hello")
        #expect(form.value("token_name") == "")
    }

    @Test func keepsDuplicateFieldsInOrder() throws {
        let form = try parse(body([.field("tag", "first"), .field("other", "x"), .field("tag", "second")]))
        #expect(form.fields.map { $0.value } == ["first", "x", "second"])
        #expect(form.value("tag") == "first")
        #expect(form.fieldNames == ["tag", "other", "tag"])
    }

    @Test func parsesABodyWithNoParts() throws {
        let form = try parse(bytes("--frontier--\r\n"))
        #expect(form.fields.isEmpty && form.files.isEmpty && form.fieldNames.isEmpty)
    }

    @Test func parsesATwentyMegabyteUpload() throws {
        // CSV-shaped content puts a CR every 40 bytes in the delimiter search's way, and near-misses of the delimiter.
        var chunk: [UInt8] = []
        for _ in 0..<1600 { chunk += bytes("12345678-9,Ana María Pérez,+56912345678\r\n") }
        chunk += bytes("\r\n------WebKitFormBoundary7MA4YWxkTrZu0g-\r\n")
        var file: [UInt8] = []
        while file.count + chunk.count <= 20 << 20 { file += chunk }
        let head = "------WebKitFormBoundary7MA4YWxkTrZu0gW\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.csv\""
        let body = bytes(head + "\r\n\r\n") + file + bytes("\r\n------WebKitFormBoundary7MA4YWxkTrZu0gW--\r\n")

        var form: MultipartForm?
        let elapsed = try ContinuousClock().measure {
            form = try MultipartForm.parse(body: body, contentType: chromeContentType)
        }
        print("Parsed a \(body.count)-byte body in \(elapsed)")
        #expect(form?.file("file")?.bytes == file)
    }
}

@Suite struct RejectionTests {
    @Test(arguments: ["application/json", "multipart/mixed; boundary=frontier", "text/plain; a=multipart/form-data", ""])
    func rejectsOtherContentTypes(contentType: String) {
        #expect(!MultipartForm.isMultipartFormData(contentType))
        #expect(throws: MultipartError.notFormData) {
            try MultipartForm.parse(body: body([.field("a", "1")]), contentType: contentType)
        }
    }

    @Test(arguments: ["multipart/form-data", " Multipart/Form-Data ; boundary=\"unterminated"])
    func recognisesFormDataWhateverItsParameters(contentType: String) {
        #expect(MultipartForm.isMultipartFormData(contentType))
    }

    @Test(arguments: [
        ("multipart/form-data", MultipartError.missingBoundary),
        ("multipart/form-data; charset=utf-8", .missingBoundary),
        (#"multipart/form-data; boundary="frontier"#, .malformedContentType),
        ("multipart/form-data; boundary", .malformedContentType),
        ("multipart/form-data; boundary=", .invalidBoundary),
        (#"multipart/form-data; boundary="""#, .invalidBoundary),
        ("multipart/form-data; boundary=" + String(repeating: "7", count: 71), .invalidBoundary),
        ("multipart/form-data; boundary=a@b", .invalidBoundary),
        (#"multipart/form-data; boundary="frontier ""#, .invalidBoundary),
    ])
    func rejectsMissingAndInvalidBoundaries(contentType: String, error: MultipartError) {
        #expect(throws: error) { try MultipartForm.parse(body: body([.field("a", "1")]), contentType: contentType) }
    }

    @Test(arguments: [
        ("", MultipartError.noOpeningBoundary),
        ("no boundary here", .noOpeningBoundary),
        ("--frontierx\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--frontierx--", .noOpeningBoundary),
        ("--frontier\rContent-Disposition: form-data; name=\"a\"\r\n\r\n1", .noOpeningBoundary),
        ("--frontier\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1", .noClosingBoundary),
        ("--frontier\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--frontier", .noClosingBoundary),
        ("--frontier\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--frontier-", .noClosingBoundary),
        ("--frontier\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\n--frontier--", .noClosingBoundary),
        ("--frontier\r\n", .truncatedHeaders),
        ("--frontier\r\nContent-Disposition: form-data; name=\"a\"", .truncatedHeaders),
        ("--frontier\r\nContent-Disposition: form-data; name=\"a\"\r\n", .truncatedHeaders),
    ])
    func rejectsMalformedBodies(body: String, error: MultipartError) {
        #expect(throws: error) { try parse(bytes(body)) }
    }

    @Test(arguments: [
        ("Content-Disposition form-data; name=\"a\"", MultipartError.malformedHeader),
        (": form-data\r\nContent-Disposition: form-data; name=\"a\"", .malformedHeader),
        ("Content-Type: text/plain", .missingContentDisposition),
        ("Content-Disposition: attachment; name=\"a\"", .missingContentDisposition),
        ("Content-Disposition: form-data; name=\"a\"\r\nContent-Disposition: form-data; name=\"b\"", .duplicateContentDisposition),
        ("Content-Disposition: form-data; name=\"a", .malformedContentDisposition),
        ("Content-Disposition: form-data; name", .malformedContentDisposition),
        ("Content-Disposition: form-data; name=\"a\" b", .malformedContentDisposition),
        ("Content-Disposition: form-data; =\"b\"; name=\"a\"", .malformedContentDisposition),
        ("Content-Disposition: form-data; filename=\"a.csv\"", .missingName),
        ("Content-Disposition: form-data; name=\"\"", .missingName),
    ])
    func rejectsMalformedPartHeaders(headers: String, error: MultipartError) {
        #expect(throws: error) { try parse(body([Part(headers: [headers], content: bytes("1"))])) }
    }

    @Test func rejectsEveryTruncationOfABody() {
        let parts: [Part] = [.field("batch_name", "Lista"), .file("file", filename: "a.bin", allByteValues + [0x0D, 0x0A])]
        let closed = Array(body(parts).dropLast(2))  // no epilogue: every shorter prefix lacks the close delimiter
        #expect((try? parse(closed)) != nil)
        for length in 0..<closed.count {
            #expect(throws: MultipartError.self, "prefix of \(length) bytes") { try parse(Array(closed[..<length])) }
        }
    }

    @Test func limitsTheHeaderBlock() throws {
        let part = Part.field("a", "1")
        let headerBlockSize = bytes(part.headers.joined(separator: "\r\n") + "\r\n\r\n").count
        #expect(try parse(body([part]), limits: MultipartLimits(maxHeaderBytes: headerBlockSize)).value("a") == "1")
        #expect(throws: MultipartError.headersTooLarge(limit: headerBlockSize - 1)) {
            try parse(body([part]), limits: MultipartLimits(maxHeaderBytes: headerBlockSize - 1))
        }
        let padded = Part(headers: part.headers + ["X-Padding: " + String(repeating: "x", count: 8192)], content: [])
        #expect(throws: MultipartError.headersTooLarge(limit: 8192)) { try parse(body([padded])) }
    }

    @Test func limitsTextFieldsButNotFiles() throws {
        let limits = MultipartLimits(maxFieldBytes: 4)
        let atTheLimit = try parse(body([.field("a", "1234"), .file("file", filename: "a.csv", [1, 2, 3, 4, 5])]), limits: limits)
        #expect(atTheLimit.value("a") == "1234")
        #expect(throws: MultipartError.fieldTooLarge("a", limit: 4)) {
            try parse(body([.field("a", "12345")]), limits: limits)
        }
    }

    @Test func limitsParts() throws {
        let limits = MultipartLimits(maxParts: 2)
        #expect(try parse(body([.field("a", "1"), .field("b", "2")]), limits: limits).fields.count == 2)
        #expect(throws: MultipartError.tooManyParts(limit: 2)) {
            try parse(body([.field("a", "1"), .field("b", "2"), .field("c", "3")]), limits: limits)
        }
    }

    @Test func limitsFiles() throws {
        let twoFiles = body([.file("file", filename: "a.csv", [1]), .file("file", filename: "b.csv", [2])])
        #expect(throws: MultipartError.tooManyFiles(limit: 1)) { try parse(twoFiles) }
        let form = try parse(twoFiles, limits: MultipartLimits(maxFiles: 2))
        #expect(form.files.map { $0.filename } == ["a.csv", "b.csv"])
    }

    @Test func rejectsTextFieldsThatAreNotUTF8() {
        let latin1 = Part(headers: ["Content-Disposition: form-data; name=\"batch_name\""], content: [0x43, 0x61, 0xF1, 0x61])
        #expect(throws: MultipartError.fieldNotUTF8("batch_name")) { try parse(body([latin1])) }
        #expect(MultipartError.fieldNotUTF8("batch_name").message.contains("batch_name"))
    }
}
