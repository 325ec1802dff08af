import Money
import Spreadsheet
import Time

/// How a list is read.
public struct ImportOptions: Sendable {
    public var country: ContactCountry
    /// Today in the batch's time zone (the `dias_*` overrides count from it).
    public var today: CivilDate
    /// `dias_fecha_limite`: when set, every contact's fecha_limite is today + N.
    public var daysUntilDeadline: Int?
    /// `dias_fecha_maxima`: when set, every contact's fecha_maxima is today + N.
    public var daysUntilMaximum: Int?
    /// Phones kept per contact for fallback (mobiles first); further distinct numbers are dropped
    /// and counted (`ContactList.phonesDropped`). Ten is more fallbacks than any campaign dials
    /// (each attempt moves to the next phone, and `max_attempts` is at most 10).
    public var maxPhonesPerContact = 10

    public init(country: ContactCountry, today: CivilDate, daysUntilDeadline: Int? = nil, daysUntilMaximum: Int? = nil) {
        self.country = country
        self.today = today
        self.daysUntilDeadline = daysUntilDeadline
        self.daysUntilMaximum = daysUntilMaximum
    }
}

/// A list that cannot be imported at all.
public enum IngestionError: Error, Sendable, Equatable {
    case empty
    case noDataRows
    case noPhoneColumn(headers: [String])

    public var message: String {
        switch self {
        case .empty: return "The file is empty"
        case .noDataRows: return "The file has a header row but no data rows"
        case .noPhoneColumn(let headers):
            return "No phone column found (expected a header such as 'Teléfono móvil', 'Celular', 'Teléfono' or "
                + "'Teléfono Residencial'); the header row has: \(headers.filter { !$0.isEmpty }.prefix(20).joined(separator: ", "))"
        }
    }
}

/// The contacts read from a list, and what was wrong with the rest.
public struct ContactList: Sendable {
    public let columns: ColumnMap
    public let contacts: [Contact]
    /// Non-empty rows after the header.
    public let dataRows: Int
    /// Rows that contributed no contact (a row error, or their contact has no valid phone).
    public let invalidRows: Int
    /// The first `ContactListBuilder.reportedErrors` row errors, by row.
    public let rowErrors: [RowError]
    public let rowErrorCount: Int
    /// Distinct valid phone numbers beyond `maxPhonesPerContact`, over all contacts.
    public let phonesDropped: Int

    public var validRows: Int { self.dataRows - self.invalidRows }
}

/// Reads rows one at a time (as the spreadsheet reader streams them) into consolidated contacts:
/// the import pipeline of PRODUCT.md §5. Pure: no I/O, deterministic for a given input and `today`.
public struct ContactListBuilder {
    public static let reportedErrors = 20

    private let options: ImportOptions
    private var columns: ColumnMap?
    private var contacts: [Contact] = []
    private var dueDates: [DueDates] = []
    private var phoneLists: [PhoneLists] = []
    private var firstRawPhone: [String] = []
    private var indexByKey: [String: Int] = [:]
    private var dataRows = 0
    private var rejectedRows = 0
    private var rowErrors: [RowError] = []
    private var rowErrorCount = 0

    /// The due dates behind fecha_limite (latest) and fecha_maxima (earliest), each with the days
    /// late of its own row; ties keep the first row.
    private struct DueDates {
        var latest: (date: CivilDate, daysLate: Int)?
        var earliest: (date: CivilDate, daysLate: Int)?
    }

    /// A contact's phones while it is being read: mobiles and landlines apart, each capped, so that
    /// adding one stays constant-time however many rows share the contact (one RUT on 80,000 rows).
    private struct PhoneLists {
        var mobiles: [String] = []
        var others: [String] = []
        /// Numbers refused because a list was full: a set, so a repeated one counts once.
        var dropped: Set<String> = []

        mutating func add(_ phone: PhoneNumber, cap: Int) {
            guard !self.mobiles.contains(phone.e164), !self.others.contains(phone.e164) else { return }
            if phone.isMobile, self.mobiles.count < cap {
                self.mobiles.append(phone.e164)
            } else if !phone.isMobile, self.others.count < cap {
                self.others.append(phone.e164)
            } else {
                self.dropped.insert(phone.e164)
            }
        }

        var isEmpty: Bool { self.mobiles.isEmpty && self.others.isEmpty }

        /// Mobiles first (people answer them), then landlines, each in the order read; at most `cap`.
        func ordered(cap: Int) -> (phones: [String], dropped: Int) {
            let kept = Array((self.mobiles + self.others).prefix(cap))
            return (kept, self.dropped.count + self.mobiles.count + self.others.count - kept.count)
        }
    }

