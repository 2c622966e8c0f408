// Loops in the notation: `repeat N { statements }`, and how they fit "a name is assigned once".
//
//     x = 0.5
//     repeat 3 { t = 1.01x + 0.1; x = tanh(t) }
//     y = x^2
//
// The rule, as the README and `nabla notation` state it:
// - In each scope (the program outside loops, or one step of a loop's body) a name is assigned
//   at most once.
// - A name assigned in a loop's body that has a value before the loop (an input, or a name
//   assigned earlier) is a carry: in each step, the body's statements read the value of the
//   previous step (before the loop, for the first) until the body assigns it, and this step's
//   value after; after the loop, the name means its value after the last step (its value before
//   the loop if N is 0).
// - A name that the body reads before assigning it, and that is assigned nowhere before, is an
//   input carried by the loop (`x` in `repeat 3 { x = 2x }`).
// - A name first assigned in a loop's body is local to one step: it has no value after the loop.
// - A loop must carry something; the program outside loops may not assign a carried name again.
//
// A loop's carries after it are named values of their own, written with a prime: `x'` after the
// first loop that changes x, `x''` after the second.

extension Script {
    /// The largest count a loop may have: `repeat 1000000000 { … }`.
    public static let maximumLoopCount = 1_000_000_000
    /// The most operations a program with loops may run, every step of every loop counted
    /// (`x = tanh(1.01x + 0.1)` is 6: two numbers, a name and three operations): the dynamic
    /// modes record each of them, some 30 bytes a node, so 10⁸ keeps a tape within a few GB.
    public static let maximumLoopOperations = 100_000_000
    /// How deep loops may nest.
    public static let maximumLoopNesting = 16

    /// A loop, `repeat count { statements }`.
    public struct Loop: Sendable {
        /// How many times the body runs (0 allowed: the carries keep their values).
        public var count: Int
        /// Where `repeat` is written (1-based).
        public var line: Int
        /// The column of `repeat` (1-based).
        public var column: Int
        /// The statements of the body, nested loops' included: indices into ``Script/statements``.
        public var statements: Range<Int>
        /// The names the loop carries, in order of their first assignment in the body: those
        /// with a value before the loop that the body assigns.
        public var carries: [String]
        /// The body, in order.
        var body: [Item]
        /// The line where `repeat` is written, for errors.
        var sourceLine: String
        /// The slots of ``carries``.
        var carrySlots: [Int] = []
    }

    /// A statement or a loop, in program order.
    enum Item: Sendable {
        case statement(Int)
        case loop(Int)
    }

    /// Where a named value comes from: an input, a statement outside loops, or a loop's carry
    /// after the loop (`index` into its ``Loop/carries``).
    enum Entry: Sendable {
        case input(String)
        case statement(Int)
        case carry(loop: Int, index: Int)
    }

    /// Whether the program has a loop.
    public var hasLoops: Bool { !loops.isEmpty }

    /// For commands that show every operation (`nabla explain`, `nabla graph`): an error if the
    /// program has a loop, whose steps would each be shown.
    public func requireNoLoops(for command: String) throws(ScriptError) {
        guard let loop = loops.first else { return }
        throw ScriptError("\(command) shows every operation, and this program's loop would show each of its \(loop.count) steps: "
                          + "write a few steps out as statements, or see the values and gradient with nabla grad",
                          line: loop.line, column: loop.column, length: 6, sourceLine: loop.sourceLine)
    }
}

/// What the parser reads: statements and the brackets of loops, in program order.
enum ParsedItem {
    case statement(ScriptParser.Parsed)
    case loopStart(count: Int, token: Token)
    case loopEnd(Token)
}

/// A program's statements, loops, inputs and named values, with the rules on names checked.
struct ProgramStructure {
    var statements: [Script.Statement] = []
    var loops: [Script.Loop] = []
    var body: [Script.Item] = []
    var inputs: [String] = []
    var valueNames: [String] = []
    var entries: [Script.Entry] = []
    var output = ""
    var slotCount = 0
    var code: [Script.Instruction] = []
    var codeRanges: [Range<Int>] = []
    var targets: [Int] = []

