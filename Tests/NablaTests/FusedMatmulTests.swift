import Testing
@testable import Nabla

/// Matrix products with fused epilogues (the kernel adds the bias and applies the activation as
/// it writes each tile): the same numbers as the separate operations, bit for bit, in every mode
/// and on any number of threads, with the same derivatives; and the compiler's pass that fuses
/// them, shown in its log.
@Suite("Fused matrix products")
struct FusedMatmulTests {
    /// (m, k, n): a single element, odd sizes around the 6×16 and 6×8 register tiles, two
    /// k-slices (300 > 256), and k = 0 (the product is zeros, then the bias and activation).
    static let shapes: [(Int, Int, Int)] = [(1, 1, 1), (5, 3, 7), (7, 17, 13), (13, 300, 37), (4, 0, 5)]

    /// The same bits, NaN payloads and signs of zero included.
    static func same<T: TensorScalar>(_ a: NDArray<T>, _ b: NDArray<T>) -> Bool {
        a.shape == b.shape && zip(a.scalars, b.scalars).allSatisfy {
            $0.sign == $1.sign && $0.exponentBitPattern == $1.exponentBitPattern && $0.significandBitPattern == $1.significandBitPattern
        }
    }

    /// Operands for op(A)·op(B) with A m×k, B k×n (stored transposed when asked) and a bias [n].
    static func operands<T: TensorScalar>(_ m: Int, _ k: Int, _ n: Int, _ ta: Bool, _ tb: Bool, seed: UInt64, as _: T.Type)
        -> (NDArray<T>, NDArray<T>, NDArray<T>) {
        (NDArray<T>.randomNormal(ta ? [k, m] : [m, k], seed: seed), NDArray<T>.randomNormal(tb ? [n, k] : [k, n], seed: seed + 1),
         NDArray<T>.randomNormal([n], seed: seed + 2))
    }

    /// The unfused operations: the product, the bias added, the activation, each a pass of its own.
    static func unfused<T: DifferentiableTensor>(_ a: T, _ b: T, _ ta: Bool, _ tb: Bool, bias: T?, _ activation: Activation) -> T {
        var y = T.matmul(a, b, transposingA: ta, transposingB: tb)
        if let bias { y = y + bias }
        return activate(y, activation)
    }

    /// The activation as its own operation, by the catalogue's functions.
    static func activate<T: DifferentiableTensor>(_ y: T, _ activation: Activation) -> T {
        switch activation {
        case .identity: y
        case .relu: relu(y)
        case .tanh: tanh(y)
        case .gelu: gelu(y)
        case .geluTanh: gelu(y, approximation: .tanh)
        }
    }

    func kernelMatchesUnfused<T: TensorScalar>(_: T.Type) {
        var seed: UInt64 = 10
        for (m, k, n) in Self.shapes {
            for (ta, tb) in [(false, false), (false, true), (true, false), (true, true)] {
                seed += 3
                let (a, b, bias) = Self.operands(m, k, n, ta, tb, seed: seed, as: T.self)
                for activation in Activation.allCases {
                    for withBias in [false, true] {
                        let expected = Self.unfused(a, b, ta, tb, bias: withBias ? bias : nil, activation)
                        let fused = NDArray.matmul(a, b, transposingA: ta, transposingB: tb, bias: withBias ? bias : nil, activation: activation)
                        #expect(Self.same(fused, expected), "\(T.self) \(m)×\(k)×\(n) ta \(ta) tb \(tb) \(activation) bias \(withBias)")
                    }
                }
            }
        }
    }

    @Test func kernelMatchesTheUnfusedOperationsBitForBit() {
        kernelMatchesUnfused(Float.self)
        kernelMatchesUnfused(Double.self)
    }

