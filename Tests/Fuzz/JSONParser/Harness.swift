// libFuzzer harness for JSON.parse (Sources/JSON/JSONParser.swift), built by scripts/fuzz.sh.
//
// Thrown JSONParseErrors are expected. What counts as a finding: a crash, trap, hang or leak in the
// parser, or a value that does not survive serialising and parsing again unchanged.
import JSON

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    guard let value = try? JSON.parse(bytes) else {
        // The same bytes with a tight nesting bound take the depth checks' paths.
        _ = try? JSON.parse(bytes, maximumDepth: 2)
        return 0
    }
    let serialized = value.serialized()
    let reparsed: JSON
    do {
        reparsed = try JSON.parse(serialized)
    } catch {
        fatalError("serialized JSON does not parse again: \(error); serialized: \(String(decoding: serialized, as: UTF8.self))")
    }
    guard reparsed == value else {
        fatalError("JSON changed in a round trip: \(String(decoding: serialized, as: UTF8.self))")
    }
    guard reparsed.serialized() == serialized else {
        fatalError("JSON serialises differently after a round trip: \(String(decoding: serialized, as: UTF8.self))")
    }
    return 0
}
