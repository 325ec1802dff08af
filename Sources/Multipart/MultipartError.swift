/// Why a request is not an acceptable multipart/form-data upload. `message` is safe to show to a client.
public struct MultipartError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String

    public var description: String { self.message }
}

// Every error the parser throws, so tests can name the one they expect.
extension MultipartError {
    static let notFormData = MultipartError(message: "The request body must be multipart/form-data")
    static let malformedContentType = MultipartError(
        message: "The multipart/form-data Content-Type has malformed parameters")
    static let missingBoundary = MultipartError(message: "The multipart/form-data Content-Type has no boundary")
    static let invalidBoundary = MultipartError(
        message: "The multipart boundary must be 1 to 70 characters allowed by RFC 2046")
    static let noOpeningBoundary = MultipartError(message: "The multipart body does not contain its boundary")
    static let noClosingBoundary = MultipartError(message: "The multipart body has no closing boundary")
    static let truncatedHeaders = MultipartError(message: "The multipart body ends inside a part's headers")
    static let malformedHeader = MultipartError(message: "A part has a header line without a name and colon")
    static let missingContentDisposition = MultipartError(
        message: "A part has no Content-Disposition: form-data header")
    static let duplicateContentDisposition = MultipartError(
        message: "A part has more than one Content-Disposition header")
    static let malformedContentDisposition = MultipartError(
        message: "A part has a malformed Content-Disposition header")
    static let missingName = MultipartError(message: "A part has no field name")

    static func headersTooLarge(limit: Int) -> MultipartError {
        MultipartError(message: "A part's headers are larger than \(limit) bytes")
    }

    static func tooManyParts(limit: Int) -> MultipartError {
        MultipartError(message: "The form has more than \(limit) parts")
    }

    static func tooManyFiles(limit: Int) -> MultipartError {
        MultipartError(message: "The form has more than \(limit) \(limit == 1 ? "file" : "files")")
    }

    static func fieldTooLarge(_ name: String, limit: Int) -> MultipartError {
        MultipartError(message: "The field '\(name)' is larger than \(limit) bytes")
    }

    static func fieldNotUTF8(_ name: String) -> MultipartError {
        MultipartError(message: "The field '\(name)' is not valid UTF-8")
    }
}
