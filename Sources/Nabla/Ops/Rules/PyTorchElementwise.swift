import NablaKernels

extension Rules {
    // The primitives added with PyTorch's elementwise set. Each is a primitive only where no
    // composite of the others gives the same numbers: log1p and expm1 for accuracy near 0,
    // floor/ceil/round and atan2 because nothing else computes them.

    /// ln(1 + x) (PyTorch's `log1p`).  d/dx = 1/(1 + x).
    /// A primitive for accuracy: log(1 + 1e-10) rounds 1 + 1e-10 first and is wrong in the
    /// eighth digit (1.00000008e-10), log1p(1e-10) is 1e-10 − 5e-21 to the last digit.
    public enum Log1p: PrimitiveRule {
        /// `"log1p"`, the name in exports and error messages.
        public static let name = "log1p"
        /// Written `log1p(…)`.
        public static let notation = Notation.function("log1p")
        /// Computes ln(1 + x) by C's `log1p`/`log1pf`.
        @inlinable public static func evaluate<T: TensorScalar>(_ x: T, _ y: T, _ c: T) -> T { T.log1p(x) }
        /// Returns (seed / (x + 1), nil).
        @inlinable public static func pullback<T: DifferentiableScalar>(_ x: T, _ y: T, _ output: T, _ c: Double, _ seed: T) -> (T?, T?) {
            (seed / (x + 1), nil)
        }
    }

    /// eˣ − 1 (PyTorch's `expm1`).  d/dx = eˣ, written with the output as output + 1.
    /// A primitive for accuracy: exp(1e-10) − 1 keeps about 7 digits (1.00000008e-10),
    /// expm1(1e-10) all of them (1.00000000005e-10).
    public enum Expm1: PrimitiveRule {
        /// `"expm1"`, the name in exports and error messages.
        public static let name = "expm1"
        /// Written `expm1(…)`.
        public static let notation = Notation.function("expm1")
        /// Computes eˣ − 1 by C's `expm1`/`expm1f`.
        @inlinable public static func evaluate<T: TensorScalar>(_ x: T, _ y: T, _ c: T) -> T { T.expm1(x) }
        /// Returns (seed · (output + 1), nil): the derivative reuses the output.
        @inlinable public static func pullback<T: DifferentiableScalar>(_ x: T, _ y: T, _ output: T, _ c: Double, _ seed: T) -> (T?, T?) {
            (seed * (output + 1), nil)
        }
    }

    /// ⌊x⌋, the largest integer ≤ x (PyTorch's `floor`).  d/dx = 0, as in PyTorch.
    /// A primitive: no composite of the others rounds.
    public enum Floor: PrimitiveRule {
        /// `"floor"`, the name in exports and error messages.
        public static let name = "floor"
        /// Written `floor(…)`.
        public static let notation = Notation.function("floor")
        /// Computes ⌊x⌋; ±∞ and NaN pass through.
        @inlinable public static func evaluate<T: TensorScalar>(_ x: T, _ y: T, _ c: T) -> T { x.rounded(.down) }
        /// Returns (nil, nil): the derivative is zero.
        @inlinable public static func pullback<T: DifferentiableScalar>(_ x: T, _ y: T, _ output: T, _ c: Double, _ seed: T) -> (T?, T?) {
            (nil, nil)
        }
    }

    /// ⌈x⌉, the smallest integer ≥ x (PyTorch's `ceil`).  d/dx = 0, as in PyTorch.
    /// A primitive: no composite of the others rounds.
    public enum Ceil: PrimitiveRule {
        /// `"ceil"`, the name in exports and error messages.
        public static let name = "ceil"
        /// Written `ceil(…)`.
        public static let notation = Notation.function("ceil")
        /// Computes ⌈x⌉; ±∞ and NaN pass through.
        @inlinable public static func evaluate<T: TensorScalar>(_ x: T, _ y: T, _ c: T) -> T { x.rounded(.up) }
        /// Returns (nil, nil): the derivative is zero.
        @inlinable public static func pullback<T: DifferentiableScalar>(_ x: T, _ y: T, _ output: T, _ c: Double, _ seed: T) -> (T?, T?) {
            (nil, nil)
        }
    }

    /// x rounded to the nearest integer, halves to even (PyTorch's `round`: 0.5 → 0, 1.5 → 2,
    /// 2.5 → 2, −0.5 → −0).  d/dx = 0, as in PyTorch.
    /// A primitive: no composite of the others rounds.
    public enum Round: PrimitiveRule {
        /// `"round"`, the name in exports and error messages.
        public static let name = "round"
        /// Written `round(…)`.
        public static let notation = Notation.function("round")
        /// Computes x rounded half to even; ±∞ and NaN pass through.
        @inlinable public static func evaluate<T: TensorScalar>(_ x: T, _ y: T, _ c: T) -> T { x.rounded(.toNearestOrEven) }
        /// Returns (nil, nil): the derivative is zero.
        @inlinable public static func pullback<T: DifferentiableScalar>(_ x: T, _ y: T, _ output: T, _ c: Double, _ seed: T) -> (T?, T?) {
            (nil, nil)
        }
    }

    /// atan2(y, x), the angle of the point (x, y) in (−π, π] (PyTorch's `atan2(input=y, other=x)`);
    /// the first operand is y.  ∂/∂y = x/(x² + y²), ∂/∂x = −y/(x² + y²); at the origin both are
    /// 0/0 = NaN (PyTorch gives NaN too).
    /// A primitive: there is no arctangent to build it from.
    public enum Atan2: PrimitiveRule {
        /// `"atan2"`, the name in exports and error messages.
        public static let name = "atan2"
        /// Written `atan2(y, x)`.
        public static let notation = Notation.function("atan2")
        /// Computes atan2(y, x) by C's `atan2`/`atan2f`, with x the first operand read as y.
        @inlinable public static func evaluate<T: TensorScalar>(_ x: T, _ y: T, _ c: T) -> T { T.atan2(x, y) }
        /// With operands (y, x) = (x, y) here: returns (seed · x/r, −seed · y/r) for r = x² + y².
        @inlinable public static func pullback<T: DifferentiableScalar>(_ x: T, _ y: T, _ output: T, _ c: Double, _ seed: T) -> (T?, T?) {
            let r = x * x + y * y
            return (seed * (y / r), -(seed * (x / r)))
        }
    }
}
