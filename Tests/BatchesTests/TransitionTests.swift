import Testing

@testable import Batches

/// The state tables of the API document, every pair of (action, state).
@Suite struct TransitionTests {
    @Test(arguments: [
        (BatchAction.pause, BatchStatus.active, BatchStatus.paused),
        (.pause, .paused, .paused),
        (.resume, .paused, .active),
        (.resume, .active, .active),
        (.cancel, .active, .cancelled),
        (.cancel, .paused, .cancelled),
        (.delete, .active, .cancelled),
        (.delete, .paused, .cancelled),
        (.delete, .cancelled, .cancelled),
        (.delete, .completed, .completed),
    ])
    func allowedBatchTransitions(action: BatchAction, from: BatchStatus, to: BatchStatus) throws {
        #expect(try BatchTransitions.apply(action, to: from) == to)
    }

    @Test(arguments: [
        (BatchAction.pause, BatchStatus.cancelled, "BATCH_CANCELLED"),
        (.pause, .completed, "BATCH_COMPLETED"),
        (.resume, .cancelled, "BATCH_CANCELLED"),
        (.resume, .completed, "BATCH_COMPLETED"),
        (.cancel, .cancelled, "BATCH_CANCELLED"),
        (.cancel, .completed, "BATCH_COMPLETED"),
    ])
    func refusedBatchTransitions(action: BatchAction, from: BatchStatus, code: String) {
        #expect(throws: TransitionRefused.self) { try BatchTransitions.apply(action, to: from) }
        do {
            _ = try BatchTransitions.apply(action, to: from)
        } catch {
            #expect(error.code == code)
            #expect(error.message.contains(action.rawValue))
        }
    }

    /// Every (action, status) pair: the allowed ones give the table's status, all others are refused.
    @Test func jobTableIsComplete() {
        let allowed: [JobAction: [JobStatus: JobStatus]] = [
            .retry: [.failed: .pending, .cancelled: .pending],
            .cancel: [.pending: .cancelled, .scheduled: .cancelled, .suspended: .cancelled],
            .claim: [.pending: .inProgress, .scheduled: .inProgress],
            .suspend: [.pending: .suspended, .scheduled: .suspended],
            .unsuspend: [.suspended: .pending],
            .complete: [.inProgress: .completed],
            .reschedule: [.inProgress: .scheduled],
            .fail: [.inProgress: .failed],
            .release: [.scheduled: .pending],
            .requeue: [.inProgress: .pending],
            .abandon: [.inProgress: .cancelled],
        ]
        for action in JobAction.allCases {
            for status in JobStatus.allCases {
                if let expected = allowed[action]?[status] {
                    #expect((try? JobTransitions.apply(action, to: status)) == expected, "\(action) from \(status)")
                } else {
                    #expect(throws: TransitionRefused.self, "\(action) from \(status)") {
                        try JobTransitions.apply(action, to: status)
                    }
                }
            }
        }
    }

    @Test func refusalsSayWhy() {
        for (action, status, fragment) in [
            (JobAction.retry, JobStatus.completed, "Only failed or cancelled"),
            (.cancel, .inProgress, "being called"),
            (.cancel, .cancelled, "already cancelled"),
            (.cancel, .completed, "completed"),
        ] {
            do {
                _ = try JobTransitions.apply(action, to: status)
                Issue.record("\(action) from \(status) was allowed")
            } catch {
                #expect(error.message.contains(fragment), "\(error.message)")
                #expect(error.code == "JOB_STATE_CONFLICT")
            }
        }
    }
}
