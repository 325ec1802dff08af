import Crypto
import Time

/// Retell's webhook signature: `x-retell-signature: v=<unix ms>,d=<hex HMAC-SHA256(key, raw body
/// followed by the timestamp)>`, refused when the timestamp is more than five minutes from now.
public enum WebhookSignature {
    public static let tolerance: Duration = .seconds(300)

    public enum Refusal: Error, Sendable, Equatable {
        case malformed
        case stale
        case mismatch
    }

    /// Checks `header` against the raw `body` before anything reads the body.
    public static func verify(header: String?, body: [UInt8], key: String, now: Timestamp) -> Result<Void, Refusal> {
        guard let header, let (milliseconds, digest) = Self.parse(header) else { return .failure(.malformed) }
        let sent = Timestamp(unixMilliseconds: milliseconds)
        let skew = abs(now.microsecondsSinceEpoch - sent.microsecondsSinceEpoch)
        guard skew <= Self.tolerance.components.seconds * 1_000_000 else { return .failure(.stale) }
        let expected = Self.digest(body: body, timestamp: milliseconds, key: key)
        // Constant time: compare every byte whatever the first difference.
        guard expected.count == digest.count else { return .failure(.mismatch) }
        var difference: UInt8 = 0
        for (left, right) in zip(expected, digest) { difference |= left ^ right }
        return difference == 0 ? .success(()) : .failure(.mismatch)
    }

    /// The header a sender (the fake provider of the tests) puts on `body` at `timestamp`.
    public static func header(body: [UInt8], timestamp milliseconds: Int64, key: String) -> String {
        "v=\(milliseconds),d=" + Self.digest(body: body, timestamp: milliseconds, key: key).map { byte in
            let hex = Array("0123456789abcdef".utf8)
            return String(decoding: [hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]], as: UTF8.self)
        }.joined()
    }

    static func digest(body: [UInt8], timestamp: Int64, key: String) -> [UInt8] {
        var hmac = HMAC<SHA256>(key: SymmetricKey(data: Array(key.utf8)))
        hmac.update(data: body)
        hmac.update(data: Array(String(timestamp).utf8))
        return Array(hmac.finalize())
    }

    /// `v=<digits>,d=<64 hex>` → (timestamp, digest bytes).
    static func parse(_ header: String) -> (Int64, [UInt8])? {
        var milliseconds: Int64?
        var digest: [UInt8]?
        for part in header.split(separator: ",") {
            let pair = part.split(separator: "=", maxSplits: 1)
            guard pair.count == 2 else { return nil }
            switch pair[0].trimmingPrefix(" ") {
            case "v": milliseconds = Int64(pair[1])
            case "d": digest = Self.hexBytes(pair[1])
            default: continue
            }
        }
        guard let milliseconds, let digest, digest.count == 32 else { return nil }
        return (milliseconds, digest)
    }

    static func hexBytes(_ text: Substring) -> [UInt8]? {
        let utf8 = Array(text.utf8)
        guard utf8.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(utf8.count / 2)
        func value(_ byte: UInt8) -> UInt8? {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
            default: return nil
            }
        }
        var index = 0
        while index < utf8.count {
            guard let high = value(utf8[index]), let low = value(utf8[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        return bytes
    }
}
