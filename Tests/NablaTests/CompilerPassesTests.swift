import Foundation
import Testing
@testable import Nabla

/// The compiler's passes and their log: counts before and after checked by hand on small graphs,
/// each algebraic rewrite checked over IEEE special values (and each refused one shown to
/// change some bit), register reuse checked against running every node of the graph in order.
@Suite("Compiler passes")
struct CompilerPassesTests {
    /// ±0, ±∞, NaN, the smallest subnormals, the smallest normal, ordinary and huge numbers.
    static let specialValues: [Double] = [0, -0.0, .infinity, -.infinity, .nan, .leastNonzeroMagnitude, -.leastNonzeroMagnitude, .leastNormalMagnitude,
                                          1, -2.5, 3.0e300, -.greatestFiniteMagnitude]

    /// The program's outputs, finite or not (`run` throws on a non-finite output).
    static func outputs(_ program: Program, _ inputs: [Double]) -> [Double] {
        var outputs = [Double](repeating: 0, count: program.outputRegisters.count)
        _ = withUnsafeTemporaryAllocation(of: Double.self, capacity: program.registerCount) { registers in
            program.execute(inputs, registers: registers, outputs: &outputs)
        }
        return outputs
    }

    /// The same bits, any NaN matching any NaN.
    static func same(_ a: Double, _ b: Double) -> Bool { a.bitPattern == b.bitPattern || (a.isNaN && b.isNaN) }

    @Test func countsBeforeAndAfterEachPassOnASmallGraph() throws {
        let graph = Graph()
        let x = graph.input("x"), y = graph.input("y")          // nodes 0, 1
        let u = x * y                                            // 2
        _ = sin(x)                                               // 3: dead
        let t1 = tanh(u), t2 = tanh(u)                           // 4, 5: the same
        let s = t1 + t2                                          // 6
        let out = s * graph.constant(1)                          // 7 (constant 1), 8 = mul_const(s, 1)
        let (program, log) = graph.compileWithLog([out])
        #expect(graph.count == 9)
        let dce = try #require(log.pass("dead-code elimination"))
        #expect((dce.before, dce.after) == (9, 7))
        #expect(dce.changes == ["removed t3 = sin(x) (not needed by the outputs)", "removed 1 (not needed by the outputs)"])
        let simplification = try #require(log.pass("algebraic simplification"))
        #expect((simplification.before, simplification.after) == (5, 4))
        #expect(simplification.changes == ["x·1 → x: t8 = 1t6 is removed, t8 is t6"])
        let cse = try #require(log.pass("common subexpressions"))
        #expect((cse.before, cse.after) == (4, 3))
        #expect(cse.changes == ["merged t5 = tanh(t2) into t4 (same op, same operands)"])
        // x, y in r0, r1; u in r2; tanh(u) can take r2 (u dies there), and so can t1 + t1.
        let memory = try #require(log.pass("memory planning"))
        #expect((memory.before, memory.after) == (5, 3))
        #expect(memory.changes == ["register r2 reused for t4 (t2 no longer needed)", "register r2 reused for t6 (t4 no longer needed)"])
        #expect(program.instructionCount == 3 && program.registerCount == 3)
        #expect(log.keptForBackward.isEmpty)
        let expected = Foundation.tanh(0.5 * 3) + Foundation.tanh(0.5 * 3)
        #expect(try program.run(["x": 0.5, "y": 3]) == [expected])
    }

    @Test func theLogCostsTheProgramNothing() {
        // compileWithLog gives the very program compile gives.
        let graph = Graph()
        let a = graph.input("a"), b = graph.input("b")
        let g = exp(a * b) - a / (b + 0) + sin(a) * sin(a)
        let outputs = [g] + graph.gradients(of: g, wrt: [a, b])
        let plain = graph.compile(outputs), (logged, _) = graph.compileWithLog(outputs)
        #expect(plain.registerCount == logged.registerCount && plain.instructionCount == logged.instructionCount)
        for (p, l) in zip(plain.instructions, logged.instructions) {
            #expect(p.op == l.op && p.x == l.x && p.y == l.y && p.target == l.target && p.constant.bitPattern == l.constant.bitPattern)
        }
    }

    /// The node each rewrite applies to, built on `x`.
    static func build(_ rewrite: String, _ x: Symbol) -> Symbol {
        switch rewrite {
        case "x·1": x * 1
        case "x/1": x / x.graph.constant(1)
        case "x^1": pow(x, 1)
        case "−(−x)": -(-x)
        case "x − 0": x - 0
        case "x − 0 (a node)": x - x.graph.constant(0)
        case "x + (−0)": x + (-0.0)
        case "x + 0": x + 0
        case "x − (−0)": x - x.graph.constant(-0.0)
        case "x − x": x - x
        case "x/x": x / x
        default: 0 * x
        }
    }

