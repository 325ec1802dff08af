import Ingestion
import JSON
import Routing
import Spreadsheet

/// The `contacts` array of `POST /batches`, read as if it were a sheet so that it goes through the
/// same column matching, normalisers and grouping as an uploaded list. Row numbers are positions
/// in the array (1 = the first contact).
enum JSONContacts {
    static let maximumContacts = 10_000
    static let maximumPhones = 10

    /// Accepted keys per contact, each with the sheet header it becomes.
    static let fields: [(keys: [String], header: String)] = [
        (["name", "nombre"], "name"),
        (["dni", "rut", "id"], "dni"),
        (["debt_amount", "monto", "saldo"], "debt_amount"),
        (["due_date", "fecha_vencimiento"], "due_date"),
        (["days_late", "dias_retraso"], "days_late"),
        (["company", "empresa", "company_name"], "company"),
    ]

    static func rows(_ contacts: [JSON]) throws(HTTPError) -> [SheetRow] {
        guard contacts.count <= maximumContacts else {
            throw HTTPError.validation([.init(field: "contacts", message: "must hold at most \(maximumContacts) contacts; upload a file for more")])
        }
        let phoneHeaders = (1...maximumPhones).map { "phone \($0)" }
        var rows = [SheetRow(number: 0, cells: (fields.map(\.header) + phoneHeaders).map(Cell.text), dateSystem: .excel1900)]
        var problems: [HTTPError.FieldError] = []
        for (index, contact) in contacts.enumerated() {
            let path = "contacts[\(index)]"
            guard let object = contact.objectValue else {
                problems.append(.init(field: path, message: "must be an object"))
                continue
            }
            var cells = [Cell](repeating: .empty, count: fields.count + maximumPhones)
            var phones: [Cell] = []
            for entry in object.entries {
                if entry.key == "phone" || entry.key == "phones" || entry.key == "telefono" {
                    switch entry.value {
                    case .array(let values): phones += values.compactMap(cell)
                    default: if let value = cell(entry.value) { phones.append(value) }
                    }
                } else if let column = fields.firstIndex(where: { $0.keys.contains(entry.key) }) {
                    guard let value = cell(entry.value) else {
                        problems.append(.init(field: "\(path).\(entry.key)", message: "must be a string or a number"))
                        continue
                    }
                    cells[column] = value
                } else {
                    problems.append(.init(field: "\(path).\(entry.key)", message: "is not a known contact field"))
                }
            }
            guard phones.count <= maximumPhones else {
                problems.append(.init(field: "\(path).phones", message: "must hold at most \(maximumPhones) numbers"))
                continue
            }
            for (offset, phone) in phones.enumerated() { cells[fields.count + offset] = phone }
            rows.append(SheetRow(number: index + 1, cells: cells, dateSystem: .excel1900))
        }
        if !problems.isEmpty { throw HTTPError.validation(Array(problems.prefix(50))) }
        return rows
    }

    private static func cell(_ value: JSON) -> Cell? {
        switch value {
        case .string(let text): return .text(text)
        case .int(let number): return .number(Double(number))
        case .number(let text): return Double(text).map(Cell.number)
        case .null: return .empty
        default: return nil
        }
    }
}
