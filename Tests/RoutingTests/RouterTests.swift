import FastCGI
import JSON
import Testing

@testable import Routing

private struct DomainError: HTTPErrorConvertible {
    var httpError: HTTPError { .conflict("batch is cancelled", code: "BATCH_CANCELLED") }
}

private struct Surprise: Error {}

private func request(_ method: String, _ uri: String) -> Request {
    Request(parameters: ["REQUEST_METHOD": method, "REQUEST_URI": uri], body: [])
}

private func body(_ response: Response) throws -> JSON { try JSON.parse(response.body) }

@Suite struct RouterTests {
    let router: Router = {
        let router = Router(renderError: { _, error in
            (error as? any HTTPErrorConvertible)?.httpError ?? .internalError
        })
        let context = "ctx"
        router.get("/api/v1/accounts/{id}") { _, parameters in
            .json(["id": .string(try parameters.require("id")), "context": .string(context)])
        }
        router.put("/api/v1/accounts/{id}") { _, _ in .json([:]) }
        router.get("/api/v1/accounts/{id}/balance") { _, _ in throw DomainError() }
        router.get("/boom") { _, _ in throw Surprise() }
        router.post("/invalid") { _, _ in throw HTTPError.validation([.init(field: "credits", message: "must be positive")]) }
        return router
    }()

    @Test func capturesPathParameters() throws {
        let response = self.router.respond(to: request("GET", "/api/v1/accounts/acc-1?x=1"))
        #expect(response.status == 200)
        let rendered = try body(response)
        #expect(rendered == ["id": "acc-1", "context": "ctx"], "\(rendered.serializedString)")
    }

    @Test func unknownPathIsAJSON404() throws {
        let response = self.router.respond(to: request("GET", "/api/v1/nothing"))
        #expect(response.status == 404)
        #expect(try body(response)["code"] == "NOT_FOUND")
        #expect(try body(response)["message"]?.stringValue?.isEmpty == false)
    }

    @Test func wrongMethodIsA405WithAllow() throws {
        let response = self.router.respond(to: request("DELETE", "/api/v1/accounts/acc-1"))
        #expect(response.status == 405)
        #expect(response.header("Allow") == "GET, PUT")
        #expect(try body(response)["code"] == "METHOD_NOT_ALLOWED")
    }

    @Test func aLiteralSegmentOwnsItsPathBeforeAParameter() throws {
        let router = Router(renderError: { _, _ in .internalError })
        router.delete("/lists/{id}/numbers/{phone}") { _, parameters in .json(["phone": .string(try parameters.require("phone"))]) }
        router.post("/lists/{id}/numbers/upload") { _, _ in .json(["uploaded": true]) }
        #expect(try body(router.respond(to: request("POST", "/lists/a/numbers/upload"))) == ["uploaded": true])
        // "upload" is not a phone number: the upload's resource answers, with its own methods only.
        let wrongMethod = router.respond(to: request("DELETE", "/lists/a/numbers/upload"))
        #expect(wrongMethod.status == 405)
        #expect(wrongMethod.header("Allow") == "POST")
        #expect(try body(router.respond(to: request("DELETE", "/lists/a/numbers/+56912345678"))) == ["phone": "+56912345678"])
    }

    @Test func headIsServedByGet() {
        #expect(self.router.respond(to: request("HEAD", "/api/v1/accounts/a")).status == 200)
    }

    @Test func domainErrorsRenderThemselves() throws {
        let response = self.router.respond(to: request("GET", "/api/v1/accounts/a/balance"))
        #expect(response.status == 409)
        #expect(try body(response) == ["detail": "batch is cancelled", "message": "batch is cancelled", "code": "BATCH_CANCELLED"])
    }

    @Test func validationErrorsListFields() throws {
        let response = self.router.respond(to: request("POST", "/invalid"))
        #expect(response.status == 400)
        #expect(try body(response)["errors"] == [["field": "credits", "message": "must be positive"]])
    }

    @Test func unexpectedErrorsAreAGeneric500() throws {
        let response = self.router.respond(to: request("GET", "/boom"))
        #expect(response.status == 500)
        #expect(try body(response)["message"] == "Internal server error")
    }

    /// A group's first step runs before its handlers and can refuse the request: the handler (which
    /// would parse the body) never runs (hardening issue, finding 1).
    @Test func aGroupAuthenticatesBeforeItsHandlers() throws {
        let router = Router(renderError: { _, _ in .internalError })
        nonisolated(unsafe) var handled = 0
        let keyed = router.group { request -> String in
            guard let key = request.header("authorization") else {
                throw HTTPError(status: 401, code: "UNAUTHORIZED", message: "no key")
            }
            return key
        }
        keyed.post("/things/{id}") { _, parameters, principal in
            handled += 1
            return .json(["id": .string(try parameters.require("id")), "principal": .string(principal)])
        }
        let refused = router.respond(to: request("POST", "/things/1"))
        #expect(refused.status == 401 && handled == 0)
        let accepted = router.respond(to: Request(
            parameters: ["REQUEST_METHOD": "POST", "REQUEST_URI": "/things/1", "HTTP_AUTHORIZATION": "k"], body: []))
        #expect(try body(accepted) == ["id": "1", "principal": "k"])
        #expect(handled == 1)
        // The group's routes are the router's: a wrong method is still a 405, before any authentication.
        #expect(router.respond(to: request("GET", "/things/1")).status == 405)
    }

    @Test func validationErrorsAreCappedWithTheirTotal() throws {
        let errors = (0..<1000).map { HTTPError.FieldError(field: "field_\($0)" + String(repeating: "x", count: 100), message: "is not a known field") }
        let rendered = try JSON.parse(HTTPError.validation(errors).response.body)
        guard case .array(let listed)? = rendered["errors"] else {
            Issue.record("no errors")
            return
        }
        #expect(listed.count == HTTPError.listedFieldErrors)
        #expect(rendered["errors_total"] == .int(1000))
        #expect(listed[0]["field"]?.stringValue?.unicodeScalars.count == HTTPError.shownFieldNameLength + 1)
        #expect(rendered["message"]?.stringValue?.hasSuffix("(and 995 more)") == true)
    }
}
