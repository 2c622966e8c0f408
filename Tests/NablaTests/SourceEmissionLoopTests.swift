import Foundation
import Testing
@testable import Nabla

/// Programs with loops (`Graph.loop`, `whileLoop`, `cond`) written out as source: the emitted
/// `for` loops are compiled with the machine's C and Swift compilers and run at every point of
/// `SourceEmissionTests`, and their numbers compared with `Program.run`'s bit for bit: values,
/// gradients (loops run backwards over stored sequences) and Hessians (loops reading the
/// sequences of several loops), nested loops, while loops up to their limit, both branches of a
/// cond. All the table's functions go into one file per language, compiled once.
@Suite("Programs with loops compiled to source")
struct SourceEmissionLoopTests {
    typealias Case = SourceEmissionTests.Case

    /// A program of `graph`'s nodes `outputs`, emitted with the default names.
    static func programCase(_ name: String, _ graph: Graph, _ outputs: [Symbol], valueCount: Int = 1) -> Case {
        let program = graph.compile(outputs)
        return Case(name: name, program: program) { language in
            program.sourceEmitter(language, functionName: name, resultNames: nil, valueCount: valueCount)
        }
    }

    static var cases: [Case] {
        var cases: [Case] = []
        // W2's chain, x ← tanh(1.01·x + 0.1) for 1000 steps, with its gradient and Hessian.
        do {
            let graph = Graph()
            let x = graph.input("x")
            let y = graph.loop(count: 1000, carrying: x) { _, x in tanh(1.01 * x + 0.1) }
            cases.append(SourceEmissionTests.staticCase("chain", graph, y, [x]))
        }
        // Two carries, parameters from outside and the step's index; its gradient and Hessian,
        // and forward mode over it (a tangent, and a Hessian-vector product forward over reverse).
        do {
            let graph = Graph()
            let (a, b, w) = (graph.input("a"), graph.input("b"), graph.input("w"))
            let p = graph.constant(1.3)
            let carries = graph.loop(count: 7, carrying: [a, b]) { t, c in
                [c[0] * w + sin(c[1]) * 0.5 + 0.01 * t, tanh(c[0] - c[1] * p) + exp(-t * 0.1) * w]
            }
            let y = carries[0] * carries[1] + carries[0]
            cases.append(SourceEmissionTests.staticCase("twoCarries", graph, y, [a, b, w]))
            let direction = [0.5, -1.0, 2.0].map(graph.constant)
            let tangent = graph.jvp(of: y, wrt: [a, b, w], along: direction)
            let hvp = graph.jvp(of: graph.gradients(of: y, wrt: [a, b, w]), wrt: [a, b, w], along: direction)
            cases.append(programCase("twoCarriesForward", graph, [tangent] + hvp))
        }
        // Carries that swap (the next values read the old ones) and a parameter returned as a carry.
        do {
            let graph = Graph()
            let (a, b, p) = (graph.input("a"), graph.input("b"), graph.input("p"))
            let c = graph.loop(count: 5, carrying: [a, b, a]) { _, c in [c[1], c[0] * c[1], p] }
            cases.append(SourceEmissionTests.staticCase("swap", graph, c[0] + c[1] * c[2], [a, b, p]))
        }
        // A carry nothing reads (its initial value and next value computed for nothing).
        do {
            let graph = Graph()
            let (a, b) = (graph.input("a"), graph.input("b"))
            let c = graph.loop(count: 3, carrying: [a * 2, sin(b)]) { _, c in [c[0] * a + 1, sin(c[0]) * 3] }
            cases.append(programCase("deadCarry", graph, [c[0]]))
        }
        // A loop inside a loop, to second order.
        do {
            let graph = Graph()
            let (x, w) = (graph.input("x"), graph.input("w"))
            let y = graph.loop(count: 4, carrying: x) { _, v in
                graph.loop(count: 3, carrying: v) { _, v in sin(v * w) + 0.5 } * 0.9
            }
            cases.append(SourceEmissionTests.staticCase("nested", graph, y, [x, w]))
        }
        // A cond (log x · x where x > 0, else 3x², NaN in the branch not taken for x ≤ 0), to second
        // order, and conds inside a loop.
        do {
            let graph = Graph()
            let x = graph.input("x")
            let y = graph.cond(x, then: { [log(x) * x] }, else: { [x * x * 3] })[0]
            cases.append(SourceEmissionTests.staticCase("cond", graph, y, [x]))
        }
        do {
            let graph = Graph()
            let (x, w) = (graph.input("x"), graph.input("w"))
            let y = graph.loop(count: 6, carrying: x) { _, v in
                graph.cond(v - 0.5, then: { [sin(v * w)] }, else: { [v * v + w] })[0]
            }
            cases.append(SourceEmissionTests.staticCase("condInLoop", graph, y, [x, w]))
        }
        // A while loop doubling x until it passes the limit (never, for x ≤ 0: the limit), with
        // the number of steps and forward mode through it.
        do {
            let graph = Graph()
            let (x, limit) = (graph.input("x"), graph.input("limit"))
            let result = graph.whileLoop(carrying: [x, graph.constant(0)], maxIterations: 60,
                                         condition: { c in limit - c[0] }) { c in [c[0] * 2, c[1] + 1] }
            let tangent = graph.jvp(of: result[0], wrt: [x], along: [graph.constant(1)])
            cases.append(programCase("whileLoop", graph, result + [tangent], valueCount: 2))
        }
        return cases
    }

