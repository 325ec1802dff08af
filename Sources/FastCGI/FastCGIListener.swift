import CFastCGI
import Glibc

/// One process's side of a FastCGI listening socket, served one request at a time.
///
/// The socket is shared by every worker of the pool and is non-blocking, so `accept()` answers
/// `.nothingPending` when another worker won the race for a connection.
public final class FastCGIListener {
    public enum AcceptResult {
        case request(Request)
        /// The announced body exceeds the limit; the request must be answered (413) without reading it.
        case bodyTooLarge(Request, contentLength: Int)
        case nothingPending
        case failed(errno: Int32)
    }

    private let request: UnsafeMutablePointer<FCGX_Request>
    public let maximumBodyBytes: Int

    /// - Parameters:
    ///   - descriptor: the listening socket (fd 0 when started the spawn-fcgi way).
    ///   - maximumBodyBytes: bodies announced larger than this are not read.
    public init(descriptor: Int32, maximumBodyBytes: Int) throws(FastCGIError) {
        guard FCGX_Init() == 0 else { throw FastCGIError.initialisationFailed }
        self.request = UnsafeMutablePointer<FCGX_Request>.allocate(capacity: 1)
        self.request.initialize(to: FCGX_Request())
        guard FCGX_InitRequest(self.request, descriptor, 0) == 0 else { throw FastCGIError.initialisationFailed }
        self.maximumBodyBytes = maximumBodyBytes
    }

    deinit {
        FCGX_Free(self.request, 1)
        self.request.deallocate()
    }

    /// Accepts the next connection and reads its parameters and body.
    public func accept() -> AcceptResult {
        let status = FCGX_Accept_r(self.request)
        if status < 0 {
            if status == -EAGAIN || status == -EWOULDBLOCK { return .nothingPending }
            return .failed(errno: -status)
        }
        let parameters = self.copyParameters()
        let contentLength = Int(parameters["CONTENT_LENGTH"] ?? "") ?? 0
        if contentLength > self.maximumBodyBytes {
            return .bodyTooLarge(Request(parameters: parameters, body: []), contentLength: contentLength)
        }
        return .request(Request(parameters: parameters, body: self.readBody(length: contentLength)))
    }

    /// Writes the whole response and ends the request, flushing it to nginx.
    public func respond(_ response: Response) {
        let bytes = response.encoded()
        bytes.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { characters in
                _ = FCGX_PutStr(characters.baseAddress, Int32(characters.count), self.request.pointee.out)
            }
        }
        FCGX_Finish_r(self.request)
    }

    private func copyParameters() -> [String: String] {
        var parameters: [String: String] = [:]
        guard var cursor = self.request.pointee.envp else { return parameters }
        while let entry = cursor.pointee {
            let pair = String(cString: entry)
            if let separator = pair.firstIndex(of: "=") {
                parameters[String(pair[..<separator])] = String(pair[pair.index(after: separator)...])
            }
            cursor += 1
        }
        return parameters
    }

    private func readBody(length: Int) -> [UInt8] {
        guard length > 0 else { return [] }
        var body = [UInt8](repeating: 0, count: length)
        var filled = 0
        body.withUnsafeMutableBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { characters in
                while filled < length {
                    let chunk = Int32(min(length - filled, 1 << 20))
                    let read = FCGX_GetStr(characters.baseAddress! + filled, chunk, self.request.pointee.in)
                    if read <= 0 { break }
                    filled += Int(read)
                }
            }
        }
        if filled < length { body.removeSubrange(filled...) }
        return body
    }
}

public enum FastCGIError: Error {
    case initialisationFailed
}
