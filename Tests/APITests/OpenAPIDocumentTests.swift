import FoundationEssentials
import JSON
import Routing
import Testing

@testable import API

/// The OpenAPI document served at /openapi.json must describe exactly the routes the code serves.
@Suite struct OpenAPIDocumentTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    func documentedOperations() throws -> Set<Router.Description> {
        let data = try Data(contentsOf: Self.root.appendingPathComponent("public/openapi.json"))
        let document = try JSON.parse(Array(data))
        var operations: Set<Router.Description> = []
        for path in try #require(document["paths"]?.objectValue).entries {
            for operation in try #require(path.value.objectValue).keys {
                operations.insert(Router.Description(method: operation.uppercased(), pattern: path.key))
            }
        }
        return operations
    }

    @Test func documentsEveryRouteAndNothingElse() throws {
        let app = App(databaseURL: "host=/nonexistent dbname=x", worker: nil)
        let served = Set(app.routes)
        let documented = try self.documentedOperations()
        #expect(served.subtracting(documented).isEmpty, "routes missing from public/openapi.json")
        #expect(documented.subtracting(served).isEmpty, "documented routes the code does not serve")
    }

    @Test func debugRoutesAreOffUnlessAskedFor() {
        let app = App(databaseURL: "host=/nonexistent dbname=x", worker: nil)
        #expect(!app.routes.contains { $0.pattern.hasPrefix("/internal/debug") })
        let debug = App(databaseURL: "host=/nonexistent dbname=x", worker: nil, debugRoutes: true)
        #expect(debug.routes.contains { $0.pattern == "/internal/debug/sleep" })
    }
}
