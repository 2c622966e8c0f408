/// Suggestions for a word that is not known: the closest known word, as compilers and git
/// suggest one ("did you mean 'grad'?").
public enum Spelling {
    /// The word of `candidates` closest to `word`, if one is close enough to be a likely typo:
    /// at most half of `word`'s length away (at least 1) in edits, counting an insertion, a
    /// deletion, a substitution or a swap of two neighbouring characters as one (`gard` is one
    /// edit from `grad`). Ties go to the earlier candidate.
    public static func closest(to word: String, among candidates: [String]) -> String? {
        let limit = Swift.max(1, word.count / 2)
        var best: (word: String, distance: Int)?
        for candidate in candidates {
            let d = distance(word, candidate)
            if d <= limit, d < (best?.distance ?? .max) { best = (candidate, d) }
        }
        return best?.word
    }

    /// The optimal-string-alignment distance: insertions, deletions, substitutions and swaps of
    /// neighbouring characters, each counting one. Quadratic: for short words.
    static func distance(_ a: String, _ b: String) -> Int {
        let (x, y) = (Array(a), Array(b))
        if x.isEmpty || y.isEmpty { return Swift.max(x.count, y.count) }
        var previous2 = [Int](repeating: 0, count: y.count + 1)
        var previous = Array(0...y.count)
        var current = [Int](repeating: 0, count: y.count + 1)
        for i in 1...x.count {
            current[0] = i
            for j in 1...y.count {
                let cost = x[i - 1] == y[j - 1] ? 0 : 1
                current[j] = Swift.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                if i > 1, j > 1, x[i - 1] == y[j - 2], x[i - 2] == y[j - 1] {
                    current[j] = Swift.min(current[j], previous2[j - 2] + 1)
                }
            }
            (previous2, previous, current) = (previous, current, previous2)
        }
        return previous[y.count]
    }
}
