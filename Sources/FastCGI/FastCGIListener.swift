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
    /// Whether the socket is a unix socket, where the lingering close can be skipped (see `respond`).
    private let isUnixSocket: Bool
    /// Whether the current request's body was read to the end.
    private var bodyConsumed = false

    /// - Parameters:
    ///   - descriptor: the listening socket (fd 0 when started the spawn-fcgi way).
    ///   - maximumBodyBytes: bodies announced larger than this are not read.
    public init(descriptor: Int32, maximumBodyBytes: Int) throws(FastCGIError) {
        guard FCGX_Init() == 0 else { throw FastCGIError.initialisationFailed }
        self.request = UnsafeMutablePointer<FCGX_Request>.allocate(capacity: 1)
        self.request.initialize(to: FCGX_Request())
        guard FCGX_InitRequest(self.request, descriptor, 0) == 0 else { throw FastCGIError.initialisationFailed }
        self.maximumBodyBytes = maximumBodyBytes
        var address = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        self.isUnixSocket = named == 0 && address.ss_family == sa_family_t(AF_UNIX)
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
        if parameters.contentLength > self.maximumBodyBytes {
            self.bodyConsumed = false
            return .bodyTooLarge(Request(parameters, body: []), contentLength: parameters.contentLength)
        }
        let body = self.readBody(length: parameters.contentLength)
        self.bodyConsumed = body.count == parameters.contentLength && self.inputEnded()
        return .request(Request(parameters, body: body))
    }

    /// Writes the whole response and ends the request, flushing it to nginx.
    ///
    /// libfcgi closes a connection "lingering": shut down writing, then wait until nginx closes
    /// its end, so that unread input cannot turn into a TCP reset that destroys the response in
    /// flight. On a unix socket queued data is always delivered before a reset, so once the body
    /// was read the worker closes at once (FCGX_Detach skips the wait) and is free for the next
    /// request instead of sleeping on nginx.
    ///
    /// A streamed body that fails part way returns its error, and the connection is shut down
    /// instead of ended: nginx then sees the upstream close early and cuts the client's response
    /// short, so a truncated report never looks complete.
    @discardableResult
    public func respond(_ response: Response) -> (any Error)? {
        self.write(response.head())
        var failure: (any Error)?
        if let stream = response.stream {
            do {
                try stream.produce { piece in self.write(piece) }
            } catch {
                failure = error
                shutdown(self.request.pointee.ipcFd, Int32(SHUT_RDWR))
            }
        } else {
            self.write(response.body)
        }
        if failure == nil && self.isUnixSocket && self.bodyConsumed { FCGX_Detach(self.request) }
        FCGX_Finish_r(self.request)
        return failure
    }

    private func write(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { self.write($0) }
    }

    private func write(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
        _ = FCGX_PutStr(base.assumingMemoryBound(to: CChar.self), Int32(bytes.count), self.request.pointee.out)
    }

    private func copyParameters() -> CGIParameters {
        var parameters = CGIParameters()
        guard var cursor = self.request.pointee.envp else { return parameters }
        while let entry = cursor.pointee {
            if let separator = strchr(entry, Int32(UInt8(ascii: "="))) {
                let name = UnsafeRawBufferPointer(start: entry, count: separator - entry)
                parameters.add(name: name, value: { String(cString: separator + 1) })
            }
            cursor += 1
        }
        return parameters
    }

    /// Whether the request's input stream is at its end: nginx closes it with an empty FCGI_STDIN
    /// record after the body, which reading the announced length does not consume. Closing with that
    /// record unread resets the connection, and nginx then loses the response (a 502 seen under
    /// load): only a fully read input may skip the lingering close.
    private func inputEnded() -> Bool {
        var byte: CChar = 0
        return FCGX_GetStr(&byte, 1, self.request.pointee.in) == 0
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
