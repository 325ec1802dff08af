// speechai-spreadsheet-bench FILE: reads FILE with Spreadsheet.read, counting rows and non-empty
// cells, and prints one JSON line with the wall time of the read and the process's peak RSS.
import FoundationEssentials
import Spreadsheet

#if canImport(Glibc)
import Glibc
#endif

func fail(_ message: String, status: Int32 = 1) -> Never {
    let line = Array((message + "\n").utf8)
    _ = line.withUnsafeBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
    exit(status)
}

let arguments = CommandLine.arguments
guard arguments.count == 2 else { fail("usage: speechai-spreadsheet-bench FILE", status: 2) }
let bytes: [UInt8]
do {
    bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: arguments[1])))
} catch {
    fail("speechai-spreadsheet-bench: cannot read \(arguments[1]): \(error)")
}

var rows = 0
var cells = 0
let clock = ContinuousClock()
let start = clock.now
let format: SpreadsheetFormat
do {
    format = try Spreadsheet.read(bytes) { row in
        rows += 1
        for cell in row.cells where !cell.isEmpty { cells += 1 }
    }
} catch {
    fail("speechai-spreadsheet-bench: \(error)")
}
let elapsed = clock.now - start
let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18

var usage = rusage()
getrusage(RUSAGE_SELF.rawValue, &usage)
let peakMegabytes = Double(usage.ru_maxrss) / 1024  // Linux reports kilobytes

func rounded(_ value: Double, _ places: Double) -> Double { (value * places).rounded() / places }
print(#"{"format":"\#(format.rawValue)","rows":\#(rows),"cells":\#(cells),"seconds":\#(rounded(seconds, 1000)),"peak_rss_mb":\#(rounded(peakMegabytes, 10))}"#)
