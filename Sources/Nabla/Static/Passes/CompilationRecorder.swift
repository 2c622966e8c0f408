// Who listens to the passes of `Graph.compile`. The passes are generic over a recorder:
// `compile(_:)` runs them with `SilentRecorder`, whose `isRecording` is a constant `false`, so
// every line that builds a log entry is removed when the passes are specialized for it, and a
// compilation that is not watched does no work for the log at all. `compileWithLog(_:)` runs the
// very same code with `LogRecorder`.

/// Receives the reports of the passes of a compilation.
protocol CompilationRecorder {
    /// Whether reports are wanted: the passes build their change lists only when this is true.
    static var isRecording: Bool { get }
    /// Receives one pass's report.
    mutating func record(_ report: @autoclosure () -> CompilationPassReport)
    /// Receives the forward values the gradient nodes read.
    mutating func keep(_ keptForBackward: @autoclosure () -> [String])
}

/// The recorder of `compile(_:)`: records nothing.
struct SilentRecorder: CompilationRecorder {
    static var isRecording: Bool { false }
    @inline(__always) mutating func record(_ report: @autoclosure () -> CompilationPassReport) {}
    @inline(__always) mutating func keep(_ keptForBackward: @autoclosure () -> [String]) {}
}

/// The recorder of `compileWithLog(_:)`: keeps every report.
struct LogRecorder: CompilationRecorder {
    var log = CompilationLog()
    static var isRecording: Bool { true }
    mutating func record(_ report: @autoclosure () -> CompilationPassReport) { log.passes.append(report()) }
    mutating func keep(_ keptForBackward: @autoclosure () -> [String]) { log.keptForBackward = keptForBackward() }
}

extension Graph {
    /// A node as the log names it: its name, its value for a constant, `t7` otherwise.
    func logLabel(_ id: Int32) -> String {
        if let name = names[id] { return name }
        if ops[Int(id)] == .constant { return NumberFormat.shortest(constants[Int(id)]) }
        return "t\(id)"
    }

    /// A node's definition in the tutorial's notation, its operands written as their labels:
    /// `t7 = 2·b`, `h = tanh(t5)`; an input or a constant is its label alone.
    func logDefinition(_ id: Int32) -> String {
        let i = Int(id)
        let op = ops[i]
        guard op.arity > 0 else { return logLabel(id) }
        func operand(_ k: Int32) -> Formula {
            ops[Int(k)] == .constant ? .constant(constants[Int(k)]) : .variable(logLabel(k))
        }
        let x = operand(lhs[i])
        let formula = Formula(.apply(op, x, op.arity == 2 ? operand(rhs[i]) : nil, constant: constants[i]))
        return "\(logLabel(id)) = \(formula)"
    }
}
