// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "speechai",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "speechai-fcgi", targets: ["speechai-fcgi"]),
        .executable(name: "speechai", targets: ["speechai"]),
        .executable(name: "speechai-dispatcher", targets: ["speechai-dispatcher"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
    ],
    targets: [
        // C libraries, each behind its own system-library shim.
        .systemLibrary(name: "CFastCGI", pkgConfig: "fcgi", providers: [.apt(["libfcgi-dev"])]),
        .systemLibrary(name: "CLibPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(name: "CXLSXWriter", pkgConfig: "xlsxwriter", providers: [.apt(["libxlsxwriter-dev"])]),
        // Our own C for the pool: signal handling, scoreboard atomics, prctl, socket diagnostics.
        .target(name: "CPool"),

        // Thin infrastructure layers.
        .target(name: "JSON"),
        .target(name: "Time"),
        .target(name: "Money"),
        .target(name: "FastCGI", dependencies: ["CFastCGI"]),
        .target(name: "ResponderPool", dependencies: ["CPool", "FastCGI", "Time"]),
        .target(name: "PostgreSQL", dependencies: ["CLibPQ", "Time", "Money"]),
        .target(name: "Routing", dependencies: ["FastCGI", "JSON"]),
        .target(name: "Migrations", dependencies: ["PostgreSQL"]),
        // Counters kept in PostgreSQL for /internal/metrics (calls by outcome, dispatcher passes).
        .target(name: "Metrics", dependencies: ["PostgreSQL"]),
        .target(name: "Multipart"),
        // Work on threads of their own (benchmark clients, concurrent provider requests).
        .target(name: "Threads"),
        .target(
            name: "Spreadsheet",
            dependencies: ["Time", .product(name: "ZIPFoundation", package: "ZIPFoundation")]),

        // The domain.
        .target(name: "Accounts", dependencies: ["PostgreSQL", "Time", "Money"]),
        .target(
            name: "Authentication",
            dependencies: ["PostgreSQL", "Time", "Accounts", .product(name: "Crypto", package: "swift-crypto")]),
        .target(name: "Ingestion", dependencies: ["Spreadsheet", "Time", "Money"]),
        .target(name: "Batches", dependencies: ["PostgreSQL", "Time", "Money", "JSON", "Accounts"]),
        // Contact lists into batches: the spreadsheet side of batches, kept apart so that the
        // dispatcher links no spreadsheet reader.
        .target(name: "Imports", dependencies: ["Batches", "Ingestion", "Accounts", "PostgreSQL", "Money", "JSON", "Time"]),

        // Calls: the providers (Retell over libcurl, the simulator, webhook signatures) and the
        // dispatcher's domain (claims, holds, settlement, retries). No spreadsheet, no pool.
        .target(
            name: "Providers",
            dependencies: ["CCurl", "JSON", "Time", "Money", .product(name: "Crypto", package: "swift-crypto")]),
        .target(name: "Dispatching", dependencies: ["Threads", "Metrics", "Providers", "Batches", "Accounts", "PostgreSQL", "JSON", "Time", "Money"]),

        // What clients and operators read back: the dashboard, the call history, the batch
        // reports (CSV, and .xlsx through libxlsxwriter).
        .target(name: "Reporting", dependencies: ["CXLSXWriter", "Batches", "PostgreSQL", "Time", "Money"]),

        // The HTTP API.
        .target(name: "API", dependencies: ["Routing", "PostgreSQL", "ResponderPool", "JSON", "Time", "Money", "Accounts", "Authentication",
            "Multipart", "Spreadsheet", "Ingestion", "Batches", "Imports", "Dispatching", "Providers", "Reporting", "Metrics"]),

        // Executables.
        .executableTarget(name: "speechai-fcgi", dependencies: ["API", "ResponderPool"]),
        .executableTarget(
            name: "speechai-dispatcher",
            dependencies: ["Dispatching", "Providers", "PostgreSQL", "Time", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        .executableTarget(
            name: "speechai-dispatch-bench",
            dependencies: ["Dispatching", "Providers", "Batches", "Accounts", "PostgreSQL", "JSON", "Money", "Time", "Threads"]),
        .executableTarget(name: "speechai-ledger-bench", dependencies: ["Threads", "Accounts", "Money", "PostgreSQL", "Time"]),
        .executableTarget(name: "speechai-spreadsheet-bench", dependencies: ["Spreadsheet"]),
        .executableTarget(
            name: "speechai",
            dependencies: [
                "Migrations", "PostgreSQL", "Authentication",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        // Tests mirror the modules.
        .testTarget(name: "JSONTests", dependencies: ["JSON", "TestSupport"]),
        .testTarget(name: "TimeTests", dependencies: ["Time"]),
        .testTarget(name: "MoneyTests", dependencies: ["Money"]),
        .testTarget(name: "FastCGITests", dependencies: ["FastCGI"]),
        .testTarget(name: "RoutingTests", dependencies: ["Routing"]),
        .testTarget(name: "APITests", dependencies: ["API", "JSON", "Routing"]),
        .testTarget(name: "ResponderPoolTests", dependencies: ["ResponderPool"]),
        .target(name: "TestSupport", dependencies: ["PostgreSQL", "Migrations"], path: "Tests/TestSupport"),
        .testTarget(name: "PostgreSQLTests", dependencies: ["PostgreSQL", "Time", "TestSupport"]),
        .testTarget(name: "MigrationsTests", dependencies: ["Migrations", "PostgreSQL", "TestSupport"]),
        .testTarget(name: "AccountsTests", dependencies: ["Accounts", "Money", "PostgreSQL", "Time", "TestSupport"]),
        .testTarget(name: "AuthenticationTests", dependencies: ["Authentication", "PostgreSQL", "TestSupport"]),
        .testTarget(name: "MultipartTests", dependencies: ["Multipart"]),
        .testTarget(name: "SpreadsheetTests", dependencies: ["Spreadsheet", "Time", "TestSupport"]),
        .testTarget(
            name: "IngestionTests", dependencies: ["Ingestion", "Spreadsheet", "Time", "Money", "TestSupport"],
            exclude: ["generate_argentine_area_codes.py"]),
        .testTarget(
            name: "BatchesTests", dependencies: ["Batches", "Accounts", "Money", "PostgreSQL", "Time", "TestSupport"]),
        .testTarget(name: "ReportingTests", dependencies: ["Reporting", "Batches", "Money", "Time"]),
        .testTarget(name: "ProvidersTests", dependencies: ["Providers", "JSON", "Money", "Time"]),
        .testTarget(
            name: "DispatchingTests", dependencies: ["Dispatching", "Providers", "Batches", "Accounts", "JSON", "Money", "Time"]),
        .testTarget(
            name: "ImportsTests",
            dependencies: ["Imports", "Batches", "Ingestion", "Spreadsheet", "Accounts", "Money", "PostgreSQL", "Time", "TestSupport"]),
    ]
)
