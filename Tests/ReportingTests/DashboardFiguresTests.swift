import Batches
import Money
@testable import Reporting
import Testing

@Suite struct DashboardFiguresTests {
    private func figures(completed: Int64, failed: Int64, cost: Int64, calls: Int64) -> DashboardFigures {
        DashboardFigures(
            batches: .init(total: 1, active: 1, paused: 0, completed: 0, cancelled: 0),
            jobs: .init(
                total: completed + failed,
                byStatus: JobStatus.allCases.map { ($0, $0 == .completed ? completed : $0 == .failed ? failed : 0) }),
            totalCost: Amount(tenThousandths: cost), totalMinutes: .zero, settledCalls: calls)
    }

    @Test func theSuccessRateIsRoundedToHundredths() {
        #expect(figures(completed: 2, failed: 1, cost: 0, calls: 0).successRate == Amount(tenThousandths: 666_700))
        #expect(figures(completed: 0, failed: 0, cost: 0, calls: 0).successRate == .zero)
    }

    @Test func theAveragePerCallIsExact() {
        #expect(figures(completed: 1, failed: 0, cost: 10_000, calls: 3).averagePerCall == Amount(tenThousandths: 3333))
        #expect(figures(completed: 1, failed: 0, cost: 10_000, calls: 0).averagePerCall == .zero)
    }
}
