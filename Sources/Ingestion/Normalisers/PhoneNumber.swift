/// Which numbers a phone column may hold: a "celular" column only mobiles, a "teléfono fijo" column only
/// landlines; `.any` takes both.
public enum PhoneKind: Sendable { case mobile, landline, any }

/// A callable number in E.164 form ("+56987654321", "+5491123456789").
public struct PhoneNumber: Sendable, Hashable {
    public let e164: String
    public let isMobile: Bool
}
