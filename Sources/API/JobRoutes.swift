import Authentication
import Batches
import FastCGI
import JSON
import PostgreSQL
import Routing
import Time

extension HTTPError {
    static let jobNotFound = HTTPError.notFound("Job not found")
}

/// `/api/v1/jobs`: every job the key may see, one job, retry and cancel.
enum JobRoutes {
    static func register(on keyed: Router.Group<Principal>, context: AppContext) {
        keyed.get("/api/v1/jobs") { request, _, principal in try list(request, principal, context) }
        keyed.get("/api/v1/jobs/{id}") { _, parameters, principal in
            try context.database.withConnection { connection in
                .json(try context.visibleJob(try parameters.require("id"), principal, connection).json)
            }
        }
        keyed.put("/api/v1/jobs/{id}/retry") { _, parameters, principal in
            try change(try parameters.require("id"), principal, context, "Job queued for retry") { store, job in
                try store.retry(key: job.key, batchKey: job.batchKey)
            }
        }
        // PUT …/cancel and DELETE are the same: the job is cancelled and its row kept.
        let cancel: Router.Group<Principal>.Handler = { request, parameters, principal in
            let reason = try reasonParameter(request)
            return try change(try parameters.require("id"), principal, context, "Job cancelled") { store, job in
                try store.cancel(key: job.key, batchKey: job.batchKey, reason: reason)
            }
        }
        keyed.put("/api/v1/jobs/{id}/cancel", cancel)
        keyed.delete("/api/v1/jobs/{id}", cancel)
    }

    static func list(_ request: Request, _ principal: Principal, _ context: AppContext) throws -> Response {
        let page = try Page(request, context)
        var filter = JobFilter()
        filter.status = try BatchRoutes.jobStatus(request)
        filter.createdFrom = try instant(request, "created_from")
        filter.createdTo = try instant(request, "created_to", endOfDay: true)
        return try context.database.withConnection { connection in
            filter.accountKey = try context.scopedAccountKey(request, principal, connection)
            if let reference = request.query["batch_id"], !reference.isEmpty {
                filter.batchKey = try context.visibleBatch(reference, principal, connection).key
            }
            let (jobs, total) = try JobStore(connection: connection).list(filter, limit: page.limit, skip: page.skip)
            return page.response("jobs", jobs.map(\.json), total: total)
        }
    }

    /// A time filter: RFC 3339, or a date `YYYY-MM-DD` (UTC; as an upper bound, the whole day is included).
    static func instant(_ request: Request, _ name: String, endOfDay: Bool = false) throws(HTTPError) -> Timestamp? {
        guard let text = request.query[name], !text.isEmpty else { return nil }
        if let stamp = Timestamp(parsing: text) { return stamp }
        if let date = CivilDate(iso: text) {
            let day = endOfDay ? date.adding(days: 1) : date
            return Timestamp(microsecondsSinceEpoch: day.daysSinceEpoch * 86_400_000_000)
        }
        throw HTTPError.validation([.init(field: name, message: "must be a date (YYYY-MM-DD) or an RFC 3339 time")])
    }

    static func change(
        _ reference: String, _ principal: Principal, _ context: AppContext, _ message: String,
        _ operation: (JobStore, Job) throws -> Job
    ) throws -> Response {
        try context.database.withConnection { connection in
            let job = try context.visibleJob(reference, principal, connection)
            let changed = try operation(JobStore(connection: connection), job)
            return .json(["success": true, "message": .string(message), "job_id": .string(changed.jobId), "job": changed.json])
        }
    }
}

extension AppContext {
    /// The job `reference` (`job_id` or `_id`) if the principal may see it; another tenant's job is a 404.
    func visibleJob(_ reference: String, _ principal: Principal, _ connection: Connection) throws -> Job {
        try self.visible(reference, principal, notFound: .jobNotFound, find: JobStore(connection: connection).find) {
            $0.accountKey
        }
    }
}