    public init(options: ImportOptions) {
        self.options = options
    }

    public mutating func add(_ row: SheetRow) throws(IngestionError) {
        guard let columns = self.columns else {
            let map = ColumnMap(headers: row.cells.map(cellText), country: self.options.country)
            guard !map.phoneColumns.isEmpty else { throw .noPhoneColumn(headers: map.headers) }
            self.columns = map
            return
        }
        self.dataRows += 1
        guard let values = self.read(row, columns) else {
            self.rejectedRows += 1
            return
        }
        let key: String
        if let id = values.id {
            key = "id:" + id.compact
        } else if let phone = values.phones.first {
            key = "phone:" + phone.e164
        } else {
            self.rejectedRows += 1
            self.report(
                RowError(row: row.number, column: self.phoneHeader(columns), value: values.rawPhone,
                         reason: "no valid phone number"))
            return
        }
        let index: Int
        if let existing = self.indexByKey[key] {
            index = existing
            self.contacts[index].rowCount += 1
            self.contacts[index].amount = self.contacts[index].amount + (values.amount ?? .zero)
            if self.contacts[index].company == nil { self.contacts[index].company = values.company }
            if self.contacts[index].name.isEmpty { self.contacts[index].name = values.name }
        } else {
            index = self.contacts.count
            self.indexByKey[key] = index
            self.contacts.append(
                Contact(
                    key: key, name: values.name, id: values.id?.compact, idDisplay: values.id?.display, phones: [],
                    company: values.company, amount: values.amount ?? .zero, rowCount: 1, fechaLimite: nil,
                    fechaMaxima: nil, firstRow: row.number))
            self.dueDates.append(DueDates())
            self.phoneLists.append(PhoneLists())
            self.firstRawPhone.append("")
        }
        if self.firstRawPhone[index].isEmpty { self.firstRawPhone[index] = values.rawPhone }
        for phone in values.phones { self.phoneLists[index].add(phone, cap: self.options.maxPhonesPerContact) }
        if let due = values.dueDate {
            let entry = (date: due, daysLate: values.daysLate ?? 0)
            if let latest = self.dueDates[index].latest, latest.date >= due {} else { self.dueDates[index].latest = entry }
            if let earliest = self.dueDates[index].earliest, earliest.date <= due {} else {
                self.dueDates[index].earliest = entry
            }
        }
    }

    public func finish() throws(IngestionError) -> ContactList {
        guard let columns = self.columns else { throw .empty }
        guard self.dataRows > 0 else { throw .noDataRows }
        var contacts: [Contact] = []
        contacts.reserveCapacity(self.contacts.count)
        var phonelessErrors: [RowError] = []
        var phonelessCount = 0
        var rejectedRows = self.rejectedRows
        var phonesDropped = 0
        for (index, var contact) in self.contacts.enumerated() {
            guard !self.phoneLists[index].isEmpty else {
                rejectedRows += contact.rowCount
                phonelessCount += 1
                if phonelessErrors.count < ContactListBuilder.reportedErrors {
                    phonelessErrors.append(
                        RowError(row: contact.firstRow, column: self.phoneHeader(columns), value: self.firstRawPhone[index],
                                 reason: "no valid phone number"))
                }
                continue
            }
            let phones = self.phoneLists[index].ordered(cap: self.options.maxPhonesPerContact)
            contact.phones = phones.phones
            phonesDropped += phones.dropped
            let due = self.dueDates[index]
            contact.fechaLimite = self.options.daysUntilDeadline.map { self.options.today.adding(days: $0) }
                ?? due.latest.map { $0.date.adding(days: $0.daysLate + 3) }
            contact.fechaMaxima = self.options.daysUntilMaximum.map { self.options.today.adding(days: $0) }
                ?? due.earliest.map { $0.date.adding(days: $0.daysLate + 7) }
            contacts.append(contact)
        }
        // Both error lists are in row order; keep the first ones of the two together.
        let errors = (self.rowErrors + phonelessErrors).sorted { $0.row < $1.row }
        return ContactList(
            columns: columns, contacts: contacts, dataRows: self.dataRows, invalidRows: rejectedRows,
            rowErrors: Array(errors.prefix(ContactListBuilder.reportedErrors)),
            rowErrorCount: self.rowErrorCount + phonelessCount, phonesDropped: phonesDropped)
    }

    // MARK: Reading one row

