import NablaKernels

extension Rules {
    // Piecewise functions. Their derivatives are written with ``Heaviside`` and ``Sign``, whose own
    // derivatives are zero, so second derivatives come out right (zero) away from the kinks. At a
    // kink Nabla picks the value PyTorch picks.

    /// max(x, 0), and NaN for NaN (as PyTorch's relu).  d/dx = 1 for x > 0, else 0 (0 at x = 0,
    /// as in PyTorch and micrograd). The vector-Jacobian product is the seed where x > 0 and
    /// exactly 0 elsewhere (`masked`): one pass over a tensor, and like PyTorch's
    /// threshold_backward it gives 0, not NaN, where x ≤ 0 or x is NaN.
    public enum ReLU: PrimitiveRule {
        public static let name = "relu"
        public static let notation = Notation.function("relu")
        @inlinable public static func evaluate<T: TensorScalar>(_ x: T, _ y: T, _ c: T) -> T {
            T.select(x <= 0, 0, x)   // NaN ≤ 0 is false: NaN passes through
        }
        @inlinable public static func pullback<T: DifferentiableScalar>(_ x: T, _ y: T, _ output: T, _ c: Double, _ seed: T) -> (T?, T?) {
            (T.apply(.masked, x, seed, constant: 0), nil)
        }
    }

    /// |x|.  d/dx = sign x (0 at x = 0, as in PyTorch).
    public enum Abs: PrimitiveRule {
        public static let name = "abs"
        public static let notation = Notation.function("abs")
        @inlinable public static func evaluate<T: TensorScalar>(_ x: T, _ y: T, _ c: T) -> T { Swift.abs(x) }
        @inlinable public static func pullback<T: DifferentiableScalar>(_ x: T, _ y: T, _ output: T, _ c: Double, _ seed: T) -> (T?, T?) {
            (seed * sign(x), nil)
        }
    }

    /// sign x ∈ {−1, 0, 1} (NaN stays NaN).  d/dx = 0.
    public enum Sign: PrimitiveRule {
        public static let name = "sign"
        public static let notation = Notation.function("sign")
        @inlinable public static func evaluate<T: TensorScalar>(_ x: T, _ y: T, _ c: T) -> T {
            x > 0 ? 1 : (x < 0 ? -1 : (x == 0 ? 0 : x))
        }
        @inlinable public static func pullback<T: DifferentiableScalar>(_ x: T, _ y: T, _ output: T, _ c: Double, _ seed: T) -> (T?, T?) {
            (nil, nil)
        }
    }

    /// H(x): 1 for x > 0, 0 for x < 0, and the constant c at x = 0.  d/dx = 0.
    public enum Heaviside: PrimitiveRule {
        public static let name = "step"
        public static let notation = Notation.special
        @inlinable public static func evaluate<T: TensorScalar>(_ x: T, _ y: T, _ c: T) -> T {
            // Written as a sum of selects rather than nested branches, so a loop over a tensor
            // vectorises instead of mispredicting on random signs (relu's backward runs it).
            let step: T = (x > 0 ? 1 : 0) + (x == 0 ? c : 0)
            return x.isNaN ? x : step
        }
        @inlinable public static func pullback<T: DifferentiableScalar>(_ x: T, _ y: T, _ output: T, _ c: Double, _ seed: T) -> (T?, T?) {
            (nil, nil)
        }
    }

    /// min(x, y).  ∂/∂x = H(y − x), ∂/∂y = H(x − y), with each getting ½ at a tie (as in PyTorch's
    /// `torch.minimum`).
    public enum Minimum: PrimitiveRule {
        public static let name = "min"
        public static let notation = Notation.function("min")
        @inlinable public static func evaluate<T: TensorScalar>(_ x: T, _ y: T, _ c: T) -> T {
            x.isNaN || y.isNaN ? .nan : Swift.min(x, y)
        }
        @inlinable public static func pullback<T: DifferentiableScalar>(_ x: T, _ y: T, _ output: T, _ c: Double, _ seed: T) -> (T?, T?) {
            (seed * heaviside(y - x, atZero: 0.5), seed * heaviside(x - y, atZero: 0.5))
        }
    }

    /// max(x, y).  ∂/∂x = H(x − y), ∂/∂y = H(y − x), with each getting ½ at a tie (as in PyTorch's
    /// `torch.maximum`).
    public enum Maximum: PrimitiveRule {
        public static let name = "max"
        public static let notation = Notation.function("max")
        @inlinable public static func evaluate<T: TensorScalar>(_ x: T, _ y: T, _ c: T) -> T {
            x.isNaN || y.isNaN ? .nan : Swift.max(x, y)
        }
        @inlinable public static func pullback<T: DifferentiableScalar>(_ x: T, _ y: T, _ output: T, _ c: Double, _ seed: T) -> (T?, T?) {
            (seed * heaviside(x - y, atZero: 0.5), seed * heaviside(y - x, atZero: 0.5))
        }
    }

    /// masked(c, y) = y where c > 0, else 0 (exactly 0, even when y is ±∞ or NaN).
    /// ∂/∂c = 0, ∂/∂y = masked(c, seed). The building block of `select` (PyTorch's `where`): written
    /// with it, a non-finite value in the branch not taken does not reach the result, as it would
    /// through c·a + (1 − c)·b.
    public enum Masked: PrimitiveRule {
        public static let name = "masked"
        public static let notation = Notation.function("masked")
        @inlinable public static func evaluate<T: TensorScalar>(_ x: T, _ y: T, _ c: T) -> T {
            T.select(x > 0, y, 0)
        }
        @inlinable public static func pullback<T: DifferentiableScalar>(_ x: T, _ y: T, _ output: T, _ c: Double, _ seed: T) -> (T?, T?) {
            (nil, T.apply(.masked, x, seed, constant: 0))
        }
    }
}
