import JSON
import Money

/// When and how the calls of a batch are placed: validated once, stored canonical (every key
/// present, ISO weekdays, "HH:MM" hours), so the dispatcher never meets a null or a surprise.
public struct CallSettings: Sendable, Equatable {
    public var maxCallDuration = 300
    public var ringTimeout = 30
    public var maxAttempts = 3
    public var retryDelayHours: Amount = 24
    public var allowedHours = DailyWindow(start: MinuteOfDay(hour: 9, minute: 0), end: MinuteOfDay(hour: 20, minute: 0))
    /// ISO weekdays, 1 = Monday … 7 = Sunday, ascending and distinct.
    public var daysOfWeek = [1, 2, 3, 4, 5]
    public var timezone: String
    /// Optional per-batch cap below the account's `max_concurrent_calls`.
    public var maxConcurrentCalls: Int?
    /// Optional retry delay in hours per retryable outcome (Retell `disconnection_reason`).
    public var retryRules: [RetryRule] = []

    public struct RetryRule: Sendable, Equatable {
        public let outcome: String
        public let delayHours: Amount
    }

    /// The outcomes after which a call is retried later (PRODUCT.md §7), the keys `retry_rules` accepts.
    public static let retryableOutcomes = [
        "dial_no_answer", "dial_busy", "voicemail_reached", "ivr_reached", "concurrency_limit_reached",
        "telephony_provider_unavailable",
    ]

    public static let maxCallDurationRange = 30...3600
    public static let ringTimeoutRange = 10...120
    public static let maxAttemptsRange = 1...10
    public static let retryDelayRange: ClosedRange<Amount> = Amount(tenThousandths: 2_500)...168
    public static let maxConcurrentCallsRange = 1...1000
    /// Every weekday once, and Sunday in both spellings (0 and 7).
    public static let maximumDaysOfWeekEntries = 8
    /// The keys the legacy `retry_settings` object nests.
    static let retrySettingsKeys: Set<String> = ["max_attempts", "retry_delay_hours"]

    /// The defaults, calling in `timezone` (the account's).
    public init(timezone: String) {
        self.timezone = timezone
    }

    /// A reason a settings object was refused, by dotted field path (`call_settings.allowed_hours.start`).
    public struct Problem: Sendable, Equatable {
        public let field: String
        public let message: String
    }

    /// Reads a client's settings over the defaults. Accepts the canonical keys, the legacy nested forms
    /// (`allowed_call_hours`, `retry_settings: {max_attempts, retry_delay_hours}`) and the console's
    /// Sunday = 0. Unknown keys are refused, so a typo never silently falls back to a default.
    /// Whether `timezone` names a real zone is for the caller to check (the database knows them).
    public static func parse(_ object: JSONObject, defaultTimezone: String, field: String = "call_settings")
        throws(InvalidCallSettings) -> CallSettings
    {
        var reader = Reader(prefix: field)
        var settings = CallSettings(timezone: defaultTimezone)
        // The legacy forms are other spellings of canonical keys. Every value given is validated (none is
        // dropped unread); legacy spellings are applied first, so that a canonical key given too wins.
        var entries: [JSONObject.Entry] = []
        if let nested = object["retry_settings"] {
            if let retry = nested.objectValue {
                for entry in retry.entries {
                    if Self.retrySettingsKeys.contains(entry.key) {
                        entries.append(entry)
                    } else {
                        reader.problem("retry_settings.\(entry.key)", "is not a retry setting (max_attempts, retry_delay_hours)")
                    }
                }
            } else {
                reader.problem("retry_settings", "must be an object")
            }
        }
        if let legacyHours = object["allowed_call_hours"] {
            entries.append(.init(key: "allowed_hours", value: legacyHours))
        }
        entries += object.entries.filter { $0.key != "retry_settings" && $0.key != "allowed_call_hours" }
        for entry in entries {
            switch entry.key {
            case "max_call_duration":
                reader.integer(entry, in: maxCallDurationRange).map { settings.maxCallDuration = $0 }
            case "ring_timeout":
                reader.integer(entry, in: ringTimeoutRange).map { settings.ringTimeout = $0 }
            case "max_attempts":
                reader.integer(entry, in: maxAttemptsRange).map { settings.maxAttempts = $0 }
            case "retry_delay_hours":
                reader.hours(entry, in: retryDelayRange).map { settings.retryDelayHours = $0 }
            case "max_concurrent_calls":
                if entry.value != .null {
                    settings.maxConcurrentCalls = reader.integer(entry, in: maxConcurrentCallsRange)
                }
            case "allowed_hours":
                reader.window(entry).map { settings.allowedHours = $0 }
            case "days_of_week":
                reader.weekdays(entry).map { settings.daysOfWeek = $0 }
            case "timezone":
                if let name = entry.value.stringValue, !name.isEmpty, name.utf8.count <= 64 {
                    settings.timezone = name
                } else {
                    reader.problem(entry.key, "must be an IANA time zone name such as America/Santiago")
                }
            case "retry_rules":
                reader.retryRules(entry).map { settings.retryRules = $0 }
            default:
                reader.problem(entry.key, "is not a call setting")
            }
        }
        guard reader.problems.isEmpty else { throw InvalidCallSettings(problems: reader.problems) }
        return settings
    }

