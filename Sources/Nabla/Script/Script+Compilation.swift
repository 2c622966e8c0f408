/// A script compiled as `nabla grad` compiles it: the ``Program`` computing every name's value,
/// the gradient of the output (and the Hessian, at order 2), with the ``CompilationLog`` of the
/// passes that made it. Printed by `nabla compile`.
public struct CompiledScript: Sendable {
    /// The program `nabla grad` runs for the same script and options.
    public let program: Program
    /// What each pass of the compilation did.
    public let log: CompilationLog
    /// A label for each output of the program, in order: the names, then `dy/dx` for each
    /// gradient and `d²y/dxdz` for each Hessian entry.
    public let outputLabels: [String]

    /// The text `nabla compile` prints: the program listing (with `feeds`, every instruction's
    /// value), the forward values kept for backward, and with `passes` first the graph after
    /// each pass of the compilation.
    public func text(passes: Bool = false, at feeds: [String: Double]? = nil) throws(ProgramError) -> String {
        var sections: [String] = []
        if passes { sections.append("Passes:\n" + log.passes.map(\.description).joined(separator: "\n")) }
        var program = try self.program.listing(outputLabels: outputLabels, at: feeds)
        program += "\nkept for backward: " + (log.keptForBackward.isEmpty ? "nothing" : log.keptForBackward.joined(separator: ", "))
        sections.append((passes ? "Program:\n" : "") + program)
        return sections.joined(separator: "\n\n")
    }
}

extension Script {
    /// Compiles the script as ``evaluate(at:output:wrt:order:mode:)`` does in the static mode —
    /// the same graph, the same outputs, so the same program — and returns the program with the
    /// log of its compilation. `output`, `wrt` and `order` mean what they mean there.
    public func compiled(output: String? = nil, wrt: [String]? = nil, order: Int = 1) throws(ScriptError) -> CompiledScript {
        let outputName = output ?? self.output
        let names = valueNames
        let known = Set(names)
        guard known.contains(outputName) else {
            throw ScriptError("'\(quoted: outputName)' is not a name in the program (its names are \(ScriptError.list(names)))")
        }
        for name in wrt ?? [] where !known.contains(name) {
            throw ScriptError("cannot differentiate with respect to '\(quoted: name)': it is not a name in the program")
        }
        guard order == 1 || order == 2 else { throw ScriptError("order must be 1 or 2, not \(order)") }
        let wrtNames = wrt ?? inputs
        let shown = differentiated(output: outputName, wrt: wrt).shown
        let (graph, requested) = staticRequest(outputName, names, shown, wrtNames, order)
        let (program, log) = graph.compileWithLog(requested)
        var labels = names + shown.map { "d\(outputName)/d\($0)" }
        if order == 2 { labels += wrtNames.flatMap { x in wrtNames.map { z in x == z ? "d²\(outputName)/d\(x)²" : "d²\(outputName)/d\(x)d\(z)" } } }
        return CompiledScript(program: program, log: log, outputLabels: labels)
    }
}
