import NablaKernels

extension Rules {
    // Primitives with a constant operand `c` stored in the node. `x + c` and `x · c` could be written
    // as `add` and `mul` with a constant node; they are primitives for speed, because scaling and
    // shifting are the commonest ops in models and a constant node would double the graph's size.
    // `x^c` is a primitive because its rule is defined for negative x, unlike the general `pow`.

    /// x + c.  ∂/∂x = 1.
    public enum AddConstant: PrimitiveRule {
        /// `"add_const"`, the name in exports and error messages.
        public static let name = "add_const"
        /// Written by ``Formula``'s own rule (``Notation/special``).
        public static let notation = Notation.special
        /// Computes x + c.
        @inlinable public static func evaluate<T: TensorScalar>(_ x: T, _ y: T, _ c: T) -> T { x + c }
        /// Returns (seed, nil).
        @inlinable public static func pullback<T: DifferentiableScalar>(_ x: T, _ y: T, _ output: T, _ c: Double, _ seed: T) -> (T?, T?) {
            (seed, nil)
        }
    }

    /// c · x.  ∂/∂x = c.
    public enum MultiplyConstant: PrimitiveRule {
        /// `"mul_const"`, the name in exports and error messages.
        public static let name = "mul_const"
        /// Written by ``Formula``'s own rule (``Notation/special``).
        public static let notation = Notation.special
        /// Computes x · c.
        @inlinable public static func evaluate<T: TensorScalar>(_ x: T, _ y: T, _ c: T) -> T { x * c }
        /// Returns (seed · c, nil).
        @inlinable public static func pullback<T: DifferentiableScalar>(_ x: T, _ y: T, _ output: T, _ c: Double, _ seed: T) -> (T?, T?) {
            (seed * c, nil)
        }
    }

    /// x^c for a constant exponent.  ∂/∂x = c·x^(c−1), and 0 when c = 0 (as PyTorch defines it, so
    /// that 0^0 = 1 has a zero derivative).
    public enum PowerConstant: PrimitiveRule {
        /// `"pow_const"`, the name in exports and error messages.
        public static let name = "pow_const"
        /// Written by ``Formula``'s own rule (``Notation/special``).
        public static let notation = Notation.special
        /// Computes x^c: x · x for c = 2, x for c = 1, else C's `pow`/`powf`.
        @inlinable public static func evaluate<T: TensorScalar>(_ x: T, _ y: T, _ c: T) -> T {
            // Exact shortcuts for the commonest exponents; pow() gives the same numbers, slower.
            c == 2 ? x * x : c == 1 ? x : T.pow(x, c)
        }
        /// Returns (seed · c·x^(c−1), nil); (nil, nil) for c = 0 and (seed, nil) for c = 1.
        @inlinable public static func pullback<T: DifferentiableScalar>(_ x: T, _ y: T, _ output: T, _ c: Double, _ seed: T) -> (T?, T?) {
            if c == 0 { return (nil, nil) }
            if c == 1 { return (seed, nil) }
            return (seed * (pow(x, c - 1) * c), nil)
        }
    }
}
