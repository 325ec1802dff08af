import Authentication
import Batches
import FastCGI
import PostgreSQL
import Reporting
import Routing

/// `/api/v1/batches/{id}/report.csv` and `/report.xlsx`: one line per job and a summary, streamed
/// (read a page of jobs at a time in one snapshot, written as it is read), so that a
/// 100,000-job batch never sits whole in a worker's memory.
enum ReportRoutes {
    static func register(on keyed: Router.Group<Principal>, context: AppContext) {
        route("report.csv", type: "text/csv; charset=utf-8", on: keyed, context, write: csv)
        route("report.xlsx", type: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", on: keyed, context,
              write: xlsx)
    }

    /// `GET /api/v1/batches/{id}/<file>`: the batch is checked before anything is sent; the body
    /// is then written by `write` as it is read.
    private static func route(
        _ file: String, type: String, on keyed: Router.Group<Principal>, _ context: AppContext,
        write: @escaping (Int64, AppContext, BodyStream.Write) throws -> Void
    ) {
        keyed.get("/api/v1/batches/{id}/\(file)") { _, parameters, principal in
            let batch = try context.database.withConnection { connection in
                try context.visibleBatch(try parameters.require("id"), principal, connection)
            }
            let headers = [
                HTTPHeader("Content-Type", type),
                HTTPHeader("Content-Disposition", "attachment; filename=\"\(batch.batchId).\(file.split(separator: ".").last!)\""),
                HTTPHeader("Cache-Control", "no-store"),
            ]
            return Response(status: 200, headers: headers, stream: BodyStream { output in try write(batch.key, context, output) })
        }
    }

    /// The summary lines first, a blank line, then the job sheet, flushed every 64 KB.
    static func csv(_ batchKey: Int64, _ context: AppContext, _ write: BodyStream.Write) throws {
        try withoutActuallyEscaping(write) { write in
            var writer = CSVWriter()
            writer.writeByteOrderMark()
            func flush(whenOver limit: Int) {
                guard writer.buffer.count >= limit else { return }
                writer.take().withUnsafeBytes(write)
            }
            try context.database.withConnection { connection in
                try BatchReportStore(connection: connection).read(batchKey: batchKey) { summary, rows in
                    for (metric, value) in summary.lines { writer.writeRow([.text(metric), value]) }
                    writer.writeRow([])
                    writer.writeRow(BatchReport.headers.map(ReportCell.text))
                    try rows { line in
                        writer.writeRow(line.cells)
                        flush(whenOver: 64 * 1024)
                    }
                }
            }
            flush(whenOver: 0)
        }
    }

    /// A "Resumen" sheet and a "Jobs" sheet with a frozen, filtered header row.
    static func xlsx(_ batchKey: Int64, _ context: AppContext, _ write: BodyStream.Write) throws {
        let workbook = try XLSXWorkbook()
        try context.database.withConnection { connection in
            try BatchReportStore(connection: connection).read(batchKey: batchKey) { summary, rows in
                let summarySheet = try workbook.addSheet("Resumen")
                summarySheet.writeHeader(["Métrica", "Valor"], widths: [28, 36])
                for (metric, value) in summary.lines { summarySheet.writeRow([.text(metric), value]) }
                let jobs = try workbook.addSheet("Jobs")
                jobs.writeHeader(BatchReport.headers, widths: BatchReport.columnWidths)
                try rows { line in jobs.writeRow(line.cells) }
                jobs.freezeHeaderWithFilter(columns: BatchReport.headers.count)
            }
        }
        try workbook.finish(into: write)
    }
}
