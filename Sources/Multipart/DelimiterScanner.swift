import Glibc

/// Finds the delimiters of a multipart body (RFC 2046 §5.1.1): CRLF, "--" and the boundary, then either "--" (the
/// close delimiter) or optional transport padding (spaces, tabs) and the line break that ends the boundary line.
/// The boundary text anywhere else (not after CRLF "--", or followed by anything else) is content.
///
/// Candidates come from `memchr` on CR and are checked with `memcmp`, both of which glibc runs at memory speed. That
/// stays linear on hostile input too: the boundary cannot contain CR, so a candidate that stops matching after k
/// bytes has no other CR among them, and no byte is compared twice.
struct DelimiterScanner {
    enum Kind {
        /// A boundary line: another part follows.
        case part
        /// `--boundary--`: what follows is the epilogue.
        case close
    }

    struct Delimiter {
        let kind: Kind
        /// Its first byte: where the previous part's content ends.
        let start: Int
        /// The index after it: where the next part's headers begin.
        let end: Int
    }

    let body: [UInt8]
    /// CRLF, "--" and the boundary.
    let delimiter: [UInt8]

    init(body: [UInt8], boundary: [UInt8]) {
        self.body = body
        self.delimiter = [ASCII.cr, ASCII.lf, ASCII.dash, ASCII.dash] + boundary
    }

    /// The first delimiter may open the body without its CRLF; otherwise whatever precedes it is a preamble.
    func first() -> Delimiter? {
        let opening = self.withBuffers { body, delimiter in
            Self.delimiter(in: body, matching: UnsafeRawBufferPointer(rebasing: delimiter.dropFirst(2)), at: 0)
        }
        return opening ?? self.next(from: 0)
    }

    func next(from position: Int) -> Delimiter? {
        self.withBuffers { body, delimiter in
            var position = position
            while position < body.count, let base = body.baseAddress,
                let carriageReturn = memchr(base + position, Int32(ASCII.cr), body.count - position)
            {
                let candidate = base.distance(to: carriageReturn)
                if let found = Self.delimiter(in: body, matching: delimiter, at: candidate) { return found }
                position = candidate + 1
            }
            return nil
        }
    }

    private func withBuffers<Result>(_ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) -> Result) -> Result {
        self.body.withUnsafeBytes { bodyBytes in
            self.delimiter.withUnsafeBytes { delimiterBytes in body(bodyBytes, delimiterBytes) }
        }
    }

    /// The delimiter whose bytes (all of them, or all but the CRLF) are at `start`, if what follows them makes one.
    private static func delimiter(
        in body: UnsafeRawBufferPointer, matching bytes: UnsafeRawBufferPointer, at start: Int
    ) -> Delimiter? {
        guard bytes.count <= body.count - start, let bodyBase = body.baseAddress, let bytesBase = bytes.baseAddress,
            memcmp(bodyBase + start, bytesBase, bytes.count) == 0
        else { return nil }
        var position = start + bytes.count
        if position + 1 < body.count, body[position] == ASCII.dash, body[position + 1] == ASCII.dash {
            return Delimiter(kind: .close, start: start, end: position + 2)
        }
        while position < body.count, ASCII.isWhitespace(body[position]) { position += 1 }
        if position < body.count, body[position] == ASCII.lf {
            return Delimiter(kind: .part, start: start, end: position + 1)
        }
        if position + 1 < body.count, body[position] == ASCII.cr, body[position + 1] == ASCII.lf {
            return Delimiter(kind: .part, start: start, end: position + 2)
        }
        return nil
    }
}
