import Batches
import JSON
import Money
import Testing

@Suite struct CallSettingsTests {
    func parse(_ text: String) throws -> CallSettings {
        let object = try #require(try JSON.parse(text).objectValue)
        return try CallSettings.parse(object, defaultTimezone: "America/Santiago")
    }

    func problems(_ text: String) throws -> [String] {
        let object = try #require(try JSON.parse(text).objectValue)
        do {
            _ = try CallSettings.parse(object, defaultTimezone: "America/Santiago")
            return []
        } catch {
            return error.problems.map(\.field)
        }
    }

    @Test func defaultsAreCanonical() throws {
        let settings = try self.parse("{}")
        #expect(settings.json.serializedString == """
            {"max_call_duration":300,"ring_timeout":30,"max_attempts":3,"retry_delay_hours":24,\
            "allowed_hours":{"start":"09:00","end":"20:00"},"days_of_week":[1,2,3,4,5],"timezone":"America/Santiago"}
            """)
    }

    @Test func theConsolesSevenKeysWithSundayAsZero() throws {
        let settings = try self.parse("""
            {"max_call_duration":600,"ring_timeout":60,"max_attempts":5,"retry_delay_hours":1,
             "allowed_hours":{"start":"9:00","end":"18:30"},"days_of_week":[0,6,1,1],"timezone":"America/Argentina/Buenos_Aires"}
            """)
        #expect(settings.maxCallDuration == 600)
        #expect(settings.ringTimeout == 60)
        #expect(settings.maxAttempts == 5)
        #expect(settings.retryDelayHours == 1)
        #expect(settings.allowedHours.start.text == "09:00")
        #expect(settings.allowedHours.end.text == "18:30")
        #expect(settings.daysOfWeek == [1, 6, 7])
        #expect(settings.timezone == "America/Argentina/Buenos_Aires")
    }

    @Test func legacyNestedForms() throws {
        let settings = try self.parse("""
            {"allowed_call_hours":{"start":"22:00","end":"06:00"},"retry_settings":{"max_attempts":2,"retry_delay_hours":0.25}}
            """)
        #expect(settings.maxAttempts == 2)
        #expect(settings.retryDelayHours == Amount(tenThousandths: 2_500))
        #expect(settings.allowedHours.contains(MinuteOfDay(hour: 23, minute: 0)))
        #expect(settings.allowedHours.contains(MinuteOfDay(hour: 5, minute: 59)))
        #expect(!settings.allowedHours.contains(MinuteOfDay(hour: 6, minute: 0)))
        #expect(!settings.allowedHours.contains(MinuteOfDay(hour: 12, minute: 0)))
    }

    @Test func aLegacySpellingGivenWithTheCanonicalKeyIsValidatedAndTheCanonicalWins() throws {
        let settings = try self.parse("""
            {"allowed_hours":{"start":"08:00","end":"12:00"},"allowed_call_hours":{"start":"22:00","end":"06:00"},
             "max_attempts":4,"retry_settings":{"max_attempts":2}}
            """)
        #expect(settings.allowedHours.start.text == "08:00")
        #expect(settings.maxAttempts == 4)
        // Never dropped unread: the legacy value must be valid too.
        #expect(try self.problems(#"{"allowed_hours":{"start":"08:00","end":"12:00"},"allowed_call_hours":[null,null]}"#)
            == ["call_settings.allowed_hours"])
        #expect(try self.problems(#"{"max_attempts":4,"retry_settings":{"max_attempts":0,"colour":1}}"#)
            == ["call_settings.retry_settings.colour", "call_settings.max_attempts"])
        #expect(try self.problems(#"{"days_of_week":[1,2,3,4,5,6,7,0,1]}"#) == ["call_settings.days_of_week"])
        #expect(try self.parse(#"{"days_of_week":[1.0,7e0]}"#).daysOfWeek == [1, 7])
    }

    @Test func windowsAreHalfOpen() {
        let window = DailyWindow(start: MinuteOfDay(hour: 9, minute: 0), end: MinuteOfDay(hour: 20, minute: 0))
        #expect(window.contains(MinuteOfDay(hour: 9, minute: 0)))
        #expect(window.contains(MinuteOfDay(hour: 19, minute: 59)))
        #expect(!window.contains(MinuteOfDay(hour: 20, minute: 0)))
        #expect(!window.contains(MinuteOfDay(hour: 8, minute: 59)))
    }

    @Test func retryRulesAndConcurrencyCap() throws {
        let settings = try self.parse("""
            {"max_concurrent_calls":2,"retry_rules":{"dial_busy":0.5,"voicemail_reached":48}}
            """)
        #expect(settings.maxConcurrentCalls == 2)
        #expect(settings.retryRules.map(\.outcome) == ["dial_busy", "voicemail_reached"])
        #expect(settings.json["retry_rules"]?["dial_busy"] == .number("0.5"))
    }

    @Test(arguments: [
        (#"{"max_call_duration":0}"#, "call_settings.max_call_duration"),
        (#"{"max_call_duration":3601}"#, "call_settings.max_call_duration"),
        (#"{"ring_timeout":5}"#, "call_settings.ring_timeout"),
        (#"{"max_attempts":11}"#, "call_settings.max_attempts"),
        (#"{"max_attempts":2.5}"#, "call_settings.max_attempts"),
        (#"{"max_attempts":"3"}"#, "call_settings.max_attempts"),
        (#"{"retry_delay_hours":0.1}"#, "call_settings.retry_delay_hours"),
        (#"{"retry_delay_hours":169}"#, "call_settings.retry_delay_hours"),
        (#"{"allowed_hours":{"start":"25:00","end":"18:00"}}"#, "call_settings.allowed_hours.start"),
        (#"{"allowed_hours":{"start":"09:00","end":"09:00"}}"#, "call_settings.allowed_hours"),
        (#"{"allowed_hours":"09-18"}"#, "call_settings.allowed_hours"),
        (#"{"days_of_week":[]}"#, "call_settings.days_of_week"),
        (#"{"days_of_week":[8]}"#, "call_settings.days_of_week"),
        (#"{"timezone":""}"#, "call_settings.timezone"),
        (#"{"retry_rules":{"user_hangup":1}}"#, "call_settings.retry_rules.user_hangup"),
        (#"{"priority":"high"}"#, "call_settings.priority"),
    ])
    func refusals(body: String, field: String) throws {
        #expect(try self.problems(body) == [field])
    }

    @Test func everyProblemIsReportedAtOnce() throws {
        #expect(try self.problems(#"{"max_attempts":0,"ring_timeout":0,"colour":"red"}"#).count == 3)
    }

    @Test func integralDecimalsAreWholeNumbers() throws {
        #expect(try self.parse(#"{"max_call_duration":300.0}"#).maxCallDuration == 300)
    }
}