    init(_ items: [ParsedItem], lexer: Lexer) throws(ScriptError) {
        var parsed: [ScriptParser.Parsed] = []
        var open: [Int] = []
        var loopTokens: [Token] = []
        var operations = 0.0
        func append(_ item: Script.Item) {
            if let l = open.last { loops[l].body.append(item) } else { body.append(item) }
        }
        for item in items {
            switch item {
            case .statement(var p):
                p.statement.loop = open.last
                append(.statement(parsed.count))
                parsed.append(p)
                operations += Double(p.statement.steps.count) * open.reduce(1.0) { $0 * Double(loops[$1].count) }
            case .loopStart(let count, let token):
                append(.loop(loops.count))
                open.append(loops.count)
                loops.append(Script.Loop(count: count, line: token.line, column: token.column, statements: parsed.count..<parsed.count,
                                         carries: [], body: [], sourceLine: String(lexer.lines[token.line - 1])))
                loopTokens.append(token)
            case .loopEnd:
                let l = open.removeLast()
                loops[l].statements = loops[l].statements.lowerBound..<parsed.count
            }
        }
        if !loops.isEmpty && operations > Double(Script.maximumLoopOperations) {
            let token = loopTokens[0]
            throw lexer.error("the program's loops would run \(NumberFormat.significant(operations)) operations; the most is \(Script.maximumLoopOperations) (each step of a loop counts)",
                              token.line, token.column - 1, token.length)
        }
        statements = parsed.map(\.statement)

        // Outside loops, a name is assigned once.
        var topLevelAt: [String: Int] = [:]
        for (k, s) in statements.enumerated() where s.loop == nil {
            if let earlier = topLevelAt[s.name] {
                throw lexer.error("'\(quoted: s.name)' is assigned twice (first on line \(statements[earlier].line))", s.line, s.column - 1, s.name.count)
            }
            topLevelAt[s.name] = k
        }

        // Inputs: names read before any assignment. A name whose first assignment is outside
        // loops must not be read before it; one first assigned in a loop's body and read before
        // is an input the loop carries.
        var firstAssignment: [String: Int] = [:]
        for (k, s) in statements.enumerated() where firstAssignment[s.name] == nil { firstAssignment[s.name] = k }
        var assignedSoFar: Set<String> = []
        var inputSet: Set<String> = []
        var inputReadOn: [String: Int] = [:]
        for (k, p) in parsed.enumerated() {
            for (name, place) in p.uses where !assignedSoFar.contains(name) && !inputSet.contains(name) {
                if let first = firstAssignment[name], statements[first].loop == nil {
                    let when = first == k ? "in its own statement" : "before it is assigned on line \(statements[first].line)"
                    throw lexer.error("'\(quoted: name)' is used \(when)", place.line, place.column - 1, name.count)
                }
                inputs.append(name)
                inputSet.insert(name)
                inputReadOn[name] = place.line
            }
            assignedSoFar.insert(p.statement.name)
        }

        // Scopes: what has a value where; carries and locals.
        struct Frame {
            var loop: Int
            var visibleBefore: Set<String>
            var assignedHere: [String: Int] = [:]
            var carries: [String] = []
        }
        var visible = inputSet
        var localOf: [String: Int] = [:]
        var frames: [Frame] = []
        var (k, l) = (0, 0)
        for item in items {
            switch item {
            case .statement:
                let (s, uses) = (statements[k], parsed[k].uses)
                k += 1
                for (name, place) in uses where !visible.contains(name) {
                    guard let local = localOf[name] else {
                        throw lexer.error("'\(quoted: name)' is used before it is assigned", place.line, place.column - 1, name.count)
                    }
                    let loop = loops[local]
                    throw lexer.error("'\(quoted: name)' has no value here: it is assigned only inside the loop on line \(loop.line), "
                                      + "and a name first assigned in a loop's body is local to one step (assign it before the loop to carry it)",
                                      place.line, place.column - 1, name.count)
                }
                if let f = frames.indices.last {
                    if let first = frames[f].assignedHere[s.name] {
                        throw lexer.error("'\(quoted: s.name)' is assigned twice in one step of the loop on line \(loops[frames[f].loop].line) (first on line \(first))",
                                          s.line, s.column - 1, s.name.count)
                    }
                    frames[f].assignedHere[s.name] = s.line
                    if frames[f].visibleBefore.contains(s.name) {
                        if !frames[f].carries.contains(s.name) { frames[f].carries.append(s.name) }
                    } else {
                        localOf[s.name] = frames[f].loop
                    }
                } else if visible.contains(s.name) {
                    let loop = loops.first { $0.carries.contains(s.name) }.map { ", and carried by the loop on line \($0.line)" } ?? ""
                    throw lexer.error("'\(quoted: s.name)' is an input (read on line \(inputReadOn[s.name] ?? s.line) before any assignment\(loop)): "
                                      + "outside a loop's body it cannot be assigned", s.line, s.column - 1, s.name.count)
                }
                visible.insert(s.name)
            case .loopStart:
                frames.append(Frame(loop: l, visibleBefore: visible))
                l += 1
            case .loopEnd:
                let frame = frames.removeLast()
                guard !frame.carries.isEmpty else {
                    let token = loopTokens[frame.loop]
                    throw lexer.error("the loop carries nothing out: a name its body assigns is carried from step to step only if it has a value before the loop "
                                      + "(an input, or a name assigned earlier), as x in repeat 3 { x = 2x }; the others are local to one step",
                                      token.line, token.column - 1, token.length)
                }
                loops[frame.loop].carries = frame.carries
                visible = frame.visibleBefore
                // Changing a name is assigning it, for the loop around.
                if let f = frames.indices.last {
                    for name in frame.carries {
                        if frames[f].assignedHere[name] == nil { frames[f].assignedHere[name] = loops[frame.loop].line }
                        if frames[f].visibleBefore.contains(name) && !frames[f].carries.contains(name) { frames[f].carries.append(name) }
                    }
                }
            }
        }

        // The named values: the inputs, then each statement outside loops, and each loop's
        // carries after it (primed: x', x'', …).
        var versions: [String: Int] = [:]
        valueNames = inputs
        entries = inputs.map { .input($0) }
        for item in body {
            switch item {
            case .statement(let k):
                valueNames.append(statements[k].name)
                entries.append(.statement(k))
            case .loop(let l):
                for (i, name) in loops[l].carries.enumerated() {
                    let version = versions[name, default: 0] + 1
                    versions[name] = version
                    valueNames.append(name + String(repeating: "'", count: version))
                    entries.append(.carry(loop: l, index: i))
                }
            }
        }
        // Slots: every name an index, the inputs first.
        var slotOf: [String: Int] = [:]
        for name in inputs + statements.map(\.name) where slotOf[name] == nil { slotOf[name] = slotOf.count }
        slotCount = slotOf.count
        for statement in statements {
            let start = code.count
            for step in statement.steps {
                switch step {
                case .number(let x): code.append(.number(x))
                case .name(let name): code.append(.read(slotOf[name]!))
                case .negate: code.append(.negate)
                case .binary(let op): code.append(.binary(op))
                case .function(let f): code.append(.function(f))
                }
            }
            codeRanges.append(start..<code.count)
            targets.append(slotOf[statement.name]!)
        }
        for l in loops.indices { loops[l].carrySlots = loops[l].carries.map { slotOf[$0]! } }
        // The output: the last statement outside loops, or the last carry the last loop assigns.
        switch body.last {
        case .statement(let k): output = statements[k].name
        case .loop(let l):
            let loop = loops[l]
            let last = statements[loop.statements].last { loop.carries.contains($0.name) }!.name
            let position = entries.lastIndex { if case .carry(l, let i) = $0 { loop.carries[i] == last } else { false } }!
            output = valueNames[position]
        case nil: break
        }
    }
}

