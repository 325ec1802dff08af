import Accounts
@testable import Batches
import JSON
import Money
import Providers
import Testing
import Time

@testable import Dispatching

private func report(_ status: String, _ reason: String?, duration: Int64? = nil) -> CallReport {
    var report = CallReport(callStatus: status)
    report.disconnectionReason = reason
    report.durationMilliseconds = duration
    return report
}

@Suite struct CallOutcomeTests {
    @Test(arguments: [
        ("ended", "user_hangup", CallOutcome.answered), ("ended", "agent_hangup", .answered), ("ended", "call_transfer", .answered),
        ("ended", "inactivity", .answered), ("ended", "max_duration_reached", .answered),
        ("not_connected", "dial_no_answer", .noAnswer), ("not_connected", "dial_busy", .noAnswer),
        ("ended", "voicemail_reached", .noAnswer), ("ended", "ivr_reached", .noAnswer),
        ("error", "concurrency_limit_reached", .noAnswer), ("error", "telephony_provider_unavailable", .noAnswer),
        ("not_connected", "invalid_destination", .badNumber), ("not_connected", "dial_failed", .badNumber),
        ("ended", "marked_as_spam", .badNumber), ("ended", "user_declined", .badNumber),
        ("error", "no_valid_payment", .accountProblem), ("error", "error_llm_websocket_open", .providerError),
        ("error", "", .providerError),
    ])
    func everyReasonHasItsClass(status: String, reason: String, expected: CallOutcome) {
        #expect(CallOutcome.of(report(status, reason)) == expected)
    }
}

@Suite struct BillingTests {
    let credits = Billing(costPerMinute: Amount("0.15")!, costPerCallSetup: Amount("0.02")!, costFailedCall: Amount("0.01")!, unit: .credits)

    @Test func chargesSetupPlusSecondsAtTheRateExactly() {
        #expect(self.credits.cost(connected: true, durationMilliseconds: 90_000) == Amount("0.245")!)
        // Per started second: 61.001 s is 62 s.
        #expect(self.credits.cost(connected: true, durationMilliseconds: 61_001) == Amount("0.175")!)
        #expect(self.credits.cost(connected: true, durationMilliseconds: 1) == Amount("0.0225")!)
        #expect(self.credits.cost(connected: false, durationMilliseconds: 0) == Amount("0.01")!)
        // The hold covers the longest call: setup + 300 s at the rate.
        #expect(self.credits.hold(maxCallSeconds: 300) == Amount("0.77")!)
    }

    @Test func minutesPlansCountMinutes() {
        let minutes = Billing(costPerMinute: Amount("0.15")!, costPerCallSetup: Amount("0.02")!, costFailedCall: 0, unit: .minutes)
        #expect(minutes.hold(maxCallSeconds: 300) == 5)
        #expect(minutes.charge(connected: true, durationMilliseconds: 90_000) == Amount("1.5")!)
        #expect(minutes.charge(connected: true, durationMilliseconds: 100_000) == Amount("1.6667")!)
        #expect(minutes.charge(connected: false, durationMilliseconds: 0) == 0)
        #expect(minutes.cost(connected: true, durationMilliseconds: 90_000) == Amount("0.245")!)
    }
}

@Suite struct RetryPlannerTests {
    let now = Timestamp(unixMilliseconds: 1_764_000_000_000)
    var settings: CallSettings {
        var settings = CallSettings(timezone: "America/Santiago")
        settings.retryDelayHours = 2
        settings.retryRules = [CallSettings.RetryRule(outcome: "dial_busy", delayHours: Amount("0.5")!)]
        return settings
    }

    func plan(_ outcome: CallOutcome, _ reason: String?, attempts: Int = 1, max: Int = 3, phone: Int = 0, phones: Int = 2,
              cancelled: Bool = false, jitter: Double = 0.5) -> JobChange {
        RetryPlanner.plan(
            outcome, reason: reason,
            state: AttemptState(attempts: attempts, maxAttempts: max, phoneIndex: phone, phoneCount: phones),
            settings: self.settings, batchCancelled: cancelled, now: self.now, jitter: jitter)
    }

