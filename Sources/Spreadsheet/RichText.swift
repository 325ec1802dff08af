/// The text of a string item: an `<si>` of the shared-string table or the `<is>` of an inline-string
/// cell. It is in `<t>` elements, either directly or in rich-text runs `<r><t>…</t></r>` that are
/// concatenated; the phonetic guides of East Asian text (`<rPh>`) are not part of it.
enum RichText {
    /// Reads the item whose start tag (`closing` names it) the tokenizer just returned, up to and
    /// including its end tag. `scratch` is reused between calls to assemble runs without allocating.
    static func read(
        _ tokenizer: inout XMLTokenizer, closing: StaticString, scratch: inout [UInt8], maxBytes: Int,
        tooLong: @autoclosure () -> SpreadsheetError
    ) throws(SpreadsheetError) -> String {
        let bytes = tokenizer.bytes
        var inText = false
        var phoneticDepth = 0
        // One run that needs no decoding (the usual case) is kept as a range and copied only once.
        var plainRun: Range<Int>?
        var runs = 0
        scratch.removeAll(keepingCapacity: true)
        while let token = try tokenizer.next() {
            switch token {
            case .startTag(let name, _, let selfClosing):
                if selfClosing { continue }
                if bytes.equals(name, "rPh") {
                    phoneticDepth += 1
                } else if bytes.equals(name, "t") && phoneticDepth == 0 {
                    inText = true
                }
            case .endTag(let name):
                if bytes.equals(name, closing) {
                    if let plainRun {
                        guard plainRun.count <= maxBytes else { throw tooLong() }
                        return String(decoding: UnsafeBufferPointer(rebasing: bytes[plainRun]), as: UTF8.self)
                    }
                    guard scratch.count <= maxBytes else { throw tooLong() }
                    return String(decoding: scratch, as: UTF8.self)
                } else if bytes.equals(name, "rPh") {
                    phoneticDepth = max(0, phoneticDepth - 1)
                } else if bytes.equals(name, "t") {
                    inText = false
                }
            case .text(let range) where inText:
                runs += 1
                if runs == 1 && !XMLText.needsDecoding(bytes, range, ooxmlEscapes: true) {
                    plainRun = range
                } else {
                    Self.movePlainRun(&plainRun, of: bytes, to: &scratch)
                    try XMLText.appendDecoded(bytes, range, ooxmlEscapes: true, to: &scratch)
                }
            case .cdata(let range) where inText:
                runs += 1
                Self.movePlainRun(&plainRun, of: bytes, to: &scratch)
                scratch.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[range]))
            default:
                break
            }
            if scratch.count > maxBytes { throw tooLong() }
        }
        throw .damagedWorkbook("a text element is not closed")
    }

    private static func movePlainRun(
        _ plainRun: inout Range<Int>?, of bytes: UnsafeBufferPointer<UInt8>, to scratch: inout [UInt8]
    ) {
        guard let run = plainRun else { return }
        scratch.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[run]))
        plainRun = nil
    }
}