    /// The same operation with Swift's own arithmetic.
    static func direct(_ rewrite: String, _ x: Double) -> Double {
        switch rewrite {
        case "x·1": x * 1
        case "x/1": x / 1
        case "x^1": Foundation.pow(x, 1)
        case "−(−x)": -(-x)
        case "x − 0", "x − 0 (a node)": x - 0
        case "x + (−0)": x + (-0.0)
        case "x + 0": x + 0
        case "x − (−0)": x - (-0.0)
        case "x − x": x - x
        case "x/x": x / x
        default: 0 * x
        }
    }

    /// Each exact rewrite: the node is gone from the program and the result has the bits of the
    /// operation itself (computed with Swift's arithmetic), which are x's, for every special value.
    @Test("Exact rewrites are applied", arguments: ["x·1", "x/1", "x^1", "−(−x)", "x − 0", "x − 0 (a node)", "x + (−0)"])
    func exactRewrite(_ name: String) throws {
        let graph = Graph()
        let x = graph.input("x")
        let (program, log) = graph.compileWithLog([Self.build(name, x)])
        #expect(program.instructionCount == 0, "\(name)")
        let pass = try #require(log.pass("algebraic simplification"))
        #expect(!pass.changes.isEmpty && pass.changes.allSatisfy { !$0.hasPrefix("kept") }, "\(name): \(pass.changes)")
        for v in Self.specialValues {
            let direct = Self.direct(name, v)
            #expect(Self.same(Self.outputs(program, [v])[0], direct) && Self.same(direct, v), "\(name) at \(v)")
        }
    }

    /// Each refused rewrite: the node stays, the log says why, and a special value (the
    /// witness) shows that the rewrite (to x, 0 or 1) would change the result.
    @Test("Inexact rewrites are refused", arguments: [
        ("x + 0", -0.0, "x + 0 is not x"), ("x − (−0)", -0.0, "x − (−0) is not x"), ("x − x", .infinity, "x − x is not 0"),
        ("x/x", 0, "x/x is not 1"), ("0·x", .nan, "0·x is not 0"),
    ] as [(String, Double, String)])
    func refusedRewrite(_ name: String, _ witness: Double, _ reason: String) throws {
        let graph = Graph()
        let x = graph.input("x")
        let (program, log) = graph.compileWithLog([Self.build(name, x)])
        #expect(program.instructionCount == 1, "\(name)")
        let pass = try #require(log.pass("algebraic simplification"))
        #expect(pass.before == 1 && pass.after == 1 && pass.changes.count == 1 && pass.changes[0].contains(reason), "\(name): \(pass.changes)")
        let rewritten: Double = name == "x − x" || name == "0·x" ? 0 : name == "x/x" ? 1 : witness
        #expect(!Self.same(Self.direct(name, witness), rewritten), "\(name) at \(witness)")
        for v in Self.specialValues {
            #expect(Self.same(Self.outputs(program, [v])[0], Self.direct(name, v)), "\(name) at \(v)")
        }
    }

    /// Interprets every node of the graph in order, one value per node: the unoptimized program.
    static func interpret(_ graph: Graph, _ feeds: [String: Double], _ outputs: [Symbol]) -> [Double] {
        var values = [Double](repeating: 0, count: graph.count)
        for i in 0..<graph.count {
            let op = graph.ops[i]
            switch op {
            case .input: values[i] = feeds[graph.names[Int32(i)]!]!
            case .constant: values[i] = graph.constants[i]
            default:
                let x = values[Int(graph.lhs[i])], y = op.arity == 2 ? values[Int(graph.rhs[i])] : x
                values[i] = op.evaluate(x, y, graph.constants[i])
            }
        }
        return outputs.map { values[Int($0.id)] }
    }