    @Test func answeredCompletes() {
        let change = self.plan(.answered, "user_hangup", attempts: 3, max: 3)
        #expect(change.action == .complete && change.lastOutcome == "user_hangup" && change.lastError == nil)
    }

    @Test func noAnswerWaitsItsDelayOnTheNextPhone() {
        let change = self.plan(.noAnswer, "dial_no_answer")
        #expect(change.action == .reschedule && change.nextPhoneIndex == 1)
        #expect(change.nextAttemptAt == self.now.advanced(by: .seconds(7200)))
        // A per-outcome rule wins; the phones wrap around.
        let busy = self.plan(.noAnswer, "dial_busy", phone: 1)
        #expect(busy.nextAttemptAt == self.now.advanced(by: .seconds(1800)) && busy.nextPhoneIndex == 0)
    }

    @Test func badNumbersMoveToTheNextPhoneNowAndFailWhenNoneIsLeft() {
        let next = self.plan(.badNumber, "invalid_destination", phone: 0, phones: 2)
        #expect(next.action == .requeue && next.nextPhoneIndex == 1 && next.nextAttemptAt == self.now)
        let last = self.plan(.badNumber, "invalid_destination", phone: 1, phones: 2)
        #expect(last.action == .fail && last.lastError?.contains("No phone left") == true)
    }

    @Test func maxAttemptsEndsInFailed() {
        let change = self.plan(.noAnswer, "dial_no_answer", attempts: 3, max: 3)
        #expect(change.action == .fail && change.lastError?.contains("3 attempts") == true)
    }

    @Test func providerErrorsBackOffExponentiallyWithJitter() {
        let first = self.plan(.providerError, "error_unknown", attempts: 1, jitter: 0.5)
        #expect(first.action == .reschedule && first.nextPhoneIndex == 0)
        #expect(first.nextAttemptAt == self.now.advanced(by: .seconds(60)))
        let third = self.plan(.providerError, "error_unknown", attempts: 3, max: 10, jitter: 0.5)
        #expect(third.nextAttemptAt == self.now.advanced(by: .seconds(240)))
        let capped = self.plan(.lost, nil, attempts: 9, max: 10, jitter: 1)
        #expect(capped.nextAttemptAt == self.now.advanced(by: .seconds(3960)))
        let low = self.plan(.providerError, nil, attempts: 1, jitter: 0)
        #expect(low.nextAttemptAt == self.now.advanced(by: .seconds(54)))
    }

    @Test func ourAccountProblemPausesTheBatchAndRefundsTheAttempt() {
        let change = self.plan(.accountProblem, "no_valid_payment", attempts: 3, max: 3)
        #expect(change.action == .requeue && change.pausesBatch && change.refundsAttempt)
    }

    @Test func aCancelledBatchRetriesNothing() {
        #expect(self.plan(.noAnswer, "dial_busy", cancelled: true).action == .abandon)
        #expect(self.plan(.answered, "user_hangup", cancelled: true).action == .complete)
    }
}

@Suite struct SettlementTests {
    let billing = Billing(costPerMinute: Amount("0.15")!, costPerCallSetup: Amount("0.02")!, costFailedCall: 0, unit: .credits)
    let state = AttemptState(attempts: 1, maxAttempts: 3, phoneIndex: 0, phoneCount: 1)
    let now = Timestamp(unixMilliseconds: 1_764_000_000_000)

    func decide(_ end: AttemptEnd, billing: Billing? = nil, hold: Amount? = Amount("0.77")!) -> Settlement {
        Settlement.decide(
            end, billing: billing ?? self.billing, holdAmount: hold, state: self.state,
            settings: CallSettings(timezone: "America/Santiago"), batchCancelled: false, now: self.now, jitter: 0.5)
    }

