// libFuzzer harness for the cell normalisers of Sources/Ingestion/Normalisers (phones, RUT, DNI/CUIT,
// amounts, whole numbers, dates, header keys, cell text) and Money's Amount parsing, built by
// scripts/fuzz.sh.
//
// The input is decoded as UTF-8 (invalid bytes become U+FFFD) and split into lines (32 at most, the
// last keeping the rest); each line is a text cell, and also a number cell when Swift reads it as a
// Double. The first 64 bytes, taken eight at a time as a Double's bit pattern, are number cells too
// (NaN, infinities, subnormals, huge values). Every cell goes through every normaliser. A thrown
// ValueError is expected; a crash or trap is a finding, and so is a result that does not read back
// as itself (see `exercise`).
//
// The same input is then read as a contact list (Spreadsheet.read: CSV, or UTF-16 text) and fed to
// ContactListBuilder for Chile and for Argentina, as the import routes do; the list must add up
// (see `checkList`): among the rest, no NUL in a name or company, and deadlines that read back as
// dates (what this harness's first runs found: both now fixed in Ingestion).
import Ingestion
import Money
import Spreadsheet
import Time

nonisolated(unsafe) private var sink = 0

private let kinds: [PhoneKind] = [.mobile, .landline, .any]

private func describe(_ cell: Cell) -> String {
    switch cell {
    case .text(let text): return "text \(text.debugDescription)"
    case .number(let number): return "number \(number) (bits \(String(number.bitPattern, radix: 16)))"
    default: return "\(cell)"
    }
}

private func exercise(_ cell: Cell) {
    let shown = cellText(cell)
    // PostgreSQL stores no NUL in text or jsonb: cellText drops them (Tests/Fixtures/fuzz/*-nul-in-text.bin).
    precondition(!shown.utf8.contains(0), "cellText kept a NUL of \(describe(cell))")
    let key = HeaderKey.normalize(shown)
    precondition(key.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x7A).contains($0) }, "header key \(key)")
    precondition(HeaderKey.normalize(key) == key, "HeaderKey.normalize is not idempotent for \(describe(cell))")
    sink &+= key.utf8.count

    if let rut = try? ChileanRUT.parse(cell) {
        precondition((1...99_999_999).contains(rut.number), "RUT body \(rut.number) from \(describe(cell))")
        precondition((try? ChileanRUT.parse(.text(rut.display))) == rut, "RUT \(rut.display) does not read back")
        precondition((try? ChileanRUT.parse(.text(rut.compact))) == rut, "RUT \(rut.compact) does not read back")
    }
    if let id = try? ArgentineID.parse(cell) {
        precondition((try? ArgentineID.parse(.text(id.display))) == id, "DNI/CUIT \(id.display) does not read back")
        precondition((try? ArgentineID.parse(.text(id.digits))) == id, "DNI/CUIT \(id.digits) does not read back")
    }
    for kind in kinds {
        if let phone = ChileanPhone.normalize(cell, kind: kind) {
            precondition(phone.e164.hasPrefix("+56") && phone.e164.utf8.count == 12, "Chilean \(phone.e164)")
            precondition(kind != .mobile || phone.isMobile, "a landline for .mobile from \(describe(cell))")
            precondition(kind != .landline || !phone.isMobile, "a mobile for .landline from \(describe(cell))")
            precondition(
                ChileanPhone.normalize(.text(phone.e164), kind: kind) == phone,
                "Chilean \(phone.e164) (\(kind)) does not read back, from \(describe(cell))")
        }
        if let phone = ArgentinePhone.normalize(cell, kind: kind) {
            precondition(
                phone.e164.utf8.count == (phone.isMobile ? 14 : 13)
                    && phone.e164.hasPrefix(phone.isMobile ? "+549" : "+54"), "Argentine \(phone.e164)")
            precondition(kind != .mobile || phone.isMobile, "a landline for .mobile from \(describe(cell))")
            precondition(kind != .landline || !phone.isMobile, "a mobile for .landline from \(describe(cell))")
            precondition(
                ArgentinePhone.normalize(.text(phone.e164), kind: kind) == phone,
                "Argentine \(phone.e164) (\(kind)) does not read back, from \(describe(cell))")
        }
    }
    if let amount = (try? AmountValue.parse(cell)) ?? nil {
        precondition(
            amount.tenThousandths >= 0 && amount.tenThousandths <= 1_000_000_000_000 * Amount.scale,
            "amount \(amount) from \(describe(cell))")
        precondition(Amount(amount.description) == amount, "amount \(amount) does not read back")
    }
    if let integer = (try? IntegerValue.parse(cell)) ?? nil {
        precondition(abs(integer) <= 1_000_000, "whole number \(integer) from \(describe(cell))")
        precondition((try? IntegerValue.parse(.text(String(integer)))) == integer, "\(integer) does not read back")
    }
    for system in [DateSystem.excel1900, .excel1904] {
        if let date = (try? DateValue.parse(cell, dateSystem: system)) ?? nil {
            precondition((1900...2200).contains(date.year), "date \(date) from \(describe(cell))")
            precondition((try? DateValue.parse(.text(date.iso), dateSystem: system)) == date, "\(date) does not read back")
            precondition((try? DateValue.parse(.date(date), dateSystem: system)) == date, "\(date) as a date cell")
        }
    }
}