    /// Every result of every function at every point, as `Program.run` computes it, one bit
    /// pattern per line; NaN for every result where the run stops at a while loop's limit (the
    /// emitted function's documented answer).
    static func expected(_ cases: [Case]) -> String {
        var lines: [String] = []
        for item in cases {
            var outputs: [Double] = []
            for input in SourceEmissionTests.inputs(arity: item.program.inputNames.count) {
                do {
                    try item.program.run(input, into: &outputs)
                } catch .iterationLimit {
                    outputs = outputs.map { _ in .nan }
                } catch {
                    // Non-finite outputs are written before `run` reports them.
                }
                lines += outputs.map(SourceEmissionTests.hex)
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func check(_ language: SourceLanguage) throws {
        let cases = Self.cases
        let directory = try SourceEmissionTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        guard let executable = try SourceEmissionTests.build(SourceEmissionTests.driver(cases, language), language, in: directory)
        else { return }
        let result = try SourceEmissionTests.run(executable, [])
        #expect(result.status == 0)
        SourceEmissionTests.compare(result.output, expected(cases), cases)
    }

    @Test(.enabled(if: SourceEmissionTests.cc != nil, "needs a C compiler: no cc on PATH"))
    func emittedCLoopsComputeWhatProgramRunComputesBitForBit() throws {
        try Self.check(.c)
    }

    @Test(.enabled(if: SourceEmissionTests.swiftc != nil, "needs a Swift compiler: no swiftc on PATH"))
    func emittedSwiftLoopsComputeWhatProgramRunComputesBitForBit() throws {
        try Self.check(.swift)
    }

    @Test func theTableRunsEveryKindOfLoop() throws {
        let loops = Self.cases.flatMap { item in
            var all: [CompiledLoop] = []
            var programs = [item.program]
            while let program = programs.popLast() {
                all += program.loops
                programs += program.loops.map(\.body)
            }
            return all
        }
        #expect(loops.contains { $0.reversed && !$0.sequenceInputSlots.isEmpty })    // a reverse pass
        #expect(loops.contains { !$0.body.loops.isEmpty })                           // nesting
        #expect(loops.contains { $0.conditionOutput >= 0 })                          // a while loop
        #expect(loops.contains { $0.guardRegister >= 0 && $0.runsWhenGuardPositive })
        #expect(loops.contains { $0.guardRegister >= 0 && !$0.runsWhenGuardPositive })
        // The while loop reaches its limit at some point of the table (x ≤ 0), and ends at others.
        let whileLoop = Self.cases.first { $0.name == "whileLoop" }!.program
        #expect(throws: ProgramError.iterationLimit(limit: 60)) { try whileLoop.run(["x": -1, "limit": 2]) }
        #expect(try whileLoop.run(["x": 1, "limit": 100]) == [128, 7, 128])
    }

    @Test func theChainReadsAsLoopsForwardAndBackward() throws {
        let chain = Self.cases.first { $0.name == "chain" }!
        let swift = chain.emitter(.swift).function()
        for line in ["    var l1_sequence1 = [Double](repeating: 0, count: 1000)",
                     "    // loop 1: 1000 steps", "    var l1_carry0 = x", "    for l1_t in 0..<1000 {",
                     "        l1_t2 = nablaTanh(l1_t2)", "        l1_sequence1[l1_t] = l1_t2",
                     "        l1_carry0 = l1_t2",
                     "    let output0 = l1_carry0", "    // reverse pass",
                     "    // loop 2: 1000 steps, t from 999 down to 0 (the reverse pass of loop 1)",
                     "    for l2_t in stride(from: 999, through: 0, by: -1) {", "        let l2_element1 = l1_sequence1[l2_t]"] {
            #expect(swift.contains(line + "\n"), "\(line)")
        }
        // The backward loop reads each step's stored tanh instead of computing it again.
        let backward = try #require(swift.components(separatedBy: "// loop 2:").last?.components(separatedBy: "// loop 3:").first)
        #expect(!backward.contains("tanh") && !backward.contains("Tanh"))
        // A branch of cond: a block run under an if; carries that read each other: temporaries.
        let cond = Self.cases.first { $0.name == "cond" }!.emitter(.swift).function()
        for line in ["    // loop 1: a branch of cond, run where the predicate is > 0", "    var l1_carry0 = 0.0", "    if x > 0 {",
                     "        let l1_t3 = x * l1_t4", "        l1_carry0 = l1_t3", "    if !(x > 0) {"] {
            #expect(cond.contains(line + "\n"), "\(line)")
        }
        // A value only a carry nothing reads needed is used (`_ = x`), not left for compilers to warn about.
        let dead = Self.cases.first { $0.name == "deadCarry" }!.emitter(.swift).function()
        #expect(dead.contains("    _ = t3"), "\(dead)")
        #expect(!dead.contains("l1_carry1"), "\(dead)")
        let swap = Self.cases.first { $0.name == "swap" }!.emitter(.c).function()
        for line in ["        double l1_next0 = l1_carry1;", "        l1_carry0 = l1_next0;", "        l1_carry1 = l1_next1;"] {
            #expect(swap.contains(line + "\n"), "\(line)")
        }
        let c = chain.program.source(in: .c, functionName: "chain", valueCount: 1)
        for line in ["// Generated by Nabla (nabla emit): straight-line code, loops as for loops, the reverse pass written out.",
                     "#include <stdlib.h>", "    double *nabla_sequences = (double *)calloc(3000, sizeof(double));",
                     "    for (long l1_t = 0; l1_t < 1000; l1_t++) {", "    for (long l2_t = 999; l2_t >= 0; l2_t--) {",
                     "    free(nabla_sequences);"] {
            #expect(c.contains(line), "\(line)")
        }
    }

    /// W2's chain of 10⁶ steps with its gradient, as the `chain-scan` benchmark compiles it.
    static var benchmarkChain: String {
        let graph = Graph()
        let x0 = graph.input("x0")
        let x = graph.loop(count: 1_000_000, carrying: x0) { _, x in tanh(x * 1.01 + 0.1) }
        let program = graph.compile([x, graph.gradient(of: x, wrt: x0)])
        return program.source(in: .swift, functionName: "emittedChain", resultNames: ["x", "dx_dx0"], valueCount: 1)
    }

    @Test func theBenchmarksEmittedChainIsUpToDate() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Sources/nabla-bench/ChainScanEmitted.swift")
        let current = Self.benchmarkChain
        if ProcessInfo.processInfo.environment["NABLA_WRITE_EMITTED_CHAIN"] == "1" {
            try current.write(to: path, atomically: true, encoding: .utf8)
        }
        let committed = try String(contentsOf: path, encoding: .utf8)
        #expect(committed == current, """
            Sources/nabla-bench/ChainScanEmitted.swift is out of date; regenerate it:
              NABLA_WRITE_EMITTED_CHAIN=1 swift test --filter theBenchmarksEmittedChainIsUpToDate
            """)
    }
}