    @Test func anyNumberOfThreadsGivesTheSameBits() {
        // 64×300×256: 9.8 MFLOP, split over up to 4 threads (2 MFLOP each) by columns; 600×80×12
        // has fewer column strips than threads, so it splits by rows.
        for (m, k, n) in [(64, 300, 256), (600, 80, 12)] {
            let (a, b, bias) = Self.operands(m, k, n, false, true, seed: 3, as: Float.self)
            let expected = Self.unfused(a, b, false, true, bias: bias, .tanh)
            for threads in [1, 2, 3, 8] {
                let fused = NDArray.fusedProduct(a, b, transposingA: false, transposingB: true, bias: bias, biasFirst: false,
                                                 activation: .tanh, threads: threads)
                #expect(Self.same(fused, expected), "\(m)×\(k)×\(n) on \(threads) threads")
            }
        }
    }

    @Test func handDerivedValues() {
        // x = [[1, 2]], W = [[1, -1], [2, 0.5]], b = [0.5, -3]: x·W + b = [[5.5, -3]].
        let x = NDArray<Double>([[1, 2]]), w = NDArray<Double>([[1, -1], [2, 0.5]]), b = NDArray<Double>([0.5, -3])
        #expect(NDArray.matmul(x, w, transposingA: false, transposingB: false, bias: b, activation: .relu) == NDArray([[5.5, 0]]))
        #expect(NDArray.matmul(x, w, transposingA: false, transposingB: false, bias: b, activation: .identity) == NDArray([[5.5, -3]]))
        // NaN passes through relu, as the relu primitive lets it.
        let nan = NDArray.matmul(NDArray<Float>([[.nan]]), NDArray<Float>([[1]]), transposingA: false, transposingB: false,
                                 bias: NDArray([1]), activation: .relu)
        #expect(nan.scalars[0].isNaN)
    }

    /// The dynamic mode: values, first- and second-order gradients and forward-mode tangents of
    /// the fused product against the unfused operations, bit for bit.
    func dynamicMatchesUnfused<T: TensorScalar>(_: T.Type, _ activation: Activation, bias withBias: Bool, _ ta: Bool, _ tb: Bool) {
        let (m, k, n) = (7, 17, 13)
        let (a0, b0, c0) = Self.operands(m, k, n, ta, tb, seed: 40, as: T.self)
        let seed = NDArray<T>.randomNormal([m, n], seed: 44)
        func run(fused: Bool) -> [NDArray<T>] {
            let a = Tensor(a0, requiresGrad: true), b = Tensor(b0, requiresGrad: true), c = Tensor(c0, requiresGrad: true)
            let bias = withBias ? c : nil
            func f() -> Tensor<T> {
                fused ? Tensor.matmul(a, b, transposingA: ta, transposingB: tb, bias: bias, activation: activation)
                    : Self.unfused(a, b, ta, tb, bias: bias, activation)
            }
            let y = f()
            if fused && (withBias || activation.differentiatesFromOutput && activation != .identity) {
                #expect(y.tape!.extras?.fusedProducts.count == 1, "one fused node recorded")
            }
            let leaves = withBias ? [a, b, c] : [a, b]
            let first = (y * Tensor(seed)).sum().gradients(wrt: leaves)
            // Second order: the gradient of Σ (∂L/∂a)² + (∂L/∂b)² with respect to the operands.
            let g = (f() * Tensor(seed)).sum().differentiableGradients(wrt: leaves)
            let second = g.map { ($0 * $0).sum() }.reduce(Tensor<T>(0)) { $0 + $1 }.gradients(wrt: leaves)
            let tangent = f().tangent(wrt: leaves, along: leaves.map { NDArray<T>.randomNormal($0.shape, seed: 50) })
            let unrecorded = withoutRecording { f().data }
            return [y.data] + first + second + [tangent, unrecorded]
        }
        let (fused, plain) = (run(fused: true), run(fused: false))
        for (k, (x, y)) in zip(fused, plain).enumerated() {
            #expect(Self.same(x, y), "\(T.self) \(activation) bias \(withBias) ta \(ta) tb \(tb): result \(k) differs")
        }
    }

