import Accounts
import Batches
import Ingestion
import JSON
import Money

/// What a batch of calls is expected to cost an account, and whether it can pay.
public struct CostEstimate: Sendable, Equatable {
    /// The planning assumption of the product (PRODUCT.md §5): every call lasts three minutes.
    public static let assumedMinutesPerCall: Amount = 3

    /// Per call: `setup + 3 min × rate` in credits, or 3 minutes on a minutes plan.
    public let perCall: Amount
    /// What `perCall` is counted in; nil on unlimited plans (shown in money, never refused).
    public let unit: LedgerUnit?

    public init(for account: Account) {
        self.unit = account.planType.unit
        if account.planType == .minutesBased {
            self.perCall = CostEstimate.assumedMinutesPerCall
        } else {
            self.perCall = account.costPerCallSetup + CostEstimate.assumedMinutesPerCall.multiplied(by: account.costPerMinute)
        }
    }

    public func total(calls: Int) -> Amount {
        Amount(tenThousandths: self.perCall.tenThousandths * Int64(calls))
    }

    /// What the account has available in this estimate's unit (nil: unlimited).
    public func available(in account: Account) -> Amount? {
        switch self.unit {
        case .credits: return account.creditAvailable
        case .minutes: return account.minutesAvailable
        case nil: return nil
        }
    }
}

/// What every job of one batch has in common in its payload, worked out once per import rather
/// than once per contact.
public struct JobPayloadTemplate: Sendable {
    let companyName: String?
    /// The marketing offer (nothing for debt collection).
    let offer: JSONObject
    /// Acquisition lists carry the RUT as `reference_number`.
    let referenceNumber: Bool

    public init(useCase: UseCase, settings: UseCaseSettings, referenceNumber: Bool) {
        self.companyName = settings.companyName
        var offer = useCase == .marketing ? settings.json : JSONObject()
        offer["company_name"] = nil
        self.offer = offer
        self.referenceNumber = referenceNumber
    }
}

extension NewJob {
    /// The job that calls `contact`. The payload holds what the call needs to say: the debt, its
    /// dates and the company for debt collection; the offer for marketing.
    public init(contact: Contact, template: JobPayloadTemplate, maxAttempts: Int, estimatedCost: Amount) {
        let fechaLimite = contact.fechaLimite?.iso
        var payload: JSONObject = [
            "company_name": .string(contact.company ?? template.companyName),
            "debt_amount": .number(contact.amount.description),
            "due_date": .string(fechaLimite ?? ""),
            "reference_number": .string(template.referenceNumber ? (contact.id ?? "") : ""),
            // Where the customers' console reads them (legacy-console.md §2.8).
            "additional_info": [
                "cantidad_cupones": .int(Int64(contact.rowCount)),
                "fecha_limite": .string(fechaLimite),
                "fecha_maxima": .string(contact.fechaMaxima?.iso),
            ],
        ]
        payload.append(template.offer)
        self.init(
            contactKey: contact.key, contactName: contact.name, contactDni: contact.idDisplay, phones: contact.phones,
            payloadJSON: JSON.object(payload).serializedString, maxAttempts: maxAttempts, estimatedCost: estimatedCost,
            sourceRow: contact.firstRow)
    }
}
