/// Prometheus' text exposition format (version 0.0.4): each family once, with its HELP and TYPE
/// lines, then its samples. Label values are escaped as the format requires.
public struct PrometheusText {
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    public private(set) var text = ""

    public init() {}

    public mutating func family(_ name: String, _ type: String, _ help: String) {
        self.text += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
    }

    public mutating func sample(_ name: String, _ labels: [(String, String)] = [], _ value: String) {
        self.text += name
        if !labels.isEmpty {
            self.text += "{" + labels.map { "\($0.0)=\"\(PrometheusText.escape($0.1))\"" }.joined(separator: ",") + "}"
        }
        self.text += " \(value)\n"
    }

    public mutating func sample(_ name: String, _ labels: [(String, String)] = [], _ value: Int64) {
        self.sample(name, labels, String(value))
    }

    /// One histogram series: per-bucket counts (not cumulative) against their upper bounds in
    /// seconds, the last being +Inf.
    public mutating func histogram(
        _ name: String, _ labels: [(String, String)], bounds: [Double], buckets: [UInt64], sumSeconds: Double, count: UInt64
    ) {
        var cumulative: UInt64 = 0
        for (bound, bucket) in zip(bounds, buckets) {
            cumulative += bucket
            self.sample("\(name)_bucket", labels + [("le", bound.isInfinite ? "+Inf" : PrometheusText.number(bound))], String(cumulative))
        }
        self.sample("\(name)_sum", labels, PrometheusText.number(sumSeconds))
        self.sample("\(name)_count", labels, String(count))
    }

    static func escape(_ value: String) -> String {
        var escaped = ""
        for character in value {
            switch character {
            case "\\": escaped += "\\\\"
            case "\"": escaped += "\\\""
            case "\n": escaped += "\\n"
            default: escaped.append(character)
            }
        }
        return escaped
    }

    static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }
}