    @Test(arguments: Activation.allCases)
    func dynamicModeMatchesTheUnfusedOperations(_ activation: Activation) {
        dynamicMatchesUnfused(Float.self, activation, bias: true, false, true)
        dynamicMatchesUnfused(Double.self, activation, bias: true, true, false)
        dynamicMatchesUnfused(Double.self, activation, bias: false, false, false)
    }

    @Test func fusedLinearPassesTheGradientChecker() {
        for activation in [Activation.tanh, .gelu, .geluTanh] {
            let inputs = [NDArray<Double>.randomUniform([3, 4], low: -1, high: 1, seed: 1), .randomUniform([5, 4], low: -1, high: 1, seed: 2),
                          .randomUniform([5], low: -1, high: 1, seed: 3)]
            let mismatches = GradientChecker.check({ $0[0].linear(weight: $0[1], bias: $0[2], activation: activation) }, at: inputs, order: 2)
            #expect(mismatches.isEmpty, "\(activation): \(mismatches)")
        }
    }

    @Test func sequentialFusesALinearLayerWithItsActivation() {
        let model = Sequential<Float>(Linear(6, 8, seed: 1), ReLU(), Linear(8, 8, seed: 2), Tanh(), Linear(8, 4, seed: 3), GELU(approximation: .tanh),
                                      Linear(4, 3, seed: 4))
        let x = Tensor(NDArray<Float>.randomNormal([5, 6], seed: 9))
        // Layer by layer, through the unfused operations.
        let activations: [Int: Activation] = [1: .relu, 3: .tanh, 5: .geluTanh]
        var expected = x.data
        for (k, layer) in model.layers.enumerated() {
            guard let linear = layer as? Linear<Float> else { continue }
            expected = Self.unfused(expected, linear.weight.data, false, true, bias: linear.bias!.data, activations[k + 1] ?? .identity)
        }
        let output = model(x)
        #expect(Self.same(output.data, expected))
        // Gradients reach every parameter, as layer by layer.
        output.sum().backward()
        #expect(model.parameters.allSatisfy { $0.grad != nil })
    }

