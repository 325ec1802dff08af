extension StringProtocol {
    /// The first `count` Unicode scalars. Text limits count code points, as PostgreSQL's
    /// `length()` does in the schema's CHECKs: a grapheme such as a family emoji or an accented
    /// letter written as two scalars counts as several.
    public func prefix(codePoints count: Int) -> String {
        var scalars = String.UnicodeScalarView()
        for scalar in self.unicodeScalars.prefix(count) { scalars.append(scalar) }
        return String(scalars)
    }
}
