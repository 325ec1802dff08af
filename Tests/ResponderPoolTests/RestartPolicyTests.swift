import Testing

@testable import ResponderPool

@Suite struct RestartPolicyTests {
    @Test func cleanExitsRestartAtOnce() {
        var policy = RestartPolicy()
        #expect(policy.delayAfter(.clean, uptimeSeconds: 0.01) == 0)
        #expect(policy.delayAfter(.killedBySupervisor, uptimeSeconds: 0.01) == 0)
    }

    @Test func crashesAtStartBackOffExponentiallyUpToTheCap() {
        var policy = RestartPolicy(minimumUptimeSeconds: 1, initialDelaySeconds: 0.1, maximumDelaySeconds: 1)
        let delays = (0..<6).map { _ in policy.delayAfter(.crashed, uptimeSeconds: 0.2) }
        #expect(delays == [0.1, 0.2, 0.4, 0.8, 1, 1])
    }

    @Test func aWorkerThatRanForAWhileResetsTheBackOff() {
        var policy = RestartPolicy()
        _ = policy.delayAfter(.crashed, uptimeSeconds: 0)
        _ = policy.delayAfter(.crashed, uptimeSeconds: 0)
        #expect(policy.delayAfter(.crashed, uptimeSeconds: 30) == 0)
        #expect(policy.consecutiveEarlyCrashes == 0)
        #expect(policy.delayAfter(.crashed, uptimeSeconds: 0) == 0.1)
    }
}

@Suite struct PoolConfigurationTests {
    @Test func readsTheEnvironment() throws {
        let configuration = try PoolConfiguration(environment: [
            "SPEECHAI_LISTEN": "/run/speechai/fcgi.sock", "SPEECHAI_WORKERS": "8", "SPEECHAI_MAX_REQUESTS": "500",
            "SPEECHAI_REQUEST_TIME_LIMIT": "30", "SPEECHAI_LONG_REQUEST_TIME_LIMIT": "40", "SPEECHAI_SOCKET_MODE": "0666",
        ])
        #expect(configuration.listen == .unix(path: "/run/speechai/fcgi.sock"))
        #expect(configuration.workers == 8)
        #expect(configuration.maxRequests == 500)
        #expect(configuration.requestTimeLimitSeconds == 30)
        #expect(configuration.longRequestTimeLimitSeconds == 40)
        #expect(configuration.drainTimeoutSeconds == 45)  // the longer limit + 5 s
        #expect(configuration.socketMode == 0o666)
    }

    @Test(arguments: [
        ("POST", "/api/v1/batches/excel/create", true), ("POST", "/api/v1/batches/excel/preview?x=1", true),
        ("POST", "/api/v1/batches/chile/debt_collection", true), ("POST", "/api/v1/batches/argentina/marketing", true),
        ("POST", "/api/v1/accounts/acme/do-not-call/upload", true),
        ("GET", "/api/v1/batches/batch-2026-12-02-000000-000000/report.xlsx", true),
        ("GET", "/api/v1/batches/68fd0cdc8ac7d47a518bc018/report.csv?download", true),
        ("GET", "/api/v1/batches/excel/create", false), ("POST", "/api/v1/batches", false),
        ("POST", "/api/v1/batches/chile/debt_collection/extra", false), ("GET", "/api/v1/batches/x/summary", false),
        ("GET", "/api/v1/batches//report.csv", false), ("DELETE", "/api/v1/batches/x/report.csv", false),
    ])
    func uploadsAndReportsHaveTheLongLimit(method: String, uri: String, long: Bool) throws {
        let configuration = try PoolConfiguration(environment: ["SPEECHAI_LISTEN": "/s"])
        #expect(configuration.timeLimitSeconds(method: method, uri: uri) == (long ? 300 : 120))
    }

    @Test func acceptsTCPAndInheritedSockets() throws {
        #expect(try PoolConfiguration(environment: ["SPEECHAI_LISTEN": "127.0.0.1:9000"]).listen == .tcp("127.0.0.1:9000"))
        #expect(try PoolConfiguration(environment: ["SPEECHAI_LISTEN": "fd:0"]).listen == .inherited(0))
    }

    @Test(arguments: [
        ["SPEECHAI_LISTEN": "nonsense"], ["SPEECHAI_LISTEN": "/s", "SPEECHAI_WORKERS": "0"],
        ["SPEECHAI_LISTEN": "/s", "SPEECHAI_WORKERS": "many"], ["SPEECHAI_LISTEN": "/s", "SPEECHAI_SOCKET_MODE": "999"],
        ["SPEECHAI_LISTEN": "fd:x"],
    ])
    func rejectsBadSettings(environment: [String: String]) {
        #expect(throws: PoolError.self) { try PoolConfiguration(environment: environment) }
    }
}

@Suite struct ScoreboardTests {
    @Test func tracksWorkersAndPoolCounters() throws {
        let scoreboard = try Scoreboard.create(slots: 3)
        scoreboard.workerStarted(slot: 0, pid: 100)
        scoreboard.workerStarted(slot: 1, pid: 101)
        scoreboard.requestStarted(slot: 0, method: "GET", uri: "/health")
        var snapshot = scoreboard.snapshot()
        #expect(snapshot.totalProcesses == 2)
        #expect(snapshot.activeProcesses == 1)
        #expect(snapshot.idleProcesses == 1)
        #expect(snapshot.acceptedConnections == 1)
        #expect(snapshot.maxChildrenReached == 0)
        #expect(snapshot.workers[0].uri == "/health")

        scoreboard.requestStarted(slot: 1, method: "POST", uri: String(repeating: "x", count: 500))
        snapshot = scoreboard.snapshot()
        #expect(snapshot.maxChildrenReached == 1)
        #expect(snapshot.maxActiveProcesses == 2)
        #expect(snapshot.workers[1].uri?.count == 111)

        scoreboard.requestFinished(slot: 0, durationMicroseconds: 2_000_000, slow: true)
        scoreboard.workerGone(slot: 1)
        snapshot = scoreboard.snapshot()
        #expect(snapshot.totalProcesses == 1)
        #expect(snapshot.activeProcesses == 0)
        #expect(snapshot.slowRequests == 1)
        #expect(snapshot.workers[0].requests == 1)
        #expect(snapshot.workers[0].lastDurationMicroseconds == 2_000_000)
    }

    @Test func aWorkerSeesTheSupervisorsScoreboard() throws {
        let scoreboard = try Scoreboard.create(slots: 2)
        scoreboard.workerStarted(slot: 1, pid: 42)
        let attached = try Scoreboard.attach(descriptor: scoreboard.descriptor)
        #expect(attached.slotCount == 2)
        #expect(attached.snapshot().workers.map(\.pid) == [42])
    }
}
