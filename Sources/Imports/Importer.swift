import Accounts
import Batches
import Ingestion
import Money
import PostgreSQL

/// A contact already being called in another batch of the same account.
public struct Duplicate: Sendable, Equatable {
    public let contact: Contact
    public let batchId: String
}

/// What an import would do: the jobs it creates, what it skips and what they cost.
public struct ImportPlan: Sendable {
    public let list: ContactList
    /// The contacts that become jobs.
    public let contacts: [Contact]
    /// Contacts with a live job in another batch of the account (skipped unless duplicates are allowed).
    public let duplicates: [Duplicate]
    public let duplicatesSkipped: Int
    public let estimate: CostEstimate
    public var estimatedCost: Amount { self.estimate.total(calls: self.contacts.count) }
    /// What the account has available in the estimate's unit; nil on unlimited plans.
    public let available: Amount?
    public var canAfford: Bool { self.available.map { self.estimatedCost <= $0 } ?? true }
}

/// Why an import creates nothing. The refusals carry the first row errors or duplicates, which
/// the client is shown; two refusals are the same when their counts are.
public enum ImportRefusal: Error, Sendable, Equatable {
    case accountSuspended
    case noValidContacts(rowErrors: [RowError] = [], count: Int = 0)
    case allDuplicates(count: Int, sample: [Duplicate] = [])
    case insufficientFunds(needed: Amount, available: Amount, unit: LedgerUnit)

    public static func == (lhs: ImportRefusal, rhs: ImportRefusal) -> Bool {
        switch (lhs, rhs) {
        case (.accountSuspended, .accountSuspended): return true
        case (.noValidContacts(_, let left), .noValidContacts(_, let right)): return left == right
        case (.allDuplicates(let left, _), .allDuplicates(let right, _)): return left == right
        case (.insufficientFunds(let a, let b, let c), .insufficientFunds(let x, let y, let z)): return (a, b, c) == (x, y, z)
        default: return false
        }
    }
}

/// Turns a read contact list into a batch: duplicate check within the account, cost estimate,
/// credit check, then the batch and every job in one transaction.
public struct Importer {
    let connection: Connection

    public init(connection: Connection) {
        self.connection = connection
    }

    /// The batch to create, apart from what the list decides (its jobs and estimate).
    public struct Request: Sendable {
        public var account: Account
        public var list: ContactList
        public var allowDuplicates: Bool
        public var batch: NewBatch
        /// Acquisition lists carry the RUT as `reference_number`.
        public var referenceNumber: Bool

        public init(account: Account, list: ContactList, allowDuplicates: Bool, batch: NewBatch,
                    referenceNumber: Bool) {
            self.account = account
            self.list = list
            self.allowDuplicates = allowDuplicates
            self.batch = batch
            self.referenceNumber = referenceNumber
        }
    }

    /// What `create` would do, reading only.
    public func plan(_ request: Request) throws -> ImportPlan {
        let live = try BatchStore(connection: self.connection).liveContacts(
            accountKey: request.account.key, contactKeys: request.list.contacts.map(\.key))
        var contacts: [Contact] = []
        var duplicates: [Duplicate] = []
        contacts.reserveCapacity(request.list.contacts.count)
        for contact in request.list.contacts {
            if let batchId = live[contact.key] {
                duplicates.append(Duplicate(contact: contact, batchId: batchId))
                if request.allowDuplicates { contacts.append(contact) }
            } else {
                contacts.append(contact)
            }
        }
        let estimate = CostEstimate(for: request.account)
        return ImportPlan(
            list: request.list, contacts: contacts, duplicates: duplicates,
            duplicatesSkipped: request.allowDuplicates ? 0 : duplicates.count, estimate: estimate,
            available: estimate.available(in: request.account))
    }

    /// Creates the batch and its jobs, or refuses with nothing written.
    public func create(_ request: Request) throws -> (batch: Batch, plan: ImportPlan) {
        try self.connection.transaction {
            let store = BatchStore(connection: self.connection)
            // Imports into one account run one at a time, so the duplicate check sees every earlier one.
            try store.lockImports(accountKey: request.account.key)
            var request = request
            guard let account = try AccountStore(connection: self.connection).find(key: request.account.key) else {
                throw LedgerError.accountNotFound
            }
            request.account = account
            guard account.isActive else { throw ImportRefusal.accountSuspended }
            let plan = try self.plan(request)
            guard !plan.list.contacts.isEmpty else {
                throw ImportRefusal.noValidContacts(rowErrors: plan.list.rowErrors, count: plan.list.rowErrorCount)
            }
            guard !plan.contacts.isEmpty else {
                throw ImportRefusal.allDuplicates(
                    count: plan.duplicates.count, sample: Array(plan.duplicates.prefix(ContactListBuilder.reportedErrors)))
            }
            if !plan.canAfford, let unit = plan.estimate.unit {
                throw ImportRefusal.insufficientFunds(needed: plan.estimatedCost, available: plan.available ?? .zero, unit: unit)
            }
            var batch = request.batch
            batch.estimatedCost = plan.estimatedCost
            let maxAttempts = batch.callSettings?.maxAttempts ?? batch.useCase.defaultMaxAttempts
            let template = JobPayloadTemplate(
                useCase: batch.useCase, settings: batch.useCaseSettings, referenceNumber: request.referenceNumber)
            let jobs = plan.contacts.lazy.map {
                NewJob(contact: $0, template: template, maxAttempts: maxAttempts, estimatedCost: plan.estimate.perCall)
            }
            return (try store.create(batch, jobs: jobs), plan)
        }
    }
}
