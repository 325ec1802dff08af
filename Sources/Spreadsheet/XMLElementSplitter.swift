/// Cuts an XML part that arrives in chunks (from the inflater) into complete elements of one name —
/// `row` in a worksheet, `si` in the shared-string table — so that a part is never held whole: only
/// the unfinished tail of the last chunk is carried over to the next. Everything outside those
/// elements is skipped, but still checked for DTDs.
struct XMLElementSplitter {
    private let elementName: StaticString
    private let maxElementBytes: Int
    private let tooLargeMessage: String
    /// Bytes received but not yet consumed: always starts at an unfinished construct (or is empty).
    private var pending: [UInt8] = []
    /// How far into `pending` the search for the closing tag of the unfinished element has got.
    private var closingSearchResumesAt = 0

    /// `tooLargeMessage` is the client message for an element over `maxElementBytes`.
    init(elementName: StaticString, maxElementBytes: Int, tooLargeMessage: String) {
        self.elementName = elementName
        self.maxElementBytes = maxElementBytes
        self.tooLargeMessage = tooLargeMessage
    }

    /// Takes the next chunk of the part and calls `handle` with each element it completes, as a buffer
    /// that holds exactly that element, from `<row` to `</row>`.
    mutating func feed(
        _ chunk: UnsafeBufferPointer<UInt8>, handle: (UnsafeBufferPointer<UInt8>) throws -> Void
    ) throws {
        let (name, resume) = (self.elementName, self.closingSearchResumesAt)
        let progress: Progress
        if self.pending.isEmpty {
            // The usual case: scan the chunk where it lies and keep only its unfinished tail.
            progress = try Self.scan(chunk, elementName: name, resumeClosingSearchAt: 0, handle: handle)
            self.pending.append(contentsOf: UnsafeBufferPointer(rebasing: chunk[progress.consumed...]))
        } else {
            self.pending.append(contentsOf: chunk)
            progress = try self.pending.withUnsafeBufferPointer { buffer in
                try Self.scan(buffer, elementName: name, resumeClosingSearchAt: resume, handle: handle)
            }
            self.pending.removeFirst(progress.consumed)
        }
        self.closingSearchResumesAt = progress.closingSearchResumesAt
        if self.pending.count > self.maxElementBytes { throw SpreadsheetError.tooLarge(self.tooLargeMessage) }
    }

    /// Called at the end of the part: what is left over must not be the beginning of some markup.
    func finish() throws(SpreadsheetError) {
        if self.pending.contains(UInt8(ascii: "<")) { throw .damagedWorkbook("its XML ends inside a tag") }
    }

    private struct Progress {
        /// Bytes fully handled; the rest starts with unfinished markup.
        var consumed: Int
        var closingSearchResumesAt: Int
    }

    private static func scan(
        _ buffer: UnsafeBufferPointer<UInt8>, elementName: StaticString, resumeClosingSearchAt: Int,
        handle: (UnsafeBufferPointer<UInt8>) throws -> Void
    ) throws -> Progress {
        var position = 0
        while let open = buffer.index(of: UInt8(ascii: "<"), from: position) {
            let waitForMore = Progress(consumed: open, closingSearchResumesAt: 0)
            guard open + 1 < buffer.count else { return waitForMore }
            switch buffer[open + 1] {
            case UInt8(ascii: "?"):
                guard let end = buffer.end(of: "?>", from: open + 2) else { return waitForMore }
                position = end
            case UInt8(ascii: "!"):
                if buffer.hasPrefix("<!--", at: open) {
                    guard let end = buffer.end(of: "-->", from: open + 4) else { return waitForMore }
                    position = end
                } else if buffer.hasPrefix("<![CDATA[", at: open) {
                    guard let end = buffer.end(of: "]]>", from: open + 9) else { return waitForMore }
                    position = end
                } else if buffer.count - open >= 9 {
                    throw SpreadsheetError.entityDeclarations
                } else {
                    return waitForMore  // too few bytes yet to tell a comment from a declaration
                }
            case UInt8(ascii: "/"):
                guard let close = buffer.tagEnd(from: open + 2) else { return waitForMore }
                position = close + 1
            default:
                guard let close = buffer.tagEnd(from: open + 1) else { return waitForMore }
                let name = try buffer.tagName(from: open + 1)
                guard buffer.equals(buffer.localName(name), elementName) else {
                    position = close + 1
                    continue
                }
                if buffer[close - 1] == UInt8(ascii: "/") {
                    try handle(UnsafeBufferPointer(rebasing: buffer[open...close]))
                    position = close + 1
                    continue
                }
                let searchFrom = open == 0 ? max(close + 1, resumeClosingSearchAt) : close + 1
                switch Self.findClosingTag(buffer, elementName: elementName, from: searchFrom) {
                case .found(let end):
                    try handle(UnsafeBufferPointer(rebasing: buffer[open..<end]))
                    position = end
                case .notYet(let resumeAt):
                    return Progress(consumed: open, closingSearchResumesAt: resumeAt - open)
                }
            }
        }
        // No markup left: the text in between (whitespace, in practice) is of no interest.
        return Progress(consumed: buffer.count, closingSearchResumesAt: 0)
    }

    private enum ClosingTag {
        /// The index just past the closing tag's `>`.
        case found(Int)
        /// Not in the buffer; searching can resume at this index when more bytes arrive.
        case notYet(Int)
    }

    private static func findClosingTag(
        _ buffer: UnsafeBufferPointer<UInt8>, elementName: StaticString, from start: Int
    ) -> ClosingTag {
        var position = start
        while let open = buffer.index(of: UInt8(ascii: "<"), from: position) {
            guard open + 1 < buffer.count else { return .notYet(open) }
            guard buffer[open + 1] == UInt8(ascii: "/") else {
                position = open + 1
                continue
            }
            guard let close = buffer.tagEnd(from: open + 2) else { return .notYet(open) }
            var nameEnd = close
            while nameEnd > open + 2, buffer[nameEnd - 1].isXMLWhitespace { nameEnd -= 1 }
            if buffer.equals(buffer.localName((open + 2)..<nameEnd), elementName) { return .found(close + 1) }
            position = close + 1
        }
        return .notYet(buffer.count)
    }
}