    @Test func reusedRegistersGiveTheBitsOfEveryNodeRunInOrder() {
        var generator = SplitMix64(seed: 13)
        let unary: [(Symbol) -> Symbol] = [{ tanh($0) }, { sin($0) }, { exp($0) }, { -$0 }, { $0 * 1 }, { $0 + 0 }, { $0 - 0 },
                                           { pow($0, 1) }, { 0 * $0 }, { $0 * 2.5 }, { sqrt($0) }, { log($0) }]
        let binary: [(Symbol, Symbol) -> Symbol] = [{ $0 + $1 }, { $0 - $1 }, { $0 * $1 }, { $0 / $1 }, { min($0, $1) }]
        var programsWithReuse = 0
        for _ in 0..<60 {
            let graph = Graph()
            var nodes = [graph.input("a"), graph.input("b"), graph.input("c")]
            for _ in 0..<Int(generator.next() % 30 + 5) {
                let pick = { nodes[Int(generator.next() % UInt64(nodes.count))] }
                if generator.next() % 3 == 0 {
                    nodes.append(binary[Int(generator.next() % UInt64(binary.count))](pick(), pick()))
                } else {
                    nodes.append(unary[Int(generator.next() % UInt64(unary.count))](pick()))
                }
            }
            let last = nodes[nodes.count - 1]
            let outputs = [last, nodes[nodes.count / 2]] + graph.gradients(of: last, wrt: Array(nodes[0..<3]))
            let program = graph.compile(outputs)
            if program.registerCount < Int(program.firstInstructionRegister) + program.instructionCount { programsWithReuse += 1 }
            for inputs in [[0.5, -1.25, 2], [-0.0, 0, .leastNormalMagnitude / 4], [.infinity, -2, .nan], [3, 0.125, -7]] {
                let feeds = ["a": inputs[0], "b": inputs[1], "c": inputs[2]]
                let expected = Self.interpret(graph, feeds, outputs)
                let got = Self.outputs(program, program.inputNames.map { feeds[$0]! })
                #expect(zip(got, expected).allSatisfy { Self.same($0, $1) }, "\(got) vs \(expected)")
            }
        }
        #expect(programsWithReuse > 30)
    }

    @Test func aNonFiniteValueIsNamedAfterItsRegisterWasReused() throws {
        let graph = Graph()
        let x = graph.input("x")
        let a = (x * 2).named("a")
        let b = (a + 1).named("b")         // takes a's register: a dies here
        let c = log(b).named("c")          // takes b's register
        let program = graph.compile([c])
        #expect(program.registerCount == 2)   // x, and one register for a, b and c in turn
        let error = #expect(throws: ProgramError.self) { _ = try program.run(["x": -1]) }
        #expect(error?.description == "c is nan: log(b = -1) is not finite")
    }

    @Test func aGradientProgramKeepsTheForwardValuesItsGradientReads() throws {
        // y = tanh(w·x): dy/dw = (1 − y²)·x reads y and x.
        let graph = Graph()
        let w = graph.input("w"), x = graph.input("x")
        let y = tanh(w * x).named("y")
        let (program, log) = graph.compileWithLog([y] + graph.gradients(of: y, wrt: [w]))
        #expect(Set(log.keptForBackward) == ["x", "y"])
        let gradients = try #require(log.pass("gradients"))
        #expect(gradients.before == 4 && gradients.after > 4)
        let t = Foundation.tanh(0.5 * 2)
        #expect(try program.run(["w": 0.5, "x": 2]) == [t, (1 - t * t) * 2])
    }

    @Test func theTutorialCompiled() throws {
        let script = try Script(parsing: CommandLineTests.tutorial)
        let compiled = try script.compiled()
        let log = compiled.log
        // Symbolic reverse mode appends 13 nodes to the 15 of the forward graph; 7 are operations:
        // 2d (as d^1·2), ·6, ·5, +84, negation, ·3. Only d^2 is not linear, so only d is kept.
        let gradients = try #require(log.pass("gradients"))
        #expect((gradients.before, gradients.after, gradients.changes.count) == (15, 28, 7))
        #expect(try #require(log.pass("constant folding")).changes.contains("folded 7·6 → 42 (when the graph was built)"))
        let simplification = try #require(log.pass("algebraic simplification"))
        #expect((simplification.before, simplification.after) == (20, 19))
        #expect(log.keptForBackward == ["d"])
        // 2 inputs and 5 constants (the gradients 1, −1, 3, 6, 42), then 19 instructions; the
        // 9 outputs computed (b … g, dg/dd, dg/db, dg/da) need 9 registers at the end.
        let memory = try #require(log.pass("memory planning"))
        #expect((memory.before, memory.after) == (26, 16))
        // The same program nabla grad runs: the same numbers.
        let values = try compiled.program.run(["a": 2, "o": 1])
        #expect(Array(values[0..<8]) == [2, 1, -1, 1, 1, 8, 16, 47])
        #expect(Array(values[8...]) == [-432, -1, 144, 42, 12, 6, 3, 1])
        #expect(compiled.outputLabels[8...].starts(with: ["dg/da", "dg/do", "dg/db"]))
    }

