/// What compiling a graph did, pass by pass: the record ``Graph/compileWithLog(_:)`` and
/// ``TensorGraph/compileWithLog(_:)`` return beside the program, for people who want to watch
/// "compile once, run many times" happen.
///
/// Each ``CompilationPassReport`` names a pass, counts what it works on before and after (nodes,
/// then instructions, then registers) and lists its changes in the tutorial's notation: named
/// nodes by their names, unnamed ones as `t7`, with their definition (`t7 = 2·b`).
///
/// ``Graph/compile(_:)`` runs the same passes without recording anything, so a log costs nothing
/// unless it is asked for.
public struct CompilationLog: Sendable, CustomStringConvertible {
    /// The passes, in the order they ran.
    public var passes: [CompilationPassReport] = []
    /// The forward values that gradient nodes read, which a run must therefore keep until the
    /// backward part has used them (as PyTorch's saved tensors): empty for a program with no
    /// gradient nodes.
    public var keptForBackward: [String] = []

    /// An empty log.
    public init() {}

    /// The report of the pass called `name`, if it ran.
    public func pass(_ name: String) -> CompilationPassReport? { passes.first { $0.name == name } }

    /// Every pass as ``CompilationPassReport/description`` writes it, then the values kept for
    /// backward.
    public var description: String {
        var lines = passes.map(\.description)
        if !keptForBackward.isEmpty {
            lines.append("kept for backward (\(keptForBackward.count) forward values read by gradient nodes): "
                         + keptForBackward.joined(separator: ", "))
        }
        return lines.joined(separator: "\n")
    }
}

/// One pass of a compilation: its name, the size of what it works on before and after, and what
/// it changed.
public struct CompilationPassReport: Sendable, CustomStringConvertible {
    /// The pass's name: `gradients`, `dead-code elimination`, `constant folding`, `algebraic
    /// simplification`, `common subexpressions`, `fusion`, `memory planning`.
    public var name: String
    /// What is counted: `nodes`, `instructions` or `registers`.
    public var unit: String
    /// The count before the pass.
    public var before: Int
    /// The count after the pass.
    public var after: Int
    /// One line per change, in the tutorial's notation (`removed d2 (not needed by the
    /// outputs)`, `x·1 → x`, `register r4 reused for t9 (t2 no longer needed)`), or a note on
    /// why nothing was changed.
    public var changes: [String]

    /// A report; `changes` lists what the pass did, one line each.
    public init(name: String, unit: String, before: Int, after: Int, changes: [String]) {
        self.name = name
        self.unit = unit
        self.before = before
        self.after = after
        self.changes = changes
    }

    /// `name: before → after unit`, then the changes indented by two spaces.
    public var description: String {
        (["\(name): \(before) → \(after) \(unit)"] + changes.map { "  " + $0 }).joined(separator: "\n")
    }
}
