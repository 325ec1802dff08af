/// What `xl/workbook.xml` and its relationships (`xl/_rels/workbook.xml.rels`) say: the date system
/// and where each worksheet's part is, in the order the workbook lists its sheets.
struct WorkbookStructure {
    let dateSystem: DateSystem
    /// ZIP entry names of the worksheets, in workbook order. Hidden sheets, which the person who
    /// uploaded the file does not see, and chart or macro sheets, which have no rows, are left out.
    let worksheetParts: [String]

    init(workbookXML: UnsafeBufferPointer<UInt8>, relationshipsXML: UnsafeBufferPointer<UInt8>) throws(SpreadsheetError) {
        let worksheetTargets = try Self.worksheetTargets(relationshipsXML)
        var dateSystem = DateSystem.excel1900
        var parts: [String] = []
        var tokenizer = XMLTokenizer(workbookXML)
        while let token = try tokenizer.next() {
            guard case .startTag(let name, let attributes, _) = token else { continue }
            let bytes = workbookXML
            if bytes.equals(name, "workbookPr") {
                var iterator = XMLAttributes(bytes, attributes)
                while let attribute = try iterator.next() {
                    if bytes.equals(attribute.name, "date1904"),
                        bytes.equals(attribute.value, "1") || bytes.equals(attribute.value, "true")
                    {
                        dateSystem = .excel1904
                    }
                }
            } else if bytes.equals(name, "sheet") {
                var relationshipID: String?
                var hidden = false
                var iterator = XMLAttributes(bytes, attributes)
                while let attribute = try iterator.next() {
                    if bytes.equals(attribute.name, "id") {  // r:id
                        relationshipID = try XMLText.decode(bytes, attribute.value, ooxmlEscapes: false)
                    } else if bytes.equals(attribute.name, "state") {
                        hidden = !bytes.equals(attribute.value, "visible")
                    }
                }
                if !hidden, let relationshipID, let target = worksheetTargets[relationshipID] {
                    parts.append(target)
                }
            }
        }
        self.dateSystem = dateSystem
        self.worksheetParts = parts
    }

    /// Relationship id → part name, for the worksheet relationships only.
    private static func worksheetTargets(_ bytes: UnsafeBufferPointer<UInt8>) throws(SpreadsheetError) -> [String: String] {
        var targets: [String: String] = [:]
        var tokenizer = XMLTokenizer(bytes)
        while let token = try tokenizer.next() {
            guard case .startTag(let name, let attributes, _) = token, bytes.equals(name, "Relationship") else { continue }
            var id: String?
            var target: String?
            var isWorksheet = false
            var iterator = XMLAttributes(bytes, attributes)
            while let attribute = try iterator.next() {
                if bytes.equals(attribute.name, "Id") {
                    id = try XMLText.decode(bytes, attribute.value, ooxmlEscapes: false)
                } else if bytes.equals(attribute.name, "Target") {
                    target = try XMLText.decode(bytes, attribute.value, ooxmlEscapes: false)
                } else if bytes.equals(attribute.name, "Type") {
                    isWorksheet = try XMLText.decode(bytes, attribute.value, ooxmlEscapes: false).hasSuffix("/worksheet")
                }
            }
            if isWorksheet, let id, let target { targets[id] = Self.partName(target: target) }
        }
        return targets
    }

    /// A relationship target as a ZIP entry name: absolute (`/xl/worksheets/sheet1.xml`) or relative
    /// to the workbook's folder (`worksheets/sheet1.xml`, `../xl/worksheets/sheet1.xml`).
    static func partName(target: String) -> String {
        let path = target.hasPrefix("/") ? String(target.dropFirst()) : "xl/" + target
        var segments: [Substring] = []
        for segment in path.split(separator: "/", omittingEmptySubsequences: true) {
            switch segment {
            case ".": continue
            case "..": _ = segments.popLast()
            default: segments.append(segment)
            }
        }
        return segments.joined(separator: "/")
    }
}