    /// Settings as a batch stores them (canonical JSON, or NULL for the defaults in `defaultTimezone`).
    public static func stored(_ json: String?, defaultTimezone: String) -> CallSettings {
        guard let json, let object = try? JSON.parse(json).objectValue,
            let settings = try? CallSettings.parse(object, defaultTimezone: defaultTimezone)
        else { return CallSettings(timezone: defaultTimezone) }
        return settings
    }

    /// The stored and served form.
    public var json: JSON {
        var object: JSONObject = [
            "max_call_duration": .int(Int64(self.maxCallDuration)),
            "ring_timeout": .int(Int64(self.ringTimeout)),
            "max_attempts": .int(Int64(self.maxAttempts)),
            "retry_delay_hours": .number(self.retryDelayHours.description),
            "allowed_hours": ["start": .string(self.allowedHours.start.text), "end": .string(self.allowedHours.end.text)],
            "days_of_week": .array(self.daysOfWeek.map { .int(Int64($0)) }),
            "timezone": .string(self.timezone),
        ]
        if let cap = self.maxConcurrentCalls { object["max_concurrent_calls"] = .int(Int64(cap)) }
        if !self.retryRules.isEmpty {
            object["retry_rules"] = .object(
                JSONObject(self.retryRules.map { .init(key: $0.outcome, value: .number($0.delayHours.description)) }))
        }
        return .object(object)
    }
}

extension JSON {
    /// A number with a whole value, however it is written (`300`, `300.0`, `3e2`): what JSON Schema calls an
    /// integer, and so what the OpenAPI document promises to accept; nil for anything else (or beyond ±9 × 10^14).
    public var wholeNumber: Int64? {
        guard let text = self.numberText, case .success(let amount) = Amount.parse(text),
            amount.tenThousandths % Amount.scale == 0
        else { return nil }
        return amount.tenThousandths / Amount.scale
    }
}

/// Everything wrong with a settings object, reported together.
public struct InvalidCallSettings: Error, Sendable, Equatable {
    public let problems: [CallSettings.Problem]
}

/// A minute of the day, 00:00–23:59.
public struct MinuteOfDay: Sendable, Hashable, Comparable {
    public let minutes: Int

    public init(hour: Int, minute: Int) { self.minutes = hour * 60 + minute }

    /// "HH:MM" (24 h; "9:00" accepted); "24:00" is not a minute of the day.
    public init?(_ text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, (1...2).contains(parts[0].count), parts[1].count == 2,
            parts.allSatisfy({ $0.allSatisfy { $0.isASCII && $0.isNumber } }),
            let hour = Int(parts[0]), let minute = Int(parts[1]), hour < 24, minute < 60
        else { return nil }
        self.init(hour: hour, minute: minute)
    }

    public var text: String {
        let hour = self.minutes / 60
        let minute = self.minutes % 60
        return (hour < 10 ? "0" : "") + String(hour) + ":" + (minute < 10 ? "0" : "") + String(minute)
    }

    public static func < (lhs: MinuteOfDay, rhs: MinuteOfDay) -> Bool { lhs.minutes < rhs.minutes }
}

/// Calling hours, half-open [start, end); an end before the start wraps past midnight (22:00–06:00).
public struct DailyWindow: Sendable, Equatable {
    public let start: MinuteOfDay
    public let end: MinuteOfDay