    @Test func theCommandPrintsTheProgramAndThePasses() throws {
        let run = try CommandLineTests.nabla(["compile", CommandLineTests.tutorial, "--at", "a=2,o=1", "--passes"])
        #expect(run.status == 0 && run.errors.isEmpty, "\(run.errors)")
        let lines = run.output.split(separator: "\n").map(String.init)
        for line in ["gradients: 15 → 28 nodes", "dead-code elimination: 28 → 27 nodes", "  folded 2·3 → 6 (when the graph was built)",
                     "algebraic simplification: 20 → 19 operations", "memory planning: 26 → 16 registers",
                     "inputs: r0 = a = 2, r1 = o = 1", "instructions (19):",
                     "registers: 16 (7 for inputs and constants, 9 for 19 instructions)", "kept for backward: d"] {
            #expect(lines.contains(line), "missing: \(line)\n\(run.output)")
        }
        // The instructions computing named values and gradients, with their values.
        for (name, value) in [("b", "-1"), ("c", "1"), ("d", "1"), ("e", "8"), ("f", "16"), ("g", "47"), ("dg/dd", "12"), ("dg/db", "144"), ("dg/da", "-432")] {
            #expect(lines.contains { $0.hasPrefix("  r") && $0.hasSuffix("   # \(name) = \(value)") }, "\(name)")
        }
        let plain = try CommandLineTests.nabla(["compile", "y = x*1 + 0"])
        #expect(plain.status == 0)
        // By hand: x·1 is x; x + 0 is kept; both derivatives are the constant 1.
        #expect(plain.output == """
            inputs: r0 = x
            constants: r1 = 1
            instructions (1):
              r2 = r0 + 0   # y
            outputs: x = r0, y = r2, dy/dx = r1, dy/dy = r1
            registers: 3 (2 for inputs and constants, 1 for 1 instruction)
            kept for backward: nothing

            """)
    }

    @Test func theCommandChecksValuesAsGradDoes() throws {
        let undefined = try CommandLineTests.nabla(["compile", "y = log(x)", "--at", "x=-1"])
        #expect(undefined.status == 1 && undefined.output.isEmpty)
        #expect(undefined.errors == "error: line 1, column 1: log(-1) is undefined (nan) in 'y = log(x)'\n")
        let missing = try CommandLineTests.nabla(["compile", "y = x*z", "--at", "x=1"])
        #expect(missing.status == 1 && missing.errors == "error: missing a value for the input 'z'\n")
        let usage = try CommandLineTests.nabla(["compile", "y = x", "--order", "3"])
        #expect(usage.status == 64 && usage.errors.hasPrefix("Error: --order must be 1 or 2, got 3\n"))
    }

    @Test func aTensorGraphsLogHasShapes() throws {
        let graph = TensorGraph<Float>()
        let x = graph.input("x", shape: [4, 3]), w = graph.input("w", shape: [3, 2])   // nodes 0, 1
        let t = x.matmul(w)                                                           // 2: [4, 2]
        let v = exp(sin(tanh(t)))                                                     // 3: tanh of the product; 4, 5: a chain on 8 elements
        _ = sin(x)                                                                    // 6: dead
        let (program, log) = try graph.compileWithLog([v])
        let dce = try #require(log.pass("dead-code elimination"))
        #expect((dce.before, dce.after) == (7, 6))
        #expect(dce.changes == ["removed t6 = sin(x) [4×3] (not needed by the outputs)"])
        let fusion = try #require(log.pass("fusion"))
        #expect((fusion.before, fusion.after) == (6, 4))
        #expect(fusion.changes == [
            "fused t2, t3 into one step: tanh(matmul(x, w)), the bias and activation applied by the matrix kernel as it writes each tile [4×2]",
            "fused t4, t5 into one step: sin → exp on each element [4×2]",
        ])
        let memory = try #require(log.pass("memory planning"))
        #expect(memory.changes == ["x [4×3] released after t3, its last reader", "w [3×2] released after t3, its last reader",
                                   "t3 [4×2] released after t5, its last reader"])
        let xs = try NDArray<Float>(shape: [4, 3], scalars: (0..<12).map { Float($0) / 10 })
        let ws = try NDArray<Float>(shape: [3, 2], scalars: [0.5, -1, 0.25, 2, -0.5, 1])
        #expect(try program.run(["x": xs, "w": ws])[0].shape == [4, 2])
    }
}
