import Foundation
import Testing
@testable import Nabla

/// softplus, logSigmoid, elu, hardtanh and silu as primitives: one node per call, the same
/// numbers in the scalar engine, on tensors and in the notation, PyTorch's derivatives at the
/// kinks (hardtanh_backward, elu_backward, softplus_backward), nothing overflowing in Float or
/// Double, and formulas that show a parameter other than the default. Their values against
/// PyTorch's are in ``ElementwiseOperationTests``; the scalar gradient-check table
/// (`OpCase`) checks their first and second derivatives.
@Suite("Activation primitives")
struct ActivationPrimitiveTests {
    typealias Case = TensorGradientTests.Case

    /// Each function with PyTorch's defaults, over any algebra.
    static func apply<T: DifferentiableScalar>(_ name: String, _ x: T) -> T {
        switch name {
        case "softplus": softplus(x)
        case "logSigmoid": logSigmoid(x)
        case "elu": elu(x)
        case "hardtanh": hardtanh(x)
        default: silu(x)
        }
    }

    static let names = ["softplus", "logSigmoid", "elu", "hardtanh", "silu"]

    @Test func oneNodePerCall() {
        for name in Self.names {
            let graph = TensorGraph<Double>()
            _ = Self.apply(name, graph.input("x", shape: [3]))
            #expect(graph.nodes.count == 2, "\(name): \(graph.nodes.count - 1) nodes")
        }
        // The parameters a node's constant carries keep it one node…
        for f: (TensorSymbol<Double>) -> TensorSymbol<Double> in [
            { softplus($0, threshold: 5) }, { elu($0, alpha: 0.5) }, { hardtanh($0, min: -3, max: 3) },
        ] {
            let graph = TensorGraph<Double>()
            _ = f(graph.input("x", shape: [3]))
            #expect(graph.nodes.count == 2)
        }
        // …the others need a composite.
        let graph = TensorGraph<Double>()
        _ = hardtanh(graph.input("x", shape: [3]), min: 0, max: 6)
        #expect(graph.nodes.count > 2)
    }

    @Test func everyEngineGivesTheSameNumbers() {
        let xs = [-30, -2.5, -1, -0.25, 0, 0.25, 1, 2.5, 20, 30]
        for name in Self.names {
            let tensor = Tensor(NDArray(xs), requiresGrad: true)
            let output = Self.apply(name, tensor)
            let gradient = output.sum().gradients(wrt: [tensor])[0].scalars
            for (k, x) in xs.enumerated() {
                let value = Value(x, requiresGrad: true)
                let scalar = Self.apply(name, value)
                #expect(scalar.data.bitPattern == output.data.scalars[k].bitPattern, "\(name)(\(x))")
                #expect(Self.apply(name, x).bitPattern == scalar.data.bitPattern, "\(name)(\(x)) on Double")
                #expect(scalar.gradient(wrt: value).bitPattern == gradient[k].bitPattern, "\(name)'(\(x))")
            }
        }
    }

    /// d/dx f at x in the scalar engine.
    static func derivative(_ x: Double, _ f: (Value) -> Value) -> Double {
        let leaf = Value(x, requiresGrad: true)
        return f(leaf).gradient(wrt: leaf)
    }

    @Test func pytorchsDerivativesAtTheKinks() {
        // hardtanh_backward: 0 where x <= min_val or x >= max_val, so 0 at either bound.
        #expect([-3, -1, -0.5, 0, 0.5, 1, 3].map { Self.derivative($0) { hardtanh($0) } } == [0, 0, 1, 1, 1, 0, 0])
        #expect([-2, -1.99, 1.99, 2].map { Self.derivative($0) { hardtanh($0, min: -2, max: 2) } } == [0, 1, 1, 0])
        // elu_backward: x <= 0 gives α·exp(x), so α at 0.
        #expect(Self.derivative(0) { elu($0) } == 1 && Self.derivative(0) { elu($0, alpha: 2) } == 2)
        #expect(Self.derivative(-1) { elu($0, alpha: 2) } == 2 * Foundation.exp(-1) && Self.derivative(1e-9) { elu($0, alpha: 2) } == 1)
        // softplus_backward: x > threshold gives 1, else σ(x); at the threshold itself σ(threshold).
        #expect(Self.derivative(20) { softplus($0) } == 1 / (1 + Foundation.exp(-20)))
        #expect(Self.derivative(20.5) { softplus($0) } == 1)
        #expect(Self.derivative(5) { softplus($0, threshold: 5) } == 1 / (1 + Foundation.exp(-5)))
        #expect(Self.derivative(5.5) { softplus($0, threshold: 5) } == 1)
        // Smooth at 0: logsigmoid' = σ(−0) = ½, silu' = σ(0) = ½.
        #expect(Self.derivative(0) { logSigmoid($0) } == 0.5 && Self.derivative(0) { silu($0) } == 0.5)
    }

