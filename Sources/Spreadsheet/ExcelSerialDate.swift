import Time

/// Excel's date serial numbers: days since the epoch of the workbook's date system, the time of day
/// in the fraction.
public enum ExcelSerialDate {
    /// 1899-12-30 and 1904-01-01, as days since 1970-01-01.
    private static let epoch1900: Int64 = -25_569
    private static let epoch1904: Int64 = -24_107
    /// 9999-12-31, the last date Excel shows, in each system.
    private static let last1900 = 2_958_465
    private static let last1904 = 2_957_003

    /// The date `serial` shows (its time of day dropped); nil when Excel would not show a date, so
    /// the cell stays a number. In the 1900 system Excel counts the fictitious 1900-02-29 (serial 60),
    /// so serials 1–59 are 1900-01-01 + (serial − 1), 60 stays a number, and from 61 on the count from
    /// 1899-12-30 is right.
    public static func date(serial: Double, system: DateSystem) -> CivilDate? {
        guard serial.isFinite, serial >= 0, serial < Double(Int32.max) else { return nil }
        let days = Int(serial.rounded(.down))
        switch system {
        case .excel1900:
            guard days >= 1, days <= Self.last1900, days != 60 else { return nil }
            return CivilDate(daysSinceEpoch: Self.epoch1900 + Int64(days < 60 ? days + 1 : days))
        case .excel1904:
            guard days <= Self.last1904 else { return nil }
            return CivilDate(daysSinceEpoch: Self.epoch1904 + Int64(days))
        }
    }
}
