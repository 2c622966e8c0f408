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
        /// `"relu"`, the name in exports and error messages.
        public static let name = "relu"
        /// Written `relu(…)`.
        public static let notation = Notation.function("relu")
        /// Computes 0 where x ≤ 0, else x (NaN passes through), branch-free.
        @inlinable public static func evaluate<T: TensorScalar>(_ x: T, _ y: T, _ c: T) -> T {
            T.select(x <= 0, 0, x)   // NaN ≤ 0 is false: NaN passes through
        }
        /// Returns (masked(x, seed), nil): the seed where x > 0, exactly 0 elsewhere.
        @inlinable public static func pullback<T: DifferentiableScalar>(_ x: T, _ y: T, _ output: T, _ c: Double, _ seed: T) -> (T?, T?) {
            (T.apply(.masked, x, seed, constant: 0), nil)
        }
    }

    /// |x|.  d/dx = sign x (0 at x = 0, as in PyTorch).
    public enum Abs: PrimitiveRule {
        /// `"abs"`, the name in exports and error messages.
        public static let name = "abs"
        /// Written `abs(…)`.
        public static let notation = Notation.function("abs")
        /// Computes |x|.
        @inlinable public static func evaluate<T: TensorScalar>(_ x: T, _ y: T, _ c: T) -> T { Swift.abs(x) }
        /// Returns (seed · sign x, nil).
        @inlinable public static func pullback<T: DifferentiableScalar>(_ x: T, _ y: T, _ output: T, _ c: Double, _ seed: T) -> (T?, T?) {
            (seed * sign(x), nil)
        }
    }

    /// sign x ∈ {−1, 0, 1} (NaN stays NaN).  d/dx = 0.
    public enum Sign: PrimitiveRule {
        /// `"sign"`, the name in exports and error messages.
        public static let name = "sign"
        /// Written `sign(…)`.
        public static let notation = Notation.function("sign")
        /// Computes 1, −1 or 0 by the sign of x; NaN stays NaN.
        @inlinable public static func evaluate<T: TensorScalar>(_ x: T, _ y: T, _ c: T) -> T {
            x > 0 ? 1 : (x < 0 ? -1 : (x == 0 ? 0 : x))
        }
        /// Returns (nil, nil): the derivative is zero.
        @inlinable public static func pullback<T: DifferentiableScalar>(_ x: T, _ y: T, _ output: T, _ c: Double, _ seed: T) -> (T?, T?) {
            (nil, nil)
        }
    }

    /// H(x): 1 for x > 0, 0 for x < 0, and the constant c at x = 0.  d/dx = 0.
    public enum Heaviside: PrimitiveRule {
        /// `"step"`, the name in exports and error messages.
        public static let name = "step"
        /// Written by ``Formula``'s own rule (``Notation/special``).
        public static let notation = Notation.special
        /// Computes 1 for x > 0, 0 for x < 0, `c` at 0; NaN stays NaN. Branch-free.
        @inlinable public static func evaluate<T: TensorScalar>(_ x: T, _ y: T, _ c: T) -> T {
            // Written as a sum of selects rather than nested branches, so a loop over a tensor
            // vectorises instead of mispredicting on random signs (relu's backward runs it).
            let step: T = (x > 0 ? 1 : 0) + (x == 0 ? c : 0)
            return x.isNaN ? x : step
        }
        /// Returns (nil, nil): the derivative is zero.
        @inlinable public static func pullback<T: DifferentiableScalar>(_ x: T, _ y: T, _ output: T, _ c: Double, _ seed: T) -> (T?, T?) {
            (nil, nil)
        }
    }

    /// min(x, y).  ∂/∂x = H(y − x), ∂/∂y = H(x − y), with each getting ½ at a tie (as in PyTorch's
    /// `torch.minimum`).
    public enum Minimum: PrimitiveRule {
        /// `"min"`, the name in exports and error messages.
        public static let name = "min"
        /// Written `min(…)`.
        public static let notation = Notation.function("min")
        /// Computes min(x, y); NaN if either is NaN.
        @inlinable public static func evaluate<T: TensorScalar>(_ x: T, _ y: T, _ c: T) -> T {
            x.isNaN || y.isNaN ? .nan : Swift.min(x, y)
        }
        /// Returns (seed · H(y − x), seed · H(x − y)) with H(0) = ½.
        @inlinable public static func pullback<T: DifferentiableScalar>(_ x: T, _ y: T, _ output: T, _ c: Double, _ seed: T) -> (T?, T?) {
            (seed * heaviside(y - x, atZero: 0.5), seed * heaviside(x - y, atZero: 0.5))
        }
    }

    /// max(x, y).  ∂/∂x = H(x − y), ∂/∂y = H(y − x), with each getting ½ at a tie (as in PyTorch's
    /// `torch.maximum`).
    public enum Maximum: PrimitiveRule {
        /// `"max"`, the name in exports and error messages.
        public static let name = "max"
        /// Written `max(…)`.
        public static let notation = Notation.function("max")
        /// Computes max(x, y); NaN if either is NaN.
        @inlinable public static func evaluate<T: TensorScalar>(_ x: T, _ y: T, _ c: T) -> T {
            x.isNaN || y.isNaN ? .nan : Swift.max(x, y)
        }
        /// Returns (seed · H(x − y), seed · H(y − x)) with H(0) = ½.
        @inlinable public static func pullback<T: DifferentiableScalar>(_ x: T, _ y: T, _ output: T, _ c: Double, _ seed: T) -> (T?, T?) {
            (seed * heaviside(x - y, atZero: 0.5), seed * heaviside(y - x, atZero: 0.5))
        }
    }

    /// masked(c, y) = y where c > 0, else 0 (exactly 0, even when y is ±∞ or NaN).
    /// ∂/∂c = 0, ∂/∂y = masked(c, seed). The building block of `select` (PyTorch's `where`): written
    /// with it, a non-finite value in the branch not taken does not reach the result, as it would
    /// through c·a + (1 − c)·b.
    public enum Masked: PrimitiveRule {
        /// `"masked"`, the name in exports and error messages.
        public static let name = "masked"
        /// Written `masked(…)`.
        public static let notation = Notation.function("masked")
        /// Computes y where x > 0, else 0 (x is the condition), branch-free.
        @inlinable public static func evaluate<T: TensorScalar>(_ x: T, _ y: T, _ c: T) -> T {
            T.select(x > 0, y, 0)
        }
        /// Returns (nil, masked(x, seed)): no gradient to the condition.
        @inlinable public static func pullback<T: DifferentiableScalar>(_ x: T, _ y: T, _ output: T, _ c: Double, _ seed: T) -> (T?, T?) {
            (nil, T.apply(.masked, x, seed, constant: 0))
        }
    }
}
