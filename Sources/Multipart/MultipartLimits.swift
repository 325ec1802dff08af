/// Bounds on what one multipart/form-data body may hold. nginx already caps the whole body (20 MB on the upload
/// routes); these bound the work and memory spent on its pieces.
public struct MultipartLimits: Sendable {
    public var maxParts: Int
    /// Per part, counting the line ends and the blank line that closes the header block.
    public var maxHeaderBytes: Int
    /// A text (non-file) field's value.
    public var maxFieldBytes: Int
    /// Parts with a `filename` parameter (an empty file input that is skipped does not count).
    public var maxFiles: Int

    public init(maxParts: Int = 32, maxHeaderBytes: Int = 8192, maxFieldBytes: Int = 1 << 20, maxFiles: Int = 1) {
        self.maxParts = maxParts
        self.maxHeaderBytes = maxHeaderBytes
        self.maxFieldBytes = maxFieldBytes
        self.maxFiles = maxFiles
    }
}
