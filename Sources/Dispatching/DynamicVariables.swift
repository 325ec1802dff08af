import JSON

/// The variables the voice agent reads (Retell's `retell_llm_dynamic_variables`, strings only),
/// from a job's contact and payload (PRODUCT.md §7).
public enum DynamicVariables {
    public static func make(
        name: String, dni: String?, payload: JSONObject, useCase: String, useCaseSettings: JSONObject, localTime: String
    ) -> JSONObject {
        let additionalInfo = payload["additional_info"]?.objectValue ?? JSONObject()
        func text(_ key: String, in object: JSONObject = payload) -> String {
            switch object[key] {
            case .string(let value)?: return value
            case .int(let value)?: return String(value)
            case .number(let value)?: return value
            default: return ""
            }
        }
        var variables: JSONObject = [
            "nombre": .string(name),
            "empresa": .string(text("company_name")),
            "RUT": .string(dni ?? ""),
            "monto_total": .string(Self.wholePesos(text("debt_amount"))),
            "fecha_limite": .string(text("fecha_limite", in: additionalInfo)),
            "fecha_maxima": .string(text("fecha_maxima", in: additionalInfo)),
            "cantidad_cupones": .string(text("cantidad_cupones", in: additionalInfo)),
            "cuotas_adeudadas": .string(text("cantidad_cupones", in: additionalInfo)),
            "current_time_America_Santiago": .string(localTime),
        ]
        if useCase == "marketing" {
            for key in ["offer_description", "discount_percentage", "product_category"] {
                switch useCaseSettings[key] {
                case .string(let value)?: variables[key] = .string(value)
                case .number(let value)?: variables[key] = .string(value)
                case .int(let value)?: variables[key] = .string(String(value))
                default: variables[key] = ""
                }
            }
        }
        return variables
    }

    /// "150000.5000" → "150001": pesos have no decimals (rounded half up).
    static func wholePesos(_ amount: String) -> String {
        let parts = amount.split(separator: ".", maxSplits: 1)
        guard let whole = parts.first, let value = Int64(whole) else { return amount }
        let roundsUp = parts.count == 2 && (parts[1].first.map { $0 >= "5" } ?? false)
        return String(value + (roundsUp ? (value < 0 ? -1 : 1) : 0))
    }
}
