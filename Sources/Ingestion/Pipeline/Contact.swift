import Money
import Time

/// Which country's rules read a list: identity documents and phone numbering.
public enum ContactCountry: String, Sendable {
    case chile = "CL"
    case argentina = "AR"
}

/// One person to call, consolidated from every row with the same RUT/DNI.
public struct Contact: Sendable, Equatable {
    /// The duplicate key: `id:` + the normalised RUT/DNI, or `phone:` + the first phone when the
    /// list has no id column.
    public let key: String
    public var name: String
    /// The normalised RUT (`12345678K`) or DNI/CUIT digits.
    public let id: String?
    /// `12.345.678-K`, `12.345.678`, `20-12345678-6`.
    public let idDisplay: String?
    /// E.164, mobiles first, each once.
    public var phones: [String]
    public var company: String?
    public var amount: Amount
    /// `cantidad_cupones`: how many rows (coupons, instalments) were consolidated.
    public var rowCount: Int
    public var fechaLimite: CivilDate?
    public var fechaMaxima: CivilDate?
    /// The spreadsheet row the contact was first seen on.
    public let firstRow: Int
}

/// A value that could not be used, reported to the customer.
public struct RowError: Sendable, Equatable {
    public let row: Int
    public let column: String
    public let value: String
    public let reason: String
}
