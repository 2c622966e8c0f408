import Testing
@testable import Nabla

/// Deep graphs build, differentiate and free without recursion; graphs are freed when their last
/// value goes, so a training loop holds memory flat.
@Suite("Scale and memory")
struct ScaleAndMemoryTests {
    /// W2's chain: x ← tanh(x·1.01 + 0.1), three nodes a step. Reference values from
    /// Benchmarks/WORKLOADS.md.
    static let chainSteps = 1_000_000
    /// The static chain at 1,000,002 operations (nodes): the compiled-program test runs in a debug build.
    static let staticChainSteps = 333_334

    @Test func millionStepChainDynamic() {
        weak var tape: Tape?
        do {
            let x0 = Value(0.5, requiresGrad: true)
            var x = x0
            for _ in 0..<Self.chainSteps { x = tanh(x * 1.01 + 0.1) }
            tape = x.tape
            #expect(tape?.count == 3 * Self.chainSteps + 1)
            #expect(Swift.abs(x.data - 0.6219347411545191) < 1e-15)
            x.backward()
            #expect(x0.grad.isFinite && x0.grad < 1e-300)
        }
        #expect(tape == nil, "the tape was not freed")
    }

    @Test func millionOperationChainStatic() throws {
        weak var weakGraph: Graph?
        do {
            let graph = Graph()
            weakGraph = graph
            let x0 = graph.input("x0")
            var x = x0
            for _ in 0..<Self.staticChainSteps { x = tanh(x * 1.01 + 0.1) }
            #expect(graph.count >= 1_000_000)
            let program = graph.compile([x, graph.gradient(of: x, wrt: x0)])
            let outputs = try program.run(["x0": 0.5])
            #expect(Swift.abs(outputs[0] - 0.6219347411545191) < 1e-15)
            #expect(outputs[1] < 1e-300)
        }
        #expect(weakGraph == nil, "the graph was not freed")
    }

    @Test("Short chains match the reference gradients", arguments: [(10, 0.012573678074345949), (100, 2.366974524963232e-21), (1000, 1.2692950621883635e-208)])
    func chainGradients(steps: Int, expected: Double) {
        let x0 = Value(0.5, requiresGrad: true)
        var x = x0
        for _ in 0..<steps { x = tanh(x * 1.01 + 0.1) }
        x.backward()
        #expect(FiniteDifferences.close(x0.grad / expected, 1, tolerance: 1e-12))
    }

    @Test func trainingLoopFreesEveryStepsGraph() {
        // A linear model fitted by gradient descent: parameters live on, every step's graph goes.
        let w = Value(0, requiresGrad: true), b = Value(0, requiresGrad: true)
        let data = (0..<20).map { Double($0) / 10 }
        var tapes: [() -> Tape?] = []
        for _ in 0..<1000 {
            var loss = Value(0)
            for x in data {
                let error = w * x + b - (3 * x - 1)
                loss = loss + error * error
            }
            loss = loss / Double(data.count)
            weak let tape = loss.tape
            tapes.append { tape }
            w.zeroGrad(); b.zeroGrad()
            loss.backward()
            withoutRecording {
                w.data -= 0.1 * w.grad
                b.data -= 0.1 * b.grad
            }
        }
        #expect(tapes.allSatisfy { $0() == nil }, "some steps' graphs are still alive")
        #expect(Swift.abs(w.data - 3) < 1e-3 && Swift.abs(b.data + 1) < 1e-3)
    }

    @Test func aValueKeptAcrossStepsDoesNotGrowLaterGraphs() {
        let w = Value(1, requiresGrad: true)
        let first = w * w
        first.backward()
        let firstCount = first.tape!.count
        for _ in 0..<100 {
            let loss = w * 3 + 1
            loss.backward()
            #expect(loss.tape !== first.tape)
        }
        #expect(first.tape!.count == firstCount)
    }

    @Test func higherOrderGraphsAreFreedToo() {
        weak var tape: Tape?
        do {
            let x = Value(0.3, requiresGrad: true)
            let y = sin(x) * exp(x)
            let dy = y.differentiableGradient(wrt: x)
            let d2y = dy.differentiableGradient(wrt: x)
            tape = d2y.tape
            #expect(tape != nil)
        }
        #expect(tape == nil)
    }
}