    @Test func anAnsweredCallPostsItsCostFromTheHold() {
        let settlement = self.decide(.reported(report("ended", "user_hangup", duration: 90_000)))
        #expect(settlement.callStatus == "ended" && settlement.outcome == .answered && settlement.connected)
        #expect(settlement.cost == Amount("0.245")! && settlement.hold == .post(Amount("0.245")!))
        #expect(settlement.minutes == Amount("1.5")! && settlement.job.action == .complete)
    }

    @Test func aChargeNeverExceedsTheHold() {
        let settlement = self.decide(.reported(report("ended", "max_duration_reached", duration: 3_600_000)))
        #expect(settlement.hold == .post(Amount("0.77")!))
    }

    @Test func callsThatNeverConnectedVoidTheHold() {
        #expect(self.decide(.reported(report("not_connected", "dial_no_answer"))).hold == .void)
        let refused = self.decide(.refused(reason: "HTTP 422"))
        #expect(refused.callStatus == "not_placed" && refused.hold == .void && refused.cost == 0)
        let lost = self.decide(.lost)
        #expect(lost.callStatus == "lost" && lost.hold == .void && lost.job.action == .reschedule)
    }

    @Test func unlimitedPlansRecordUsage() {
        let unlimited = Billing(costPerMinute: Amount("0.15")!, costPerCallSetup: Amount("0.02")!, costFailedCall: 0, unit: nil)
        let settlement = self.decide(.reported(report("ended", "user_hangup", duration: 60_000)), billing: unlimited, hold: nil)
        #expect(settlement.hold == .recordUsage(cost: Amount("0.17")!))
    }
}

@Suite struct DynamicVariablesTests {
    @Test func everyVariableIsAStringAndPesosAreWhole() {
        let variables = DynamicVariables.make(
            name: "ANA PEREZ", dni: "12.345.678-5",
            payload: ["company_name": "Natura", "debt_amount": .number("150000.5000"),
                      "additional_info": ["fecha_limite": "2026-12-03", "fecha_maxima": "2026-12-10", "cantidad_cupones": 2]],
            useCase: "debt_collection", useCaseSettings: [:], localTime: "2026-12-02 12:00 -03")
        #expect(variables["monto_total"] == "150001" && variables["cantidad_cupones"] == "2")
        #expect(variables["fecha_limite"] == "2026-12-03" && variables["fecha_maxima"] == "2026-12-10")
        #expect(variables["RUT"] == "12.345.678-5" && variables["current_time_America_Santiago"] == "2026-12-02 12:00 -03")
        #expect(variables.entries.allSatisfy { $0.value.stringValue != nil })
        let marketing = DynamicVariables.make(
            name: "A", dni: nil, payload: [:], useCase: "marketing",
            useCaseSettings: ["offer_description": "2x1", "discount_percentage": .number("15")], localTime: "")
        #expect(marketing["offer_description"] == "2x1" && marketing["discount_percentage"] == "15")
        #expect(marketing["product_category"] == "")
    }

    @Test func promisedPaymentsAreReadOrLeftOut() {
        #expect(PromisedPayment.date("2026-12-20")?.iso == "2026-12-20")
        #expect(PromisedPayment.date("20/12/2026")?.iso == "2026-12-20")
        #expect(PromisedPayment.date("el lunes") == nil)
        #expect(PromisedPayment.amount("$150.000") == 150_000)
        #expect(PromisedPayment.amount("1.234,50") == Amount("1234.5")!)
        #expect(PromisedPayment.amount("75000") == 75_000)
        #expect(PromisedPayment.amount("mucho") == nil)
        // From a call's collected variables: either half is enough, neither is no promise.
        let promise = PromisedPayment(variables: ["fecha_pago_cliente": "15/12/2026", "monto_pago_cliente": "$150.000"])
        #expect(promise?.date?.iso == "2026-12-15" && promise?.amount == 150_000)
        #expect(PromisedPayment(variables: ["monto_pago_cliente": .int(30_000)])?.amount == 30_000)
        #expect(PromisedPayment(variables: ["fecha_pago_cliente": "pronto"]) == nil)
        #expect(PromisedPayment(variables: [:]) == nil)
    }
}