extension Script {
    /// How a loop runs: an engine's own loop, given the carries' values before the loop and a
    /// body that gives the next carries from the current ones (or nil to stop), as
    /// `Graph.loop(count:carrying:_:)` takes them.
    typealias LoopRunner<V> = (_ loop: Int, _ initial: [V], _ body: ([V]) -> [V]?) -> [V]?

    /// Runs `items` on the values in `environment` (indexed by slot): `statement` runs one
    /// statement (false to stop); a loop runs through `loop` or, when it is nil, by running its
    /// body `count` times in place, calling `step` with the loop and the step (from 1) before
    /// each; `after` sees each item of the top level once it has run. Locals of a loop's body
    /// are dropped after the loop. Recursion goes only as deep as loops nest (at most
    /// ``maximumLoopNesting``).
    func run<V>(_ items: [Item], _ environment: inout [V?],
                statement: (Int, inout [V?]) -> Bool,
                loop: LoopRunner<V>? = nil,
                step: ((_ loop: Int, _ step: Int) -> Void)? = nil,
                after: ((Item, inout [V?]) -> Void)? = nil) -> Bool {
        // A loop's body runs the statements again: let the closure be captured (it never
        // outlives this call).
        withoutActuallyEscaping(statement) { statement in
            run(items, &environment, statement, loop, step, after)
        }
    }

    private func run<V>(_ items: [Item], _ environment: inout [V?],
                        _ statement: @escaping (Int, inout [V?]) -> Bool,
                        _ loop: LoopRunner<V>?,
                        _ step: ((Int, Int) -> Void)?,
                        _ after: ((Item, inout [V?]) -> Void)?) -> Bool {
        for item in items {
            switch item {
            case .statement(let k):
                guard statement(k, &environment) else { return false }
            case .loop(let l):
                let carries = loops[l].carrySlots
                let outside = environment
                let final: [V]
                if let loop {
                    let result = loop(l, carries.map { environment[$0]! }) { values in
                        for (slot, value) in zip(carries, values) { environment[slot] = value }
                        guard run(loops[l].body, &environment, statement, loop, step, nil) else { return nil }
                        return carries.map { environment[$0]! }
                    }
                    guard let result else { return false }
                    final = result
                } else {
                    // In place: each step reads the carries the previous one left.
                    for k in 0..<loops[l].count {
                        step?(l, k + 1)
                        guard run(loops[l].body, &environment, statement, nil, step, nil) else { return false }
                    }
                    final = carries.map { environment[$0]! }
                }
                environment = outside
                for (slot, value) in zip(carries, final) { environment[slot] = value }
            }
            after?(item, &environment)
        }
        return true
    }
}
