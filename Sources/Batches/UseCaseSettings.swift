import JSON
import Money

/// The use-case values every call of a batch carries (the previous system lost them on save).
public struct UseCaseSettings: Sendable, Equatable {
    public var companyName: String?
    public var offerDescription: String?
    public var discountPercentage: Amount?
    public var productCategory: String?

    public init(companyName: String? = nil, offerDescription: String? = nil, discountPercentage: Amount? = nil,
                productCategory: String? = nil) {
        self.companyName = companyName
        self.offerDescription = offerDescription
        self.discountPercentage = discountPercentage
        self.productCategory = productCategory
    }

    public var json: JSONObject {
        var object = JSONObject()
        if let companyName { object["company_name"] = .string(companyName) }
        if let offerDescription { object["offer_description"] = .string(offerDescription) }
        if let discountPercentage { object["discount_percentage"] = .number(discountPercentage.description) }
        if let productCategory { object["product_category"] = .string(productCategory) }
        return object
    }
}
