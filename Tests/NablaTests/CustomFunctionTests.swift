import Foundation
import Testing
@testable import Nabla

// The example functions are in Support/CustomFunctionExamples.swift.

/// Custom differentiable functions (PyTorch's `torch.autograd.Function`, JAX's `custom_vjp`).
@Suite("Custom differentiable functions")
struct CustomFunctionTests {
    @Test func logAddExpIsFiniteAtPlusAndMinus1000() {
        // torch.logaddexp(tensor([1000., -1000., 0.]), tensor([1000., -1000., 1.]))
        //   = [1000 + log 2, −1000 + log 2, log(1 + e)];
        // gradients: ∂/∂a = e^(a−y) = [1/2, 1/2, 1/(1+e)], ∂/∂b = [1/2, 1/2, e/(1+e)].
        let a = Tensor<Double>([1000, -1000, 0], requiresGrad: true)
        let b = Tensor<Double>([1000, -1000, 1], requiresGrad: true)
        let y = LogAddExp().apply(a, b)
        y.sum().backward()
        let e = M_E
        expectClose(y.scalars, [1000 + M_LN2, -1000 + M_LN2, Foundation.log(1 + e)])
        expectClose(a.grad!.scalars, [0.5, 0.5, 1 / (1 + e)])
        expectClose(b.grad!.scalars, [0.5, 0.5, e / (1 + e)])
        // The naive form overflows: log(e¹⁰⁰⁰ + e¹⁰⁰⁰) = +∞ and its gradient NaN.
        let naive = log(exp(Tensor<Double>([1000])) + exp(Tensor<Double>([1000])))
        #expect(naive.scalar == .infinity)
    }

    @Test func theHandRulePassesTheGradientCheckerToSecondOrder() {
        // Broadcast inputs too: b of shape [3] against a of shape [2, 3] (its gradient is summed).
        let inputs = [NDArray<Double>.randomUniform([2, 3], low: -3, high: 3, seed: 1),
                      NDArray<Double>.randomUniform([3], low: -3, high: 3, seed: 2)]
        let mismatches = GradientChecker.check({ LogAddExp().apply($0[0], $0[1]) }, at: inputs, order: 2)
        #expect(mismatches.isEmpty, "\(mismatches.prefix(3))")
    }

    @Test func secondDerivativesGoThroughTheRule() {
        // d/dx logaddexp(x, 0) = σ(x); d²/dx² = σ(x)(1 − σ(x)). At x = 0: 1/2 and 1/4; at x = 2
        // (σ = 1/(1+e⁻²)): σ and σ(1−σ).
        let x = Tensor<Double>([0, 2], requiresGrad: true)
        let y = LogAddExp().apply(x, Tensor([0, 0])).sum()
        let g = y.differentiableGradients(wrt: [x])[0]
        let h = g.sum().gradients(wrt: [x])[0]
        let s = 1 / (1 + Foundation.exp(-2.0))
        expectClose(g.scalars, [0.5, s])
        expectClose(h.scalars, [0.25, s * (1 - s)])
        // The Hessian API, forward-over-reverse: the forward sweep derives the JVP of the
        // recorded rule's own operations.
        let hess = hessian(at: NDArray([0.0, 2.0])) { LogAddExp().apply($0, Tensor([0, 0])).sum() }
        expectClose(hess.scalars, [0.25, 0, 0, s * (1 - s)])
    }

    @Test func straightThroughRoundsForwardAndPassesTheGradientBack() {
        // PyTorch: y = x + (x.round() - x).detach(); the gradient of Σ y·[1, 2, 3] is [1, 2, 3].
        let x = Tensor<Double>([0.3, 1.6, -2.7], requiresGrad: true)
        let y = StraightThroughRound().apply(x)
        (y * Tensor([1, 2, 3])).sum().backward()
        #expect(y.scalars == [0, 2, -3])
        #expect(x.grad?.scalars == [1, 2, 3])
        // Without the custom rule, round's gradient is zero.
        let plain = Tensor<Double>([0.3], requiresGrad: true)
        #expect(round(plain).sum().gradients(wrt: [plain])[0].scalars == [0])
    }

    @Test func aRuleCanClipTheGradientInsideBackward() {
        // Identity forward; L = Σ x·[3, −0.5, −7]: ∂L/∂(output) = [3, −0.5, −7], clipped to [−1, 1]:
        // x.grad = [1, −0.5, −1].
        let x = Tensor<Double>([1, 2, 3], requiresGrad: true)
        let y = ClipGradient(bound: 1).apply(x)
        #expect(y.scalars == [1, 2, 3])
        (y * Tensor([3, -0.5, -7])).sum().backward()
        #expect(x.grad?.scalars == [1, -0.5, -1])
    }

