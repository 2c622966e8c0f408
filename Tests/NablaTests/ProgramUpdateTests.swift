import Testing
@testable import Nabla

/// Programs that update their inputs (`TensorGraph.compile(_:updating:)`, a training step with its
/// optimiser's update), the product added into an array's storage that such an update runs as
/// (`NDArray.addProduct`), and the compiler pass that fuses it: the numbers are the separate
/// operations', bit for bit, the state is updated in place only where no one else holds it, and
/// misplaced inputs are thrown, leaving the state as it was.
@Suite("Programs that update their inputs")
struct ProgramUpdateTests {
    static func same<T: TensorScalar>(_ a: NDArray<T>, _ b: NDArray<T>) -> Bool { FusedMatmulTests.same(a, b) }

    /// t ± s·(op(a)·op(b)) element by element from the stored product: the definition.
    static func reference<T: TensorScalar>(_ t: NDArray<T>, _ product: NDArray<T>, scale: T?, subtracting: Bool) -> NDArray<T> {
        let scaled = product.scalars.map { p in scale.map { s in s * p } ?? p }
        let values = zip(t.scalars, scaled).map { subtracting ? $0 - $1 : $0 + $1 }
        return try! NDArray(shape: t.shape, scalars: values)
    }

    func addProductMatchesTheOperations<T: TensorScalar>(_: T.Type) {
        var seed: UInt64 = 40
        // Odd sizes around the register tiles, k = sliceDepth, and k = 0 (the product is zeros).
        for (m, k, n) in [(1, 1, 1), (5, 3, 7), (9, 17, 33), (13, Matmul.sliceDepth, 37), (4, 0, 5)] {
            for (ta, tb) in [(false, false), (false, true), (true, false), (true, true)] {
                seed += 3
                let (a, b, _) = FusedMatmulTests.operands(m, k, n, ta, tb, seed: seed, as: T.self)
                let t = NDArray<T>.randomNormal([m, n], seed: seed + 7)
                let product = NDArray.matmul(a, b, transposingA: ta, transposingB: tb)
                for scale: T? in [nil, 0.01, -3] {
                    for subtracting in [false, true] {
                        var target = t
                        target.addProduct(a, b, transposingA: ta, transposingB: tb, scaledBy: scale, subtracting: subtracting)
                        #expect(Self.same(target, Self.reference(t, product, scale: scale, subtracting: subtracting)),
                                "\(T.self) \(m)×\(k)×\(n) ta \(ta) tb \(tb) scale \(String(describing: scale)) subtracting \(subtracting)")
                    }
                }
            }
        }
    }

    @Test func addProductMatchesTheOperationsBitForBit() {
        addProductMatchesTheOperations(Float.self)
        addProductMatchesTheOperations(Double.self)
    }

    @Test func addProductOnAnyNumberOfThreadsGivesTheSameBits() {
        // W4's first weight gradient, xᵀ·δ (784×64 · 64×256: 25.7 MFLOP), and a split by rows.
        for (m, k, n) in [(784, 64, 256), (600, 80, 12)] {
            let (a, b, _) = FusedMatmulTests.operands(m, k, n, true, false, seed: 5, as: Float.self)
            let w = NDArray<Float>.randomNormal([m, n], seed: 6)
            var expected = w
            expected.addProduct(a, b, transposingA: true, scaledBy: 0.01, subtracting: true)
            for threads in [2, 3, 8] {
                var target = w
                target.addProduct(a, b, transposingA: true, scaledBy: 0.01, subtracting: true, threads: threads)
                #expect(Self.same(target, expected), "\(m)×\(k)×\(n) on \(threads) threads")
            }
        }
    }

    @Test func addProductDeeperThanASliceIsClose() {
        // k = 600: summed in one slice here, in three by the product, so close but not the bits.
        let (a, b, _) = FusedMatmulTests.operands(7, 600, 9, false, false, seed: 9, as: Double.self)
        var target = NDArray<Double>.zeros([7, 9])
        target.addProduct(a, b, scaledBy: 2)
        for i in 0..<7 {
            for j in 0..<9 {
                let exact = 2 * (0..<600).reduce(0.0) { $0 + a.scalars[i * 600 + $1] * b.scalars[$1 * 9 + j] }
                #expect(Swift.abs(target.scalars[i * 9 + j] - exact) <= 1e-12 * 600)
            }
        }
    }

    @Test func addProductCopiesSharedStorage() {
        let (a, b, _) = FusedMatmulTests.operands(3, 4, 5, false, false, seed: 11, as: Float.self)
        let original = NDArray<Float>.randomNormal([3, 5], seed: 12)
        var target = original
        target.addProduct(a, b)
        #expect(Self.same(original, NDArray<Float>.randomNormal([3, 5], seed: 12)), "the other copy changed")
        #expect(!Self.same(target, original))
    }

    /// A two-layer ReLU network's loss and its SGD update, p ← p − 0.01·∂L/∂p.
    static func trainingGraph() throws -> (graph: TensorGraph<Float>, loss: TensorSymbol<Float>, parameters: [TensorSymbol<Float>],
                                           gradients: [TensorSymbol<Float>], initial: [String: NDArray<Float>]) {
        let graph = TensorGraph<Float>()
        let x = graph.constant(NDArray<Float>.randomNormal([16, 20], seed: 1))
        let shapes: [Shape] = [[20, 12], [12], [12, 3], [3]]
        let p = shapes.enumerated().map { graph.input("p\($0)", shape: $1) }
        let h = relu(x.matmul(p[0]) + p[1])
        let loss = (h.matmul(p[2]) + p[3]).crossEntropy(labels: (0..<16).map { $0 % 3 })
        let initial = Dictionary(uniqueKeysWithValues: shapes.enumerated().map { ("p\($0)", NDArray<Float>.randomNormal($1, standardDeviation: 0.3, seed: UInt64(20 + $0))) })
        return (graph, loss, p, try graph.gradients(of: loss, wrt: p), initial)
    }

    @Test func anUpdatingProgramTrainsAsTheSeparateUpdateDoes() throws {
        let (graph, loss, p, gradients, initial) = try Self.trainingGraph()
        let (updating, log) = try graph.compileWithLog([loss], updating: zip(p, gradients).map { ($0, $0 - 0.01 * $1) })
        let plain = try graph.compile([loss] + gradients)
        #expect(updating.updatedInputs == ["p0", "p1", "p2", "p3"])
        var state = initial, manual = initial
        var losses: [Float] = []
        for _ in 0..<5 {
            let fused = try updating.run([:], updating: &state)
            let outputs = try plain.run(manual)
            #expect(fused.count == 1)
            #expect(Self.same(fused[0], outputs[0]))
            losses.append(outputs[0].scalar)
            for k in 0..<4 {
                let name = "p\(k)"
                manual[name] = try NDArray(shape: manual[name]!.shape, scalars: zip(manual[name]!.scalars, outputs[k + 1].scalars).map { $0 - Float(0.01) * $1 })
            }
            for name in manual.keys { #expect(Self.same(state[name]!, manual[name]!), "\(name) after an update") }
        }
        #expect(losses.last! < losses.first!, "\(losses)")
        // Both weights' updates ran as products added into the weights' storage.
        let fusion = try #require(log.pass("fusion")).changes
        #expect(fusion.filter { $0.contains("each tile of the product added to") }.count == 2, "\(fusion)")
        #expect(fusion.contains { $0.contains("p0 − 0.01 · matmul(") }, "\(fusion)")
    }

    @Test func stateHeldElsewhereIsNotChanged() throws {
        let (graph, loss, p, gradients, initial) = try Self.trainingGraph()
        let program = try graph.compile([loss], updating: zip(p, gradients).map { ($0, $0 - 0.01 * $1) })
        var state = initial
        _ = try program.run([:], updating: &state)
        // `initial` shared its arrays with `state`: they were copied before being written.
        for (name, value) in initial {
            #expect(Self.same(value, try Self.trainingGraph().initial[name]!), "\(name) changed in the caller's copy")
            #expect(!Self.same(value, state[name]!), "\(name) was not updated")
        }
    }

    @Test func misplacedInputsAreThrownAndLeaveTheStateAsItWas() throws {
        let graph = TensorGraph<Double>()
        let w = graph.input("w", shape: [2, 3]), x = graph.input("x", shape: [4, 2])
        let loss = x.matmul(w).sum()
        let program = try graph.compile([loss], updating: [(w, w - 0.1 * (try graph.gradients(of: loss, wrt: [w]))[0])])
        let feeds = ["x": NDArray<Double>.randomNormal([4, 2], seed: 1)]
        let w0 = NDArray<Double>.randomNormal([2, 3], seed: 2)
        func expectThrow(_ error: TensorProgramError, feeds: [String: NDArray<Double>], state: [String: NDArray<Double>]) {
            var state = state
            let before = state
            #expect(throws: error) { _ = try program.run(feeds, updating: &state) }
            #expect(state.keys.sorted() == before.keys.sorted() && state.allSatisfy { Self.same($0.value, before[$0.key]!) })
        }
        expectThrow(.updatedInputFed("w"), feeds: feeds.merging(["w": w0]) { $1 }, state: ["w": w0])
        expectThrow(.notUpdated("x"), feeds: [:], state: ["w": w0, "x": feeds["x"]!])
        expectThrow(.unknownInput("v"), feeds: feeds, state: ["w": w0, "v": w0])
        expectThrow(.missingInput("w"), feeds: feeds, state: [:])
        expectThrow(.wrongShape("w", expected: [2, 3], got: [3, 2]), feeds: feeds, state: ["w": .zeros([3, 2])])
        #expect(throws: TensorProgramError.updatedInputFed("w")) { _ = try program.run(feeds.merging(["w": w0]) { $1 }) }
        #expect(TensorProgramError.updatedInputFed("w").description.contains("give it in the state of run(_:updating:)"))
        // A new value of another shape is a shape error, found when compiling.
        #expect(throws: TensorShapeError.self) { _ = try graph.compile([loss], updating: [(w, w.sum())]) }
    }

    /// The sums a product can be added in: t + P, P + t, t − c·P, c·P + t, t − P.
    @Test(arguments: 0..<5)
    func accumulationFormsFuseAndMatch(_ form: Int) throws {
        let graph = TensorGraph<Float>()
        let a = graph.input("a", shape: [6, 5]), b = graph.input("b", shape: [9, 5]), t = graph.input("t", shape: [6, 9])
        let product = TensorSymbol.matmul(a, b, transposingA: false, transposingB: true)
        let y = [t + product, product + t, t - 0.25 * product, 0.25 * product + t, t - product][form]
        let feeds = ["a": NDArray<Float>.randomNormal([6, 5], seed: 1), "b": .randomNormal([9, 5], seed: 2), "t": .randomNormal([6, 9], seed: 3)]
        let (program, log) = try graph.compileWithLog([y])
        #expect(program.steps.contains { $0.accumulation != nil }, "form \(form) was not fused")
        #expect(try #require(log.pass("fusion")).changes.contains { $0.contains("added to t's storage") })
        let stored = NDArray.matmul(feeds["a"]!, feeds["b"]!, transposingA: false, transposingB: true)
        let expected = Self.reference(feeds["t"]!, stored, scale: [nil, nil, 0.25, 0.25, nil][form], subtracting: [false, false, true, false, true][form])
        #expect(Self.same(try program.run(feeds)[0], expected))
        // The feed's own array is not written.
        #expect(Self.same(feeds["t"]!, NDArray<Float>.randomNormal([6, 9], seed: 3)))
    }

    @Test func sumsThatMustKeepTheirOperandsAreNotFused() throws {
        let graph = TensorGraph<Float>()
        let a = graph.input("a", shape: [6, 5]), b = graph.input("b", shape: [5, 9]), t = graph.input("t", shape: [6, 9])
        let deep = graph.input("d", shape: [6, Matmul.sliceDepth + 1]), e = graph.input("e", shape: [Matmul.sliceDepth + 1, 9])
        let product = a.matmul(b)
        // t is read again after the sum; the product is an output; the product is deeper than a slice.
        for outputs in [[t + product, t * 2], [t + product, product], [t + deep.matmul(e)]] {
            #expect(try graph.compile(outputs).steps.allSatisfy { $0.accumulation == nil })
        }
        // A product added to one of its own operands: a + a·s (s square) keeps a until the product is done.
        let s = graph.input("s", shape: [5, 5])
        #expect(try graph.compile([a + a.matmul(s)]).steps.allSatisfy { $0.accumulation == nil })
    }
}
