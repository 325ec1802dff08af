import JSON
import Money
import Testing
import Time

@testable import Providers

@Suite struct WebhookSignatureTests {
    let key = "key_test_webhook"
    let body = Array(#"{"event":"call_ended","call":{"call_id":"c1"}}"#.utf8)
    let now = Timestamp(unixMilliseconds: 1_764_000_000_000)

    @Test func aSignatureMadeWithTheKeyVerifies() {
        let header = WebhookSignature.header(body: self.body, timestamp: 1_764_000_000_000, key: self.key)
        #expect(header.hasPrefix("v=1764000000000,d="))
        #expect((try? WebhookSignature.verify(header: header, body: self.body, key: self.key, now: self.now).get()) != nil)
    }

    @Test func forgedStaleAndMalformedSignaturesAreRefused() {
        let good = WebhookSignature.header(body: self.body, timestamp: 1_764_000_000_000, key: self.key)
        func refusal(_ header: String?, body: [UInt8]? = nil, now: Timestamp? = nil) -> WebhookSignature.Refusal? {
            if case .failure(let why) = WebhookSignature.verify(
                header: header, body: body ?? self.body, key: self.key, now: now ?? self.now)
            {
                return why
            }
            return nil
        }
        #expect(refusal(WebhookSignature.header(body: self.body, timestamp: 1_764_000_000_000, key: "other")) == .mismatch)
        #expect(refusal(good, body: self.body + [0x20]) == .mismatch)
        #expect(refusal(good, now: self.now.advanced(by: .seconds(301))) == .stale)
        #expect(refusal(good, now: self.now.advanced(by: .seconds(-301))) == .stale)
        #expect(refusal(good, now: self.now.advanced(by: .seconds(299))) == nil)
        for malformed in [nil, "", "v=1,d=zz", "d=" + String(repeating: "0", count: 64), "v=abc,d=00", "garbage"] {
            #expect(refusal(malformed) == .malformed, "\(malformed ?? "nil")")
        }
    }
}

@Suite struct SimulatorTests {
    @Test(arguments: [
        ("+56912345670", "user_hangup", true, Int64(90_000)), ("+56912345605", "user_hangup", true, 25_000),
        ("+56912345676", "dial_no_answer", false, 0), ("+56912345677", "dial_busy", false, 0),
        ("+56912345678", "voicemail_reached", true, 15_000), ("+56912345679", "invalid_destination", false, 0),
    ])
    func outcomesFollowTheLastDigits(phone: String, reason: String, connected: Bool, duration: Int64) {
        let outcome = Simulator.outcome(for: phone)
        #expect(outcome.reason == reason && outcome.connected == connected && outcome.durationMilliseconds == duration)
    }

    @Test func aPlacedCallIsOngoingUntilItsDelayThenFinal() throws {
        nonisolated(unsafe) var now = Timestamp(unixMilliseconds: 1_000_000)
        let simulator = Simulator(delay: .seconds(5), clock: { now })
        guard case .accepted(let id) = simulator.place(CallRequest(
            attemptId: "att_0123456789ab", toNumber: "+56912345670", fromNumber: nil, agentId: nil,
            dynamicVariables: [:], metadata: [:]))
        else {
            Issue.record("not accepted")
            return
        }
        guard case .report(let ongoing) = simulator.fetch(providerCallId: id) else {
            Issue.record("no report")
            return
        }
        #expect(ongoing.callStatus == "ongoing" && !ongoing.isFinal && ongoing.attemptId == "att_0123456789ab")
        now = now.advanced(by: .seconds(5))
        guard case .report(let ended) = simulator.fetch(providerCallId: id) else {
            Issue.record("no report")
            return
        }
        #expect(ended.isFinal && ended.callStatus == "ended" && ended.disconnectionReason == "user_hangup")
        #expect(ended.durationMilliseconds == 90_000 && ended.providerCallId == id)
        // A conversation with a number ending in 0 promises 10,000 × (7 + 1) pesos a week after the call.
        #expect(ended.collectedVariables?["fecha_pago_cliente"] == "1970-01-08")
        #expect(ended.collectedVariables?["monto_pago_cliente"] == "80000")
        #expect(Simulator.promise(for: "+56912345673", placedAt: now) == nil)
        #expect(simulator.fetch(providerCallId: "call_abc") == .unknown(reason: "not a simulated call"))
    }
}

@Suite struct CallReportTests {
    @Test func readsRetellsCallObject() throws {
        let call = try #require(try JSON.parse(#"""
            {"call_id":"call_1","call_status":"ended","disconnection_reason":"agent_hangup","duration_ms":61234,
             "start_timestamp":1764000000000,"end_timestamp":1764000061234,"call_cost":{"combined_cost":12.5},
             "transcript":"hola","recording_url":"https://r/1.wav","public_log_url":"https://l/1",
             "call_analysis":{"call_summary":"ok","custom_analysis_data":{"fecha_pago_cliente":"2026-12-20"}},
             "metadata":{"attempt_id":"att_1"}}
            """#).objectValue)
        let report = CallReport(retellCall: call)
        #expect(report.isFinal && report.providerCallId == "call_1" && report.attemptId == "att_1")
        #expect(report.durationMilliseconds == 61_234 && report.startedAt == Timestamp(unixMilliseconds: 1_764_000_000_000))
        #expect(report.providerCost == Money.Amount("12.5"))
        #expect(report.collectedVariables?["fecha_pago_cliente"] == "2026-12-20")
        #expect(report.recordingURL == "https://r/1.wav" && report.transcript == "hola")
    }
}