    public init(start: MinuteOfDay, end: MinuteOfDay) {
        self.start = start
        self.end = end
    }

    public func contains(_ minute: MinuteOfDay) -> Bool {
        self.start < self.end ? (self.start <= minute && minute < self.end) : (minute >= self.start || minute < self.end)
    }
}

/// Collects problems while reading one settings object.
private struct Reader {
    let prefix: String
    var problems: [CallSettings.Problem] = []

    mutating func problem(_ key: String, _ message: String) {
        self.problems.append(.init(field: "\(self.prefix).\(key)", message: message))
    }

    /// Whole numbers only; `300.0` is accepted as 300 (forms send what their number inputs hold).
    mutating func integer(_ entry: JSONObject.Entry, in range: ClosedRange<Int>) -> Int? {
        if let whole = entry.value.wholeNumber, whole >= Int64(range.lowerBound), whole <= Int64(range.upperBound) {
            return Int(whole)
        }
        self.problem(entry.key, "must be a whole number from \(range.lowerBound) to \(range.upperBound)")
        return nil
    }

    mutating func hours(_ entry: JSONObject.Entry, in range: ClosedRange<Amount>) -> Amount? {
        if let text = entry.value.numberText, case .success(let hours) = Amount.parse(text), range.contains(hours) {
            return hours
        }
        self.problem(entry.key, "must be a number of hours from \(range.lowerBound) to \(range.upperBound)")
        return nil
    }

    mutating func window(_ entry: JSONObject.Entry) -> DailyWindow? {
        guard let object = entry.value.objectValue, Set(object.keys) == ["start", "end"] else {
            self.problem(entry.key, "must be {\"start\": \"HH:MM\", \"end\": \"HH:MM\"}")
            return nil
        }
        let start = object["start"]?.stringValue.flatMap(MinuteOfDay.init)
        let end = object["end"]?.stringValue.flatMap(MinuteOfDay.init)
        if start == nil { self.problem("\(entry.key).start", "must be a time HH:MM (00:00–23:59)") }
        if end == nil { self.problem("\(entry.key).end", "must be a time HH:MM (00:00–23:59)") }
        guard let start, let end else { return nil }
        guard start != end else {
            self.problem(entry.key, "start and end must differ (the window would be empty)")
            return nil
        }
        return DailyWindow(start: start, end: end)
    }

    /// ISO 1–7, with the console's 0 for Sunday; sorted, duplicates dropped, at least one day.
    mutating func weekdays(_ entry: JSONObject.Entry) -> [Int]? {
        guard case .array(let values) = entry.value, !values.isEmpty,
            values.count <= CallSettings.maximumDaysOfWeekEntries
        else {
            self.problem(
                entry.key,
                "must be a list of 1 to \(CallSettings.maximumDaysOfWeekEntries) weekdays (1 = Monday … 7 = Sunday; 0 = Sunday)")
            return nil
        }
        var days = Set<Int>()
        for value in values {
            guard let day = value.wholeNumber, (0...7).contains(day) else {
                self.problem(entry.key, "must hold whole numbers from 0 to 7 (1 = Monday … 7 = Sunday; 0 = Sunday)")
                return nil
            }
            days.insert(day == 0 ? 7 : Int(day))
        }
        return days.sorted()
    }

    mutating func retryRules(_ entry: JSONObject.Entry) -> [CallSettings.RetryRule]? {
        guard let object = entry.value.objectValue else {
            self.problem(entry.key, "must be an object of outcome: hours")
            return nil
        }
        var rules: [CallSettings.RetryRule] = []
        for rule in object.entries {
            guard CallSettings.retryableOutcomes.contains(rule.key) else {
                self.problem(
                    "\(entry.key).\(rule.key)",
                    "is not a retryable outcome (one of \(CallSettings.retryableOutcomes.joined(separator: ", ")))")
                continue
            }
            let range: ClosedRange<Amount> = 0...168
            if let text = rule.value.numberText, case .success(let hours) = Amount.parse(text), range.contains(hours) {
                rules.append(.init(outcome: rule.key, delayHours: hours))
            } else {
                self.problem("\(entry.key).\(rule.key)", "must be a number of hours from 0 to 168")
            }
        }
        return rules
    }
}
