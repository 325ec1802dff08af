import CCurl
import Glibc
import Time

/// A blocking HTTPS request through libcurl: what the Retell client needs and no more. Each call
/// uses its own easy handle, so requests may run on several threads at once.
public struct HTTPClient: Sendable {
    public struct Response: Sendable {
        public let status: Int
        public let body: [UInt8]
    }

    /// What became of a request that got no response. `requestSent` tells whether the server may
    /// have acted on it (the request went out, then the connection failed or timed out): such a
    /// call must never be placed again blindly.
    public struct Failure: Error, Sendable {
        public let requestSent: Bool
        public let message: String
    }

    public let connectTimeout: Duration
    public let timeout: Duration

    public init(connectTimeout: Duration = .seconds(3), timeout: Duration = .seconds(10)) {
        self.connectTimeout = connectTimeout
        self.timeout = timeout
    }

    private static let initialised: Bool = {
        curl_global_init(Int(CURL_GLOBAL_DEFAULT))
        return true
    }()

    public func send(
        method: String, url: String, headers: [(String, String)], body: [UInt8]? = nil
    ) -> Result<Response, Failure> {
        _ = Self.initialised
        guard let handle = curl_easy_init() else { return .failure(Failure(requestSent: false, message: "curl_easy_init failed")) }
        defer { curl_easy_cleanup(handle) }
        var headerList: UnsafeMutablePointer<curl_slist>?
        for (name, value) in headers { headerList = curl_slist_append(headerList, "\(name): \(value)") }
        defer { curl_slist_free_all(headerList) }

        final class Sink { var bytes: [UInt8] = [] }
        let sink = Sink()
        let context = Unmanaged.passUnretained(sink).toOpaque()
        ccurl_setopt_string(handle, CURLOPT_URL, url)
        ccurl_setopt_string(handle, CURLOPT_CUSTOMREQUEST, method)
        ccurl_setopt_pointer(handle, CURLOPT_HTTPHEADER, headerList)
        ccurl_setopt_long(handle, CURLOPT_NOSIGNAL, 1)
        ccurl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, Int(self.connectTimeout.wholeMilliseconds))
        ccurl_setopt_long(handle, CURLOPT_TIMEOUT_MS, Int(self.timeout.wholeMilliseconds))
        ccurl_setopt_pointer(handle, CURLOPT_WRITEDATA, context)
        ccurl_setopt_write_function(handle) { data, size, count, context in
            let sink = Unmanaged<Sink>.fromOpaque(context!).takeUnretainedValue()
            let length = size * count
            if let data { sink.bytes.append(contentsOf: UnsafeRawBufferPointer(start: data, count: length)) }
            return length
        }
        let code: CURLcode = (body ?? []).withUnsafeBufferPointer { buffer in
            if body != nil {
                ccurl_setopt_long(handle, CURLOPT_POSTFIELDSIZE, buffer.count)
                ccurl_setopt_pointer(handle, CURLOPT_POSTFIELDS, UnsafeMutableRawPointer(mutating: buffer.baseAddress))
            }
            return curl_easy_perform(handle)
        }
        guard code == CURLE_OK else {
            // Whether the request left: curl records when the transfer was about to start.
            var pretransfer: curl_off_t = 0
            ccurl_getinfo_offset(handle, CURLINFO_PRETRANSFER_TIME_T, &pretransfer)
            return .failure(Failure(requestSent: pretransfer > 0, message: String(cString: curl_easy_strerror(code))))
        }
        var status = 0
        ccurl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        return .success(Response(status: status, body: sink.bytes))
    }
}
