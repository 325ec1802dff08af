/// A file part: one with a `filename` parameter.
public struct MultipartFile: Sendable {
    public let fieldName: String
    /// As sent, with path components stripped (`C:\x\a.xlsx` → `a.xlsx`); may be "".
    public let filename: String
    public let contentType: String?
    public let bytes: [UInt8]
}

/// A parsed multipart/form-data body (RFC 7578).
public struct MultipartForm: Sendable {
    /// Text fields in the order sent, duplicates included.
    public let fields: [(name: String, value: String)]
    public let files: [MultipartFile]
    /// Every part's name in the order sent, text and file alike, for "unknown field" checks. It includes file inputs
    /// left empty, which are not in `files`.
    public let fieldNames: [String]

    /// The first text field with that name.
    public func value(_ name: String) -> String? {
        self.fields.first { $0.name == name }?.value
    }

    /// The first file with that field name.
    public func file(_ name: String) -> MultipartFile? {
        self.files.first { $0.fieldName == name }
    }

    /// Whether the media type is multipart/form-data, whatever its parameters: a request that is not gets 415, one
    /// that is but fails to parse gets 400.
    public static func isMultipartFormData(_ contentType: String) -> Bool {
        HeaderValue.type(of: ArraySlice(contentType.utf8)) == "multipart/form-data"
    }

    /// `contentType` is the request's Content-Type header value, e.g.
    /// `multipart/form-data; boundary=----WebKitFormBoundary7MA4YWxkTrZu0gW` (the boundary may be quoted; parameters
    /// in any order and case). A file input left empty — empty filename and no content, as browsers send it — is
    /// skipped.
    public static func parse(
        body: [UInt8], contentType: String, limits: MultipartLimits = MultipartLimits()
    ) throws(MultipartError) -> MultipartForm {
        guard self.isMultipartFormData(contentType) else { throw MultipartError.notFormData }
        let boundary = try Boundary.parse(contentType: contentType)
        return try FormParser(body: body, boundary: boundary, limits: limits).parse()
    }
}
