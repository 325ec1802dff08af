// speechai-fcgi: the FastCGI responder pool. Run without arguments it is the supervisor; the
// supervisor starts its workers as `speechai-fcgi worker`.
import API
import FoundationEssentials
import Glibc
import ResponderPool

let environment = ProcessInfo.processInfo.environment

guard let listFormat = ListFormat(rawValue: environment["SPEECHAI_LIST_FORMAT"] ?? "seed") else {
    PoolLog.write("speechai-fcgi: SPEECHAI_LIST_FORMAT must be seed or array")
    exit(78)  // EX_CONFIG
}

let configuration: PoolConfiguration
do {
    configuration = try PoolConfiguration(environment: environment)
} catch {
    PoolLog.write("speechai-fcgi: \(error)")
    exit(78)  // EX_CONFIG
}

if CommandLine.arguments.dropFirst().first == "worker" {
    guard let databaseURL = environment["DATABASE_URL"], !databaseURL.isEmpty else {
        PoolLog.write("speechai-fcgi worker: DATABASE_URL is not set")
        exit(Worker.exitStartupFailure)
    }
    exit(
        Worker.run(configuration: configuration, environment: environment) { worker in
            let app = App(
                databaseURL: databaseURL, worker: worker,
                authMode: environment["SPEECHAI_AUTH"] == "disabled" ? .disabled : .required, listFormat: listFormat,
                webhookKey: environment["RETELL_WEBHOOK_KEY"].flatMap { $0.isEmpty ? nil : $0 },
                debugRoutes: environment["SPEECHAI_DEBUG_ROUTES"] == "1")
            return app.handle
        })
}

if environment["DATABASE_URL"]?.isEmpty ?? true {
    PoolLog.write("speechai-fcgi: DATABASE_URL is not set")
    exit(78)
}
if environment["SPEECHAI_AUTH"] == "disabled" {
    PoolLog.write("speechai-fcgi: WARNING: SPEECHAI_AUTH=disabled: every request acts as an admin")
}
do {
    exit(try Supervisor(configuration: configuration).run())
} catch {
    PoolLog.write("speechai-fcgi: \(error)")
    exit(1)
}