    private struct RowValues {
        var id: (compact: String, display: String)?
        var name = ""
        var company: String?
        var amount: Amount?
        var dueDate: CivilDate?
        var daysLate: Int?
        var phones: [PhoneNumber] = []
        var rawPhone = ""
    }

    /// The row's values, or nil (with the error reported) when one of them is unusable.
    private mutating func read(_ row: SheetRow, _ columns: ColumnMap) -> RowValues? {
        var values = RowValues()
        func cell(_ field: ContactField) -> Cell? {
            guard let column = columns[field], column < row.cells.count else { return nil }
            let cell = row.cells[column]
            return cell.isEmpty ? nil : cell
        }
        do throws(ValueError) {
            if columns[.id] != nil {
                // An empty cell is refused by the parsers with their own "missing …" reason.
                let idCell = cell(.id) ?? .empty
                switch self.options.country {
                case .chile:
                    let rut = try ChileanRUT.parse(idCell)
                    values.id = (rut.compact, rut.display)
                case .argentina:
                    let document = try ArgentineID.parse(idCell)
                    values.id = (document.digits, document.display)
                }
            }
        } catch {
            self.report(RowError(row: row.number, column: self.header(columns, .id), value: cell(.id).map(cellText) ?? "",
                                 reason: error.reason))
            return nil
        }
        func parse<T>(_ field: ContactField, _ parser: (Cell) throws(ValueError) -> T?) -> T?? {
            guard let value = cell(field) else { return .some(nil) }
            do throws(ValueError) {
                return .some(try parser(value))
            } catch {
                self.report(RowError(row: row.number, column: self.header(columns, field), value: cellText(value),
                                     reason: error.reason))
                return nil
            }
        }
        guard let amount = parse(.amount, AmountValue.parse),
            let dueDate = parse(.dueDate, { (cell) throws(ValueError) in try DateValue.parse(cell, dateSystem: row.dateSystem) }),
            let daysLate = parse(.daysLate, Self.daysLate)
        else { return nil }
        values.amount = amount
        values.dueDate = dueDate
        values.daysLate = daysLate
        values.name = cell(.name).map { ContactListBuilder.tidyName(cellText($0)) } ?? ""
        values.company = cell(.company).map(cellText).flatMap { $0.isEmpty ? nil : $0.prefix(codePoints: 200) }
        for (column, kind) in columns.phoneColumns where column < row.cells.count {
            let raw = row.cells[column]
            guard !raw.isEmpty else { continue }
            if values.rawPhone.isEmpty { values.rawPhone = cellText(raw) }
            let number: PhoneNumber?
            switch self.options.country {
            case .chile: number = ChileanPhone.normalize(raw, kind: kind)
            case .argentina: number = ArgentinePhone.normalize(raw, kind: kind)
            }
            if let number, !values.phones.contains(number) { values.phones.append(number) }
        }
        return values
    }

    private mutating func report(_ error: RowError) {
        self.rowErrorCount += 1
        if self.rowErrors.count < ContactListBuilder.reportedErrors { self.rowErrors.append(error) }
    }

    private func header(_ columns: ColumnMap, _ field: ContactField) -> String {
        columns[field].map { columns.headers[$0] } ?? field.rawValue
    }

    private func phoneHeader(_ columns: ColumnMap) -> String {
        columns.phoneColumns.first.map { columns.headers[$0.column] } ?? "phone"
    }

    /// Days late are added to a due date (1900–2200) for the deadlines: a hundred years either way keeps
    /// every deadline a date that reads back (a million days gave the year -838; found by fuzzing).
    static let daysLateRange = -36_500...36_500

    static func daysLate(_ cell: Cell) throws(ValueError) -> Int? {
        guard let days = try IntegerValue.parse(cell) else { return nil }
        guard Self.daysLateRange.contains(days) else {
            throw ValueError("days late must be from \(Self.daysLateRange.lowerBound) to \(Self.daysLateRange.upperBound):",
                             quoting: cellText(cell))
        }
        return days
    }

    /// Names arrive upper-case with double spaces; keep the words, one space apart, at most 200 code points.
    /// (`text` is already trimmed by `cellText`.)
    static func tidyName(_ text: String) -> String {
        var previousWasSpace = false
        let clean = text.utf8.allSatisfy { byte in
            defer { previousWasSpace = byte == 0x20 }
            return byte != 0x09 && byte != 0xC2 && !(byte == 0x20 && previousWasSpace)
        }
        if clean, text.utf8.count <= 200 { return text }
        let words = text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\u{A0}" })
        return words.joined(separator: " ").prefix(codePoints: 200)
    }
}
