/// Bounds that keep one upload from taking the worker's memory or time. Every reader enforces them
/// while it reads, so a hostile file fails early instead of after it has been expanded.
public struct SpreadsheetLimits: Sendable {
    /// Non-empty rows visited, the header row included.
    public var maxRows: Int
    /// A non-empty cell in a column beyond this one is an error (empty cells out there are ignored).
    public var maxColumns: Int
    /// .xlsx: the inflated bytes actually produced, summed over every part read.
    public var maxDecompressedBytes: Int
    /// .xlsx: entries in the shared-string table.
    public var maxSharedStrings: Int
    /// .xlsx: UTF-8 bytes of the shared-string table's texts, added up. They are held in memory
    /// while the sheet is read, so this (not `maxDecompressedBytes`) bounds what a bomb of shared
    /// strings costs a worker. 64 MB is twice what a 200,000-row list with ten distinct texts of
    /// 150 bytes per row needs, and more than a 20 MB upload of ordinary text inflates to.
    public var maxSharedStringBytes: Int
    /// UTF-8 bytes of one cell's text (Excel itself stops at 32,767 characters).
    public var maxCellBytes: Int

    public init(
        maxRows: Int = 200_001, maxColumns: Int = 1_024, maxDecompressedBytes: Int = 512 * 1024 * 1024,
        maxSharedStrings: Int = 2_000_000, maxSharedStringBytes: Int = 64 * 1024 * 1024, maxCellBytes: Int = 32_767
    ) {
        self.maxRows = maxRows
        self.maxColumns = maxColumns
        self.maxDecompressedBytes = maxDecompressedBytes
        self.maxSharedStrings = maxSharedStrings
        self.maxSharedStringBytes = maxSharedStringBytes
        self.maxCellBytes = maxCellBytes
    }
}
