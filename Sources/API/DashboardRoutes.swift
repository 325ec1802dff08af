import Accounts
import Authentication
import Batches
import JSON
import PostgreSQL
import Reporting
import Routing
import Time

/// `/api/v1/dashboard/stats` and `/overview` (PRODUCT.md §8): per account, or every account for
/// an admin key without `account_id`.
enum DashboardRoutes {
    static func register(on keyed: Router.Group<Principal>, context: AppContext) {
        keyed.get("/api/v1/dashboard/stats") { request, _, principal in
            try context.database.withConnection { connection in
                let account = try context.scopedAccount(request, principal, connection)
                let figures = try DashboardStore(connection: connection).figures(accountKey: account?.key)
                return .json(stats(figures, account: account))
            }
        }
        keyed.get("/api/v1/dashboard/overview") { request, _, principal in
            try context.database.withConnection { connection in
                let account = try context.scopedAccount(request, principal, connection)
                let store = DashboardStore(connection: connection)
                let figures = try store.figures(accountKey: account?.key)
                let activity = try Events(connection: connection).latest(accountKey: account?.key)
                return .json(overview(figures, account: account, activity: activity))
            }
        }
    }

    static func stats(_ figures: DashboardFigures, account: Account?) -> JSON {
        var object: JSONObject = [
            "account_id": .string(account?.accountId),
            "total_batches": .int(figures.batches.total),
            "active_batches": .int(figures.batches.active),
            "total_jobs": .int(figures.jobs.total),
        ]
        for entry in figures.jobs.byStatus { object["\(entry.status.rawValue)_jobs"] = .int(entry.count) }
        object.append([
            "total_calls": .int(figures.settledCalls),
            "total_cost": .amount(figures.totalCost),
            "total_minutes": .amount(figures.totalMinutes),
            "success_rate": .amount(figures.successRate),
            "generated_at": .string(Timestamp.now().rfc3339),
        ])
        return .object(object)
    }

    static func overview(_ figures: DashboardFigures, account: Account?, activity: [ActivityEvent]) -> JSON {
        [
            "account": account.map { account in
                [
                    "account_id": .string(account.accountId),
                    "account_name": .string(account.accountName),
                    "status": .string(account.status.rawValue),
                    "plan_type": .string(account.planType.rawValue),
                    "credit_balance": .amount(account.creditBalance),
                    "credit_reserved": .amount(account.creditReserved),
                    "credit_available": .amount(account.creditAvailable),
                    "minutes_balance": .amount(account.minutesBalance),
                ]
            } ?? .null,
            "batches": [
                "total": .int(figures.batches.total), "active": .int(figures.batches.active),
                "paused": .int(figures.batches.paused), "completed": .int(figures.batches.completed),
                "cancelled": .int(figures.batches.cancelled),
            ],
            "jobs": .object(JSONObject(
                [.init(key: "total", value: .int(figures.jobs.total))]
                    + figures.jobs.byStatus.map { .init(key: $0.status.rawValue, value: .int($0.count)) })),
            "costs": [
                "total_spent": .amount(figures.totalCost), "total_minutes": .amount(figures.totalMinutes),
                "average_per_call": .amount(figures.averagePerCall), "total_calls": .int(figures.settledCalls),
            ],
            "recent_activity": .array(activity.map { event in
                [
                    "type": .string(event.type), "message": .string(event.message), "account_id": .string(event.accountId),
                    "batch_id": .string(event.batchId), "created_at": .timestamp(event.createdAt),
                ]
            }),
            "generated_at": .string(Timestamp.now().rfc3339),
        ]
    }
}
