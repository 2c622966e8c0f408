import Testing
@testable import Nabla

/// The products of a matrix product's backward read their operands transposed in place (the
/// kernel's transposition flags), in both modes: no transposed copy is made, and the numbers are
/// those of the products of explicit transposed copies, bit for bit.
///
/// By hand, for C = op(A)·op(B) and seed G = ∂L/∂C:
/// - C = A B:   ∂A = G Bᵀ,   ∂B = Aᵀ G
/// - C = Aᵀ B:  ∂A = B Gᵀ,   ∂B = A G
/// - C = A Bᵀ:  ∂A = G B,    ∂B = Gᵀ A
/// - C = Aᵀ Bᵀ: ∂A = Bᵀ Gᵀ,  ∂B = Gᵀ Aᵀ
@Suite("Transposed products in backward")
struct TransposedProductTests {
    /// One row per flag pair: the flags of the forward product, then those of ∂A's and ∂B's.
    static let rules: [(forward: (Bool, Bool), gradientA: (Bool, Bool), gradientB: (Bool, Bool))] = [
        ((false, false), (false, true), (true, false)),
        ((true, false), (false, true), (false, false)),
        ((false, true), (false, false), (true, false)),
        ((true, true), (true, true), (true, true)),
    ]

    /// A is 3×4 (4×3 stored when transposed), B 4×5 (5×4); C is 3×5.
    static func operands(_ ta: Bool, _ tb: Bool) -> (NDArray<Double>, NDArray<Double>) {
        (NDArray<Double>.randomNormal(ta ? [4, 3] : [3, 4], seed: 21), NDArray<Double>.randomNormal(tb ? [5, 4] : [4, 5], seed: 22))
    }

    /// The flag pairs of the matrix products among `operations`, in order.
    static func productFlags(_ operations: [TensorOperation]) -> [(Bool, Bool)] {
        operations.compactMap { if case .matmul(let ta, let tb) = $0 { (ta, tb) } else { nil } }
    }

    /// The operations a compiled program runs (a step absorbed into a fused one runs nothing).
    static func running(_ program: TensorProgram<Double>) -> [TensorOperation] {
        program.steps.filter { !$0.isFused }.map(\.operation)
    }

    /// Whether any of `operations` moves data between axes (a transposed copy).
    static func permutes(_ operations: [TensorOperation]) -> Bool {
        operations.contains { if case .permute = $0 { true } else { false } }
    }

    @Test("Compiled: the gradient program's products carry the flags; no permute step")
    func compiledGradientsUseFlags() throws {
        for rule in Self.rules {
            let (ta, tb) = rule.forward
            let graph = TensorGraph<Double>()
            let (a, b) = Self.operands(ta, tb)
            let x = graph.input("a", shape: a.shape), y = graph.input("b", shape: b.shape)
            let loss = (TensorSymbol.matmul(x, y, transposingA: ta, transposingB: tb) * graph.constant(NDArray.randomNormal([3, 5], seed: 23))).sum()
            let program = try graph.compile(graph.gradients(of: loss, wrt: [x, y]))
            let operations = Self.running(program)
            #expect(!Self.permutes(operations), "forward flags \(rule.forward)")
            // The forward product is not needed (the loss is linear in it); the two gradients are.
            let flags = Self.productFlags(operations)
            #expect(flags.count == 2, "forward flags \(rule.forward): \(flags)")
            #expect(flags.contains { $0 == rule.gradientA } && flags.contains { $0 == rule.gradientB }, "forward flags \(rule.forward): \(flags)")
        }
    }

    @Test("Dynamic: the recorded backward's products carry the flags; no permute node")
    func dynamicGradientsUseFlags() {
        for rule in Self.rules {
            let (ta, tb) = rule.forward
            let (a, b) = Self.operands(ta, tb)
            let x = Tensor(a, requiresGrad: true), y = Tensor(b, requiresGrad: true)
            let loss = (Tensor.matmul(x, y, transposingA: ta, transposingB: tb) * Tensor(NDArray.randomNormal([3, 5], seed: 23))).sum()
            let tape = loss.tape!
            let recorded = tape.nodes.count
            _ = loss.differentiableGradients(wrt: [x, y])
            let operations = tape.nodes[recorded...].map(\.operation)
            #expect(!Self.permutes(operations), "forward flags \(rule.forward)")
            let flags = Self.productFlags(operations)
            #expect(flags.count == 2 && flags[0] == rule.gradientB && flags[1] == rule.gradientA || flags.count == 2
                        && flags[0] == rule.gradientA && flags[1] == rule.gradientB, "forward flags \(rule.forward): \(flags)")
        }
    }

    @Test("Reading in place gives the bits of products of transposed copies", arguments: [false, true])
    func gradientsMatchExplicitTransposes(batched: Bool) {
        // A batch of two, with B shared (broadcast): ∂B sums the batch's products.
        for rule in Self.rules {
            let (ta, tb) = rule.forward
            let (single, b) = Self.operands(ta, tb)
            let a = batched ? NDArray<Double>.randomNormal(Shape([2] + single.shape.dimensions), seed: 24) : single
            let g = NDArray<Double>.randomNormal(batched ? [2, 3, 5] : [3, 5], seed: 25)
            let x = Tensor(a, requiresGrad: true), y = Tensor(b, requiresGrad: true)
            let gradients = Tensor.matmul(x, y, transposingA: ta, transposingB: tb).gradients(wrt: [x, y], seed: g)
            // The products of ∂A and ∂B by the rows above, each transposed operand a copy
            // (`transposed()` makes a contiguous array), multiplied with no flags.
            func t(_ m: NDArray<Double>, _ flag: Bool) -> NDArray<Double> { flag ? m.transposed() : m }
            let (first, second) = rule.forward == (false, false) || rule.forward == (false, true) ? (g, b) : (b, g)
            let expectedA = NDArray.matmul(t(first, rule.gradientA.0), t(second, rule.gradientA.1))
            let (third, fourth) = rule.forward == (false, false) || rule.forward == (true, false) ? (a, g) : (g, a)
            var expectedB = NDArray.matmul(t(third, rule.gradientB.0), t(fourth, rule.gradientB.1))
            if batched { expectedB = expectedB.sum(axes: [0], keepingDimensions: false) }
            #expect(gradients[0] == expectedA, "∂A, forward flags \(rule.forward), batched \(batched)")
            #expect(gradients[1] == expectedB, "∂B, forward flags \(rule.forward), batched \(batched)")
        }
    }

    @Test("A linear layer's backward: the weight's gradient and the input's read their operands in place")
    func linearBackwardUsesFlags() throws {
        // y = x·Wᵀ + b with W [out, in]: ∂x = G·W (no flags), ∂W = Gᵀ·x (G transposed).
        let graph = TensorGraph<Double>()
        let x = graph.input("x", shape: [6, 4]), w = graph.input("w", shape: [3, 4]), bias = graph.input("b", shape: [3])
        let loss = relu(x.linear(weight: w, bias: bias)).sum()
        let program = try graph.compile([loss] + graph.gradients(of: loss, wrt: [x, w, bias]))
        let operations = Self.running(program)
        #expect(!Self.permutes(operations))
        let flags = Self.productFlags(operations)
        #expect(flags.count == 3 && flags.contains { $0 == (false, true) } && flags.contains { $0 == (false, false) }
                    && flags.contains { $0 == (true, false) }, "\(flags)")
    }
}