    @Test func linearBackwardMakesNoTransposedCopy() throws {
        // The gradients of x·Wᵀ + b read W and x in place: no permute (transpose) node anywhere.
        let graph = TensorGraph<Float>()
        let x = graph.input("x", shape: [4, 3]), w = graph.input("w", shape: [5, 3]), b = graph.input("b", shape: [5])
        let loss = tanh(x.linear(weight: w, bias: b)).sum()
        _ = try graph.gradients(of: loss, wrt: [x, w, b])
        #expect(!graph.nodes.contains { if case .permute = $0.operation { true } else { false } })
        // The forward product x·Wᵀ and the two gradient products seed·W and seedᵀ·x, each with
        // the transposition as a flag of the kernel.
        let products = graph.nodes.filter { if case .matmul = $0.operation { true } else { false } }.map(\.operation)
        #expect(products == [.matmul(transposingA: false, transposingB: true), .matmul(transposingA: false, transposingB: false),
                             .matmul(transposingA: true, transposingB: false)])
    }

    /// A training step's graph: forward through a fused layer, loss, gradients.
    static func trainingGraph(_ activation: Activation, biasFirst: Bool = false) throws
        -> (graph: TensorGraph<Float>, outputs: [TensorSymbol<Float>], feeds: [String: NDArray<Float>]) {
        let graph = TensorGraph<Float>()
        let x = graph.input("x", shape: [6, 5]), w = graph.input("w", shape: [5, 7]), b = graph.input("b", shape: [7])
        let product = x.matmul(w)
        let h = activation(biasFirst ? b + product : product + b)
        let loss = (h * h).sum()
        let outputs = [loss, h] + (try graph.gradients(of: loss, wrt: [x, w, b]))
        let feeds = ["x": NDArray<Float>.randomNormal([6, 5], seed: 1), "w": .randomNormal([5, 7], seed: 2), "b": .randomNormal([7], seed: 3)]
        return (graph, outputs, feeds)
    }

    @Test(arguments: Activation.allCases)
    func compiledProgramsFuseAndMatchDynamic(_ activation: Activation) throws {
        for biasFirst in [false, true] {
            let (graph, outputs, feeds) = try Self.trainingGraph(activation, biasFirst: biasFirst)
            let (program, log) = try graph.compileWithLog(outputs)
            let results = try program.run(feeds)
            // Dynamic, unfused.
            let x = Tensor(feeds["x"]!, requiresGrad: true), w = Tensor(feeds["w"]!, requiresGrad: true), b = Tensor(feeds["b"]!, requiresGrad: true)
            let product = x.matmul(w)
            let y = Self.activate(biasFirst ? b + product : product + b, activation)
            let loss = (y * y).sum()
            let expected = [loss.data, y.data] + loss.gradients(wrt: [x, w, b])
            for (k, (s, d)) in zip(results, expected).enumerated() {
                #expect(Self.same(s, d), "\(activation) bias first \(biasFirst): output \(k) differs")
            }
            // The log shows the product fused with its bias (and activation, unless GELU, whose
            // derivative reads the pre-activation and keeps it).
            let fusion = try #require(log.pass("fusion")).changes
            let sum = biasFirst ? "b + matmul(x, w)" : "matmul(x, w) + b"
            let fusedActivation = activation.differentiatesFromOutput && activation != .identity
            let line = fusedActivation ? "\(activation.name)(\(sum))" : sum
            #expect(fusion.contains { $0.contains("into one step: \(line), the bias and activation applied by the matrix kernel") }, "\(fusion)")
            #expect(fusion.contains { $0.contains("reads") && $0.contains("= relu(") } == (activation == .relu), "\(fusion)")
        }
    }

    @Test func inferenceProgramsFuseGELU() throws {
        for activation in [Activation.gelu, .geluTanh] {
            let graph = TensorGraph<Double>()
            let x = graph.input("x", shape: [3, 4]), w = graph.input("w", shape: [5, 4]), b = graph.input("b", shape: [5])
            let y = x.linear(weight: w, bias: b, activation: activation)
            let (program, log) = try graph.compileWithLog([y])
            let feeds = ["x": NDArray<Double>.randomNormal([3, 4], seed: 1), "w": .randomNormal([5, 4], seed: 2), "b": .randomNormal([5], seed: 3)]
            let expected = Self.unfused(feeds["x"]!, feeds["w"]!, false, true, bias: feeds["b"]!, activation)
            #expect(Self.same(try program.run(feeds)[0], expected))
            let fusion = try #require(log.pass("fusion"))
            #expect(fusion.changes.contains { $0.contains("into one step: \(activation.name)(matmul(x, w) + b)") }, "\(fusion)")
            // The product, the sum and GELU's primitives (5 or 9) become one step.
            #expect(fusion.before - fusion.after == (activation == .gelu ? 6 : 10))
        }
    }

    @Test func productsReadElsewhereAreNotFused() throws {
        // The product is an output too: it must be stored, so nothing is fused into it.
        let graph = TensorGraph<Float>()
        let x = graph.input("x", shape: [2, 3]), w = graph.input("w", shape: [3, 4]), b = graph.input("b", shape: [4])
        let product = x.matmul(w)
        let (program, log) = try graph.compileWithLog([relu(product + b), product])
        #expect(program.steps.allSatisfy { $0.epilogue == nil })
        #expect(!(try #require(log.pass("fusion"))).changes.contains { $0.contains("matmul") })
        // A bias that is not one value per column ([2, 1]: per row) is added on its own.
        let other = TensorGraph<Float>()
        let y = relu(other.input("x", shape: [2, 3]).matmul(other.input("w", shape: [3, 4])) + other.input("c", shape: [2, 1]))
        #expect(try other.compile([y]).steps.allSatisfy { $0.epilogue == nil })
    }
}