/// Money's own parsers (API amounts, PostgreSQL numeric text) on the raw line.
private func exerciseAmountText(_ text: String) {
    if case .success(let amount) = Amount.parse(text) {
        precondition(Amount(amount.description) == amount, "Amount \(amount) does not read back, from \(text.debugDescription)")
    }
    var utf8 = Array(text.utf8)
    if let amount = utf8.withUnsafeMutableBufferPointer({ Amount(numericText: UnsafeBufferPointer($0)) }) {
        precondition(Amount(amount.description) == amount, "Amount \(amount) does not read back")
        sink &+= Int(truncatingIfNeeded: amount.tenThousandths)
    }
}

/// What an imported list promises: counts that add up, and each contact callable (1 to
/// maxPhonesPerContact distinct E.164 numbers of the country, mobiles first).
private func checkList(_ list: ContactList, country: ContactCountry, options: ImportOptions) {
    precondition(list.invalidRows >= 0 && list.invalidRows <= list.dataRows, "invalid rows \(list.invalidRows) of \(list.dataRows)")
    precondition(list.rowErrors.count <= min(ContactListBuilder.reportedErrors, list.rowErrorCount), "row errors")
    precondition(list.contacts.reduce(0) { $0 + $1.rowCount } == list.validRows, "contacts' rows != valid rows")
    let prefix = country == .chile ? "+56" : "+54"
    let mobilePrefix = country == .chile ? "+569" : "+549"
    var keys = Set<String>()
    for contact in list.contacts {
        precondition(keys.insert(contact.key).inserted, "two contacts with key \(contact.key)")
        precondition(contact.key.hasPrefix("id:") || contact.key.hasPrefix("phone:"), "key \(contact.key)")
        precondition(contact.rowCount >= 1 && contact.amount.tenThousandths >= 0, "contact \(contact.key)")
        precondition(!contact.name.utf8.contains(0) && !(contact.company ?? "").utf8.contains(0), "a NUL in \(contact.key)")
        for deadline in [contact.fechaLimite, contact.fechaMaxima].compactMap({ $0 }) {
            precondition(CivilDate(iso: deadline.iso) == deadline, "deadline \(deadline.iso) does not read back")
        }
        precondition(
            !contact.phones.isEmpty && contact.phones.count <= options.maxPhonesPerContact
                && Set(contact.phones).count == contact.phones.count, "phones \(contact.phones)")
        var seenLandline = false
        for phone in contact.phones {
            precondition(phone.hasPrefix(prefix), "phone \(phone) for \(country)")
            // Chilean mobiles are +569…, Argentine ones +549…; no landline of either begins so.
            let isMobile = phone.hasPrefix(mobilePrefix)
            precondition(!(isMobile && seenLandline), "a mobile after a landline: \(contact.phones)")
            seenLandline = seenLandline || !isMobile
        }
    }
}

private func importList(_ bytes: [UInt8]) {
    for country in [ContactCountry.chile, .argentina] {
        let options = ImportOptions(country: country, today: CivilDate(year: 2026, month: 3, day: 2)!)
        var builder = ContactListBuilder(options: options)
        do {
            try Spreadsheet.read(bytes, limits: SpreadsheetLimits(maxRows: 200_001)) { row in try builder.add(row) }
            checkList(try builder.finish(), country: country, options: options)
        } catch {}
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    let text = String(decoding: bytes, as: UTF8.self)
    for line in text.split(separator: "\n", maxSplits: 31, omittingEmptySubsequences: false) {
        let line = String(line)
        exercise(.text(line))
        if let number = Double(line) { exercise(.number(number)) }
        exerciseAmountText(line)
    }
    var offset = 0
    while offset + 8 <= min(bytes.count, 64) {
        var bits: UInt64 = 0
        for index in offset..<(offset + 8) { bits = bits << 8 | UInt64(bytes[index]) }
        exercise(.number(Double(bitPattern: bits)))
        offset += 8
    }
    importList(bytes)
    return 0
}
