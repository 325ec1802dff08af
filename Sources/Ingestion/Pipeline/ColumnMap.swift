/// The logical columns a contact list may have.
public enum ContactField: String, Sendable, CaseIterable {
    case id
    case name
    case company
    case amount
    case dueDate = "due_date"
    case daysLate = "days_late"
    case mobilePhone = "mobile_phone"
    case landlinePhone = "landline_phone"
    case phone
}

/// Which sheet column holds which field, found from the header row.
///
/// Headers are compared by `HeaderKey` (lower case, no accents, letters and digits only). For each
/// field the exact candidates are tried first, in order; then the first column, in sheet order,
/// whose key contains one of the containment candidates. A column serves one field only; fields are
/// matched in `ContactField` order, so "Teléfono móvil" is the mobile column before the generic
/// phone field looks. Unassigned columns that look like phones are kept as extra phone columns.
public struct ColumnMap: Sendable, Equatable {
    public private(set) var columns: [ContactField: Int] = [:]
    /// Further phone columns ("Teléfono 2", "Celular alternativo"), read as any kind, in sheet order.
    public private(set) var extraPhoneColumns: [Int] = []
    /// The header as written, by column, for row errors.
    public let headers: [String]

    public subscript(field: ContactField) -> Int? { self.columns[field] }

    /// The columns phones are read from, in the order their numbers are kept.
    public var phoneColumns: [(column: Int, kind: PhoneKind)] {
        var result: [(Int, PhoneKind)] = []
        if let mobile = self.columns[.mobilePhone] { result.append((mobile, .mobile)) }
        // A landline column often holds mobiles too (the previous system's sample: over 70%).
        if let landline = self.columns[.landlinePhone] { result.append((landline, .any)) }
        if let phone = self.columns[.phone] { result.append((phone, .any)) }
        for column in self.extraPhoneColumns { result.append((column, .any)) }
        return result
    }

    public init(headers: [String], country: ContactCountry) {
        self.headers = headers
        let keys = headers.map(HeaderKey.normalize)
        var taken = Set<Int>()
        for field in ContactField.allCases {
            let synonyms = ColumnMap.synonyms(field, country)
            let exact = synonyms.exact.lazy.compactMap { candidate in
                keys.indices.first { !taken.contains($0) && keys[$0] == candidate }
            }.first
            let contained = exact ?? keys.indices.first { column in
                !taken.contains(column) && !keys[column].isEmpty
                    && synonyms.containing.contains { keys[column].contains($0) }
            }
            if let column = contained {
                self.columns[field] = column
                taken.insert(column)
            }
        }
        self.extraPhoneColumns = keys.indices.filter { column in
            !taken.contains(column) && ColumnMap.phoneWords.contains { keys[column].contains($0) }
        }
    }

    static let phoneWords = ["telefono", "celular", "movil", "phone", "fono"]

    /// Candidates per field: the previous system's (previous-system.md §3.2), its simple processor's,
    /// and the Argentine identity documents.
    static func synonyms(_ field: ContactField, _ country: ContactCountry) -> (exact: [String], containing: [String]) {
        switch field {
        case .id:
            switch country {
            case .chile:
                return (["ruts", "rut", "rutdeudor", "rutcliente", "dni", "cedula", "identificacion", "documento", "id"],
                        ["rut"])
            case .argentina:
                return (["dni", "cuit", "cuil", "documento", "nrodocumento", "numerodocumento", "cedula",
                         "identificacion", "ruts", "rut", "id"],
                        ["dni", "cuit", "cuil"])
            }
        case .name:
            return (["nombre", "nombrecompleto", "nombres", "name", "clientname", "cliente", "razonsocial"], ["nombre"])
        case .company:
            return (["origenempresa", "empresa", "company"], ["origenempresa", "empresa"])
        case .amount:
            return (["saldoactualizado", "saldo", "montodeuda", "deuda", "montototal", "monto", "debtamount", "amount"],
                    ["saldo", "deuda", "monto"])
        case .dueDate:
            return (["fechavencimiento", "vencimiento", "fechadevencimiento", "fechalimite", "duedate"],
                    ["fechavencimiento", "vencimiento"])
        case .daysLate:
            return (["diasretraso", "diasderetraso", "diasdeatraso", "diasatraso", "diasmora", "diasdemora", "dayslate"],
                    ["diasretraso", "diasderetraso", "diasdeatraso"])
        case .mobilePhone:
            return (["telefonomovil", "telefonocelular", "celular", "movil", "mobile", "whatsapp"], ["celular", "movil"])
        case .landlinePhone:
            return (["telefonoresidencial", "telefonofijo", "fijo", "landline"], ["residencial", "fijo"])
        case .phone:
            return (["telefono", "phone", "telefonos", "phones", "fono", "numero", "numerotelefono"],
                    ["telefono", "phone", "fono"])
        }
    }
}
