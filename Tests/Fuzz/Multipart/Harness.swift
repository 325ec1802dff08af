// libFuzzer harness for MultipartForm.parse (Sources/Multipart), built by scripts/fuzz.sh.
//
// The input's first line (up to the first LF) is the request's Content-Type header value and the
// rest is the body, so the Content-Type and boundary parsing are fuzzed too. The whole input is also
// parsed as a body with the fixed boundary "frontier" under tight limits, for the limit paths.
// Thrown MultipartErrors are expected; crashes, traps, hangs and leaks are the findings, as is a
// parsed form that breaks what MultipartForm promises (files within the limit, fields as sent).
import Multipart

nonisolated(unsafe) private var sink = 0

private func check(_ form: MultipartForm, body: [UInt8], limits: MultipartLimits) {
    precondition(form.files.count <= limits.maxFiles, "more files than the limit")
    precondition(form.fieldNames.count <= limits.maxParts, "more parts than the limit")
    precondition(form.fields.count + form.files.count <= form.fieldNames.count, "more values than parts")
    for field in form.fields {
        precondition(field.value.utf8.count <= limits.maxFieldBytes, "a field over the limit")
        precondition(!field.name.isEmpty, "a field without a name")
        sink &+= field.value.utf8.count
    }
    for file in form.files {
        precondition(file.bytes.count <= body.count, "a file larger than the body")
        precondition(!file.filename.contains("/") && !file.filename.contains("\\"), "a filename with a path")
        sink &+= file.bytes.count &+ (file.contentType?.utf8.count ?? 0)
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []

    let lineEnd = bytes.firstIndex(of: 0x0A) ?? bytes.endIndex
    var header = bytes[..<lineEnd]
    if header.last == 0x0D { header = header.dropLast() }
    let contentType = String(decoding: header, as: UTF8.self)
    let body = lineEnd < bytes.endIndex ? Array(bytes[(lineEnd + 1)...]) : []
    _ = MultipartForm.isMultipartFormData(contentType)
    let defaults = MultipartLimits()
    if let form = try? MultipartForm.parse(body: body, contentType: contentType, limits: defaults) {
        check(form, body: body, limits: defaults)
    }

    let tight = MultipartLimits(maxParts: 4, maxHeaderBytes: 96, maxFieldBytes: 48, maxFiles: 2)
    if let form = try? MultipartForm.parse(
        body: bytes, contentType: "multipart/form-data; boundary=frontier", limits: tight)
    {
        check(form, body: bytes, limits: tight)
    }
    return 0
}
