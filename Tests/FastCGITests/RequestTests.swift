import Testing

@testable import FastCGI

@Suite struct RequestTests {
    @Test func parsesPathQueryAndHeaders() {
        let request = Request(
            parameters: [
                "REQUEST_METHOD": "POST",
                "REQUEST_URI": "/api/v1/accounts/acc%2D1/topup?limit=10&name=Jos%C3%A9+P%C3%A9rez&flag&=skip",
                "QUERY_STRING": "ignored=1",
                "HTTP_AUTHORIZATION": "Bearer sk_x",
                "HTTP_IDEMPOTENCY_KEY": "k1",
                "CONTENT_TYPE": "application/json",
                "REMOTE_ADDR": "127.0.0.1",
            ], body: Array("{}".utf8))
        #expect(request.method == "POST")
        #expect(request.path == "/api/v1/accounts/acc%2D1/topup")
        #expect(request.pathSegments == ["api", "v1", "accounts", "acc-1", "topup"])
        #expect(request.query["limit"] == "10")
        #expect(request.query["name"] == "José Pérez")
        #expect(request.query["flag"] == "")
        #expect(request.query.items.count == 3)
        #expect(request.header("authorization") == "Bearer sk_x")
        #expect(request.header("idempotency-key") == "k1")
        #expect(request.header("content-type") == "application/json")
        #expect(request.header("missing") == nil)
        #expect(request.remoteAddress == "127.0.0.1")
        #expect(request.uri == "/api/v1/accounts/acc%2D1/topup?limit=10&name=Jos%C3%A9+P%C3%A9rez&flag&=skip")
        #expect(request.body == Array("{}".utf8))
    }

    @Test func fallsBackToQueryStringAndKeepsBadEscapes() {
        let request = Request(parameters: ["REQUEST_URI": "/a//b/%zz/%4", "QUERY_STRING": "x=%41%"], body: [])
        #expect(request.method == "GET")
        #expect(request.pathSegments == ["a", "b", "%zz", "%4"])
        #expect(request.query["x"] == "A%")
    }

    @Test func plusIsASpaceOnlyInTheQuery() {
        let request = Request(parameters: ["REQUEST_URI": "/a+b?q=a+b"], body: [])
        #expect(request.pathSegments == ["a+b"])
        #expect(request.query["q"] == "a b")
    }
}

@Suite struct ResponseTests {
    @Test func encodesTheCGIHead() {
        let response = Response(status: 405, headers: [HTTPHeader("Allow", "GET")], body: Array("{}".utf8))
        #expect(String(decoding: response.head() + response.body, as: UTF8.self)
            == "Status: 405 Method Not Allowed\r\nAllow: GET\r\nContent-Length: 2\r\n\r\n{}")
        #expect(response.header("allow") == "GET")
    }
}
