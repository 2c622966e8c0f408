import Foundation
@testable import Nabla

// The example custom functions, declared once for the tests of both graph modes
// (CustomFunctionTests, CustomFunctionStaticTests).

/// log(eᵃ + eᵇ) computed as m + log(e^(a−m) + e^(b−m)), m = max(a, b), with the hand rule
/// ∂/∂a = e^(a−y), ∂/∂b = e^(b−y) (y the output): both factors are at most 1, so value and
/// gradient stay finite for any finite inputs. PyTorch: `torch.logaddexp`.
struct LogAddExp: DifferentiableFunction {
    func forward<T: DifferentiableTensor>(_ x: [T]) -> T {
        let m = max(x[0], x[1])
        return m + log(exp(x[0] - m) + exp(x[1] - m))
    }
    func vjp<T: DifferentiableTensor>(_ x: [T], output: T, seed: T) -> [T?] {
        [seed * exp(x[0] - output), seed * exp(x[1] - output)]
    }
}

/// The same function with a hand-written JVP: ẏ = e^(a−y)·ȧ + e^(b−y)·ḃ.
struct LogAddExpWithJVP: DifferentiableFunction {
    func forward<T: DifferentiableTensor>(_ x: [T]) -> T { LogAddExp().forward(x) }
    func vjp<T: DifferentiableTensor>(_ x: [T], output: T, seed: T) -> [T?] { LogAddExp().vjp(x, output: output, seed: seed) }
    func jvp<T: DifferentiableTensor>(_ x: [T], output: T, tangents: [T?]) -> T? {
        let terms = zip(x, tangents).compactMap { input, tangent in tangent.map { exp(input - output) * $0 } }
        return terms.dropFirst().reduce(terms[0], +)
    }
}

/// Straight-through estimator: round forward, identity backward.
struct StraightThroughRound: DifferentiableFunction {
    func forward<T: DifferentiableTensor>(_ x: [T]) -> T { round(x[0]) }
    func vjp<T: DifferentiableTensor>(_ x: [T], output: T, seed: T) -> [T?] { [seed] }
}

/// Identity forward; backward clips the incoming gradient to [−bound, bound].
struct ClipGradient: DifferentiableFunction {
    var bound: Double
    func forward<T: DifferentiableTensor>(_ x: [T]) -> T { x[0] }
    func vjp<T: DifferentiableTensor>(_ x: [T], output: T, seed: T) -> [T?] { [seed.clamped(to: -bound...bound)] }
}

/// x·y with a deliberately wrong rule for y (twice the right gradient).
struct WrongProduct: DifferentiableFunction {
    func forward<T: DifferentiableTensor>(_ x: [T]) -> T { x[0] * x[1] }
    func vjp<T: DifferentiableTensor>(_ x: [T], output: T, seed: T) -> [T?] { [seed * x[1], seed * x[0] * 2] }
}