    @Test func nothingOverflows() {
        // Float: exp overflows past 88.7.
        let f = Tensor(NDArray<Float>([100, -200, 0]), requiresGrad: true)
        let soft = softplus(f)
        #expect(soft.data.scalars == [100, 0, Foundation.log1p(Float(1))])
        #expect(soft.sum().gradients(wrt: [f])[0].scalars == [1, 0, 0.5])
        let unbounded = softplus(f, threshold: .infinity)   // exp(100) = ∞ in Float: x itself
        #expect(unbounded.data.scalars[0] == 100 && unbounded.sum().gradients(wrt: [f])[0].scalars[0] == 1)
        let logS = logSigmoid(f)
        #expect(logS.data.scalars[1] == -200 && logS.data.scalars[0] < 0 && logS.data.scalars[0] > -1e-30)
        let logSGradient = logS.sum().gradients(wrt: [f])[0].scalars
        #expect(logSGradient[1] == 1 && logSGradient[0] >= 0 && logSGradient[0] < 1e-30)
        let e = elu(f)
        #expect(e.data.scalars == [100, -1, 0] && e.sum().gradients(wrt: [f])[0].scalars == [1, 0, 1])
        let s = silu(f)
        #expect(s.data.scalars[0] == 100 && s.data.scalars[1] == 0 && s.sum().gradients(wrt: [f])[0].scalars[0...1] == [1, 0])
        // Double, threshold ∞: exp(1000) = ∞ but softplus(1000) = 1000, derivative 1.
        #expect(Self.derivative(1000) { softplus($0, threshold: .infinity) } == 1)
        #expect(softplus(Value(1000), threshold: .infinity).data == 1000)
    }

    @Test func formulasShowParametersOtherThanTheDefaults() {
        let x = Formula.variable("x")
        #expect("\(softplus(x))" == "softplus(x)" && "\(softplus(x, threshold: 5))" == "softplus(x, threshold: 5)")
        #expect("\(elu(x))" == "elu(x)" && "\(elu(x, alpha: 1.5))" == "elu(x, alpha: 1.5)")
        #expect("\(hardtanh(x))" == "hardtanh(x)" && "\(hardtanh(x, min: -2, max: 2))" == "hardtanh(x, min: -2, max: 2)")
        #expect("\(logSigmoid(x))" == "logSigmoid(x)" && "\(silu(x))" == "silu(x)")
        // The notation's reference prints the derivatives from the rules.
        let rules = Dictionary(uniqueKeysWithValues: Script.derivativeRules.map { ($0.operation, $0.derivatives) })
        #expect(rules["softplus(x)"] == ["d/dx = max(sigmoid(x), [x - 20 > 0])"])
        #expect(rules["logSigmoid(x)"] == ["d/dx = sigmoid(-x)"])
        #expect(rules["hardtanh(x)"] == ["d/dx = [1 - abs(x) > 0]"])
    }

    @Test func theNotationCallsThem() throws {
        let script = try Script(parsing: "y = softplus(x) + logSigmoid(x) + elu(-x) + hardtanh(2x) + silu(x)")
        let x = 0.3
        let value = Value(x, requiresGrad: true)
        let y = softplus(value) + logSigmoid(value) + elu(-value) + hardtanh(value * 2) + silu(value)
        for mode in ScriptMode.allCases {
            let result = try script.evaluate(at: ["x": x], order: 2, mode: mode)
            #expect(result.value == y.data)
            // The reverse modes bit for bit; forward mode sums the same terms in another order.
            let close = { (a: Double?, b: Double) in
                mode == .forward ? a.map { Swift.abs($0 - b) <= 1e-12 * Swift.abs(b) } == true : a == b
            }
            #expect(close(result.gradient.first?.value, y.gradient(wrt: value)))
            #expect(close(result.hessian?.first?.row.first?.value, y.differentiableGradient(wrt: value).gradient(wrt: value)))
        }
    }

    static let cases: [Case] = [
        Case(name: "hardtanh ±0.8 (one primitive)", shapes: [[8]], low: -2, high: 2) { hardtanh($0[0], min: -0.8, max: 0.8) * $0[0] },
        Case(name: "softplus threshold 0.5 (either side)", shapes: [[8]], low: -2, high: 2) { softplus($0[0], threshold: 0.5) * $0[0] },
        Case(name: "elu alpha 0.5 broadcast", shapes: [[2, 1], [3]], low: -2, high: 2) { elu($0[0] * $0[1], alpha: 0.5) },
        Case(name: "logSigmoid·silu", shapes: [[2, 3]], low: -3, high: 3) { logSigmoid($0[0]) * silu($0[0]) },
    ]

    @Test("First and second order against finite differences", arguments: cases)
    func gradientCheck(_ c: Case) {
        TensorGradientTests().gradientCheck(c)
    }

    @Test("Static and dynamic agree bit for bit, to second order", arguments: cases)
    func staticMatchesDynamic(_ c: Case) throws {
        try ElementwiseOperationTests().staticMatchesDynamic(c)
    }
}