    @Test func forwardModeUsesTheJVPOrDerivesItFromTheVJP() {
        // ∂/∂a logaddexp(a, b) at a = 0, b = 1 along (ȧ, ḃ) = (1, 2): 1/(1+e) + 2e/(1+e).
        let e = M_E
        let expected = 1 / (1 + e) + 2 * e / (1 + e)
        let inputs = [NDArray<Double>([0]), NDArray([1])], directions = [NDArray<Double>([1]), NDArray([2])]
        let derived = jvp(at: inputs, along: directions) { LogAddExp().apply($0[0], $0[1]) }
        let given = jvp(at: inputs, along: directions) { LogAddExpWithJVP().apply($0[0], $0[1]) }
        expectClose(derived.derivative.scalars, [expected])
        expectClose(given.derivative.scalars, [expected])
        // Straight-through: the derived tangent is the identity's.
        let ste = jvp(at: [NDArray<Double>([0.4, 2.2])], along: [NDArray([1, -3])]) { StraightThroughRound().apply($0[0]) }
        #expect(ste.value.scalars == [0, 2] && ste.derivative.scalars == [1, -3])
        // Forward and reverse Jacobians agree (a diagonal [3]→[3] Jacobian of e^(x−y) = σ(x)).
        let x = NDArray<Double>([-1, 0, 1.5])
        let forward = jacobian(at: x, mode: .forward) { LogAddExp().apply($0, Tensor(NDArray.zeros([3]))) }
        let reverse = jacobian(at: x, mode: .reverse) { LogAddExp().apply($0, Tensor(NDArray.zeros([3]))) }
        expectClose(forward.scalars, reverse.scalars)
    }

    @Test func dualTensorsUseTheJVPOrDeriveIt() {
        // Same derivative as above: ∂logaddexp(a, b) along (1, 2) at (0, 1) = (1 + 2e)/(1 + e).
        let e = M_E
        let a = DualTensor(NDArray<Double>([0]), tangent: NDArray([1]))
        let b = DualTensor(NDArray<Double>([1]), tangent: NDArray([2]))
        let derived = LogAddExp().apply(a, b), given = LogAddExpWithJVP().apply(a, b)
        expectClose(derived.primal.scalars, [Foundation.log(1 + e)])
        expectClose(derived.tangent.scalars, [(1 + 2 * e) / (1 + e)])
        expectClose(given.tangent.scalars, [(1 + 2 * e) / (1 + e)])
        // Over recorded tensors (with the hand JVP): the tangent is differentiable again.
        // d/da of the tangent e^(a−y)·1 at b = 0 with ḃ = 0: σ(a)(1 − σ(a)) = 1/4 at a = 0.
        let x = Tensor<Double>([0], requiresGrad: true)
        let dual = LogAddExpWithJVP().apply(DualTensor(x, tangent: Tensor([1])), DualTensor(Tensor([0])))
        expectClose(dual.tangent.sum().gradients(wrt: [x])[0].scalars, [0.25])
    }

    @Test func theCheckerReportsTheInputAndElementOfAWrongRule() {
        // The rule for input 1 is twice the true gradient x₀·w: every element of input 1 is
        // reported, none of input 0.
        let inputs = [NDArray<Double>([1, 2, 3]), NDArray<Double>([0.5, -1, 2])]
        let mismatches = GradientChecker.check({ WrongProduct().apply($0[0], $0[1]) }, at: inputs, order: 1)
        #expect(mismatches.map(\.input) == [1, 1, 1])
        #expect(mismatches.map(\.element) == [0, 1, 2])
        for m in mismatches { #expect(Swift.abs(m.computed - 2 * m.finiteDifference) < 1e-6) }
        #expect(mismatches[1].description.hasPrefix("order 1, input 1, element 1: computed "))
    }

    @Test func constantsNumbersAndNoGradGiveTheForwardAlone() {
        let constant = StraightThroughRound().apply(Tensor<Double>([1.4]))
        #expect(!constant.requiresGrad && constant.scalars == [1])
        #expect(StraightThroughRound().apply(NDArray<Double>([2.6])).scalars == [3])
        let x = Tensor<Double>([1.4], requiresGrad: true)
        let y = withoutRecording { StraightThroughRound().apply(x) }
        #expect(!y.requiresGrad)
        // A constant second input gets no gradient; the first does.
        let a = Tensor<Double>([0], requiresGrad: true)
        LogAddExp().apply(a, Tensor([0])).sum().backward()
        #expect(a.grad?.scalars == [0.5])
    }

    private func expectClose(_ a: [Double], _ b: [Double], tolerance: Double = 1e-12,
                             sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(a.count == b.count, sourceLocation: sourceLocation)
        for (x, y) in zip(a, b) {
            #expect(Swift.abs(x - y) <= tolerance * Swift.max(1, Swift.abs(y)), "\(a) vs \(b)", sourceLocation: sourceLocation)
        }
    }
}
