import NablaKernels

extension Rules {
    // Primitives with a constant operand `c` stored in the node. `x + c` and `x · c` could be written
    // as `add` and `mul` with a constant node; they are primitives for speed, because scaling and
    // shifting are the commonest ops in models and a constant node would double the graph's size.
    // `x^c` is a primitive because its rule is defined for negative x, unlike the general `pow`.

    /// x + c.  ∂/∂x = 1.
    public enum AddConstant: PrimitiveRule {
        public static let name = "add_const"
        public static let notation = Notation.special
        @inlinable public static func evaluate<T: TensorScalar>(_ x: T, _ y: T, _ c: T) -> T { x + c }
        @inlinable public static func pullback<T: DifferentiableScalar>(_ x: T, _ y: T, _ output: T, _ c: Double, _ seed: T) -> (T?, T?) {
            (seed, nil)
        }
    }

    /// c · x.  ∂/∂x = c.
    public enum MultiplyConstant: PrimitiveRule {
        public static let name = "mul_const"
        public static let notation = Notation.special
        @inlinable public static func evaluate<T: TensorScalar>(_ x: T, _ y: T, _ c: T) -> T { x * c }
        @inlinable public static func pullback<T: DifferentiableScalar>(_ x: T, _ y: T, _ output: T, _ c: Double, _ seed: T) -> (T?, T?) {
            (seed * c, nil)
        }
    }

    /// x^c for a constant exponent.  ∂/∂x = c·x^(c−1), and 0 when c = 0 (as PyTorch defines it, so
    /// that 0^0 = 1 has a zero derivative).
    public enum PowerConstant: PrimitiveRule {
        public static let name = "pow_const"
        public static let notation = Notation.special
        @inlinable public static func evaluate<T: TensorScalar>(_ x: T, _ y: T, _ c: T) -> T {
            // Exact shortcuts for the commonest exponents; pow() gives the same numbers, slower.
            c == 2 ? x * x : c == 1 ? x : T.pow(x, c)
        }
        @inlinable public static func pullback<T: DifferentiableScalar>(_ x: T, _ y: T, _ output: T, _ c: Double, _ seed: T) -> (T?, T?) {
            if c == 0 { return (nil, nil) }
            if c == 1 { return (seed, nil) }
            return (seed * (pow(x, c - 1) * c), nil)
        }
    }
}
