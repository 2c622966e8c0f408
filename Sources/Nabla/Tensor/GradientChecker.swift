/// Checks tensor derivatives against central finite differences in Double, as
/// `torch.autograd.gradcheck` and `gradgradcheck` do.
///
/// First order: with a fixed random weighting w of the output, L(x) = Σ f(x)·w is a scalar;
/// its reverse-mode gradient is compared, element by element, with (L(x + h) − L(x − h)) / 2h.
/// Second order: with a random direction v, G(x) = Σ ∇L(x)·v; the gradient of G (reverse mode
/// over the differentiable gradient, a Hessian-vector product) is compared with central
/// differences of G computed from first-order gradients.
public enum GradientChecker {
    /// One derivative that disagrees with its finite-difference estimate beyond the tolerance.
    public struct Mismatch: Sendable, CustomStringConvertible {
        /// 1 for a gradient entry, 2 for an entry of a Hessian-vector product.
        public var order: Int
        /// Which input, as an index into `inputs`.
        public var input: Int
        /// Which element of that input, row-major.
        public var element: Int
        /// The derivative computed in reverse mode.
        public var computed: Double
        /// The central finite difference it was compared with.
        public var finiteDifference: Double
        /// `order …, input …, element …: computed …, finite differences …`.
        public var description: String {
            "order \(order), input \(input), element \(element): computed \(computed), finite differences \(finiteDifference)"
        }
    }

    /// The mismatches beyond `tolerance` (relative to max(1, |values|)); empty when all agree.
    /// Each element x of each input is moved by ±`step`·max(1, |x|); `order` 1 checks the gradient
    /// only, 2 also a Hessian-vector product. `seed` fixes the random weighting and directions.
    /// Cost: two evaluations of `f` per input element at first order, and two gradients at second.
    public static func check(_ f: ([Tensor<Double>]) -> Tensor<Double>, at inputs: [NDArray<Double>], order: Int = 2,
                             tolerance: Double = 1e-6, step: Double = 1e-6, seed: UInt64 = 1) -> [Mismatch] {
        let outputShape = f(inputs.map { Tensor($0) }).shape
        let weights = Tensor(NDArray<Double>.randomUniform(outputShape, low: 0.5, high: 1.5, seed: seed))
        func loss(_ xs: [NDArray<Double>]) -> Double { (f(xs.map { Tensor($0) }) * weights).sum().scalar }
        func gradients(_ xs: [NDArray<Double>]) -> [NDArray<Double>] {
            let leaves = xs.map { Tensor($0, requiresGrad: true) }
            return (f(leaves) * weights).sum().gradients(wrt: leaves)
        }
        var mismatches: [Mismatch] = []
        func compare(_ order: Int, _ input: Int, _ element: Int, _ computed: Double, _ numeric: Double) {
            if !(Swift.abs(computed - numeric) <= tolerance * Swift.max(1, Swift.abs(computed), Swift.abs(numeric))) {
                mismatches.append(Mismatch(order: order, input: input, element: element, computed: computed, finiteDifference: numeric))
            }
        }
        func centralDifference(_ function: ([NDArray<Double>]) -> Double, _ k: Int, _ e: Int, _ h: Double) -> Double {
            var up = inputs, down = inputs
            var u = up[k].scalars, d = down[k].scalars
            u[e] += h; d[e] -= h
            up[k] = NDArray(shape: inputs[k].shape, checkedScalars: u)
            down[k] = NDArray(shape: inputs[k].shape, checkedScalars: d)
            return (function(up) - function(down)) / (u[e] - d[e])
        }

        let analytic = gradients(inputs)
        for (k, x) in inputs.enumerated() {
            for e in 0..<x.count {
                compare(1, k, e, analytic[k].scalars[e], centralDifference(loss, k, e, step * Swift.max(1, Swift.abs(x.scalars[e]))))
            }
        }
        guard order >= 2 else { return mismatches }

        let directions = inputs.enumerated().map { Tensor(NDArray<Double>.randomUniform($1.shape, low: -1, high: 1, seed: seed &+ UInt64($0) &+ 100)) }
        func directional(_ xs: [NDArray<Double>]) -> Double {
            zip(gradients(xs), directions).reduce(0) { $0 + (Tensor($1.0) * $1.1).sum().scalar }
        }
        let leaves = inputs.map { Tensor($0, requiresGrad: true) }
        let first = (f(leaves) * weights).sum().differentiableGradients(wrt: leaves)
        let g = zip(first, directions).map { ($0 * $1).sum() }.reduce(Tensor(0.0)) { $0 + $1 }
        let hessianVector = g.requiresGrad ? g.gradients(wrt: leaves) : inputs.map { NDArray.zeros($0.shape) }
        for (k, x) in inputs.enumerated() {
            for e in 0..<x.count {
                compare(2, k, e, hessianVector[k].scalars[e], centralDifference(directional, k, e, step * Swift.max(1, Swift.abs(x.scalars[e]))))
            }
        }
        return mismatches
    }
}
