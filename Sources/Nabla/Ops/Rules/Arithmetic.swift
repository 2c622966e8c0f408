import NablaKernels

extension Rules {
    // The four operations and powers. Rules follow PyTorch's `derivatives.yaml` where it states them.

    /// x + y.  ∂/∂x = 1, ∂/∂y = 1.
    public enum Add: PrimitiveRule {
        public static let name = "add"
        public static let notation = Notation.infix("+", precedence: 1)
        @inlinable public static func evaluate<T: TensorScalar>(_ x: T, _ y: T, _ c: T) -> T { x + y }
        @inlinable public static func pullback<T: DifferentiableScalar>(_ x: T, _ y: T, _ output: T, _ c: Double, _ seed: T) -> (T?, T?) {
            (seed, seed)
        }
    }

    /// x − y.  ∂/∂x = 1, ∂/∂y = −1.
    public enum Subtract: PrimitiveRule {
        public static let name = "sub"
        public static let notation = Notation.infix("-", precedence: 1)
        @inlinable public static func evaluate<T: TensorScalar>(_ x: T, _ y: T, _ c: T) -> T { x - y }
        @inlinable public static func pullback<T: DifferentiableScalar>(_ x: T, _ y: T, _ output: T, _ c: Double, _ seed: T) -> (T?, T?) {
            (seed, -seed)
        }
    }

    /// x · y.  ∂/∂x = y, ∂/∂y = x.
    public enum Multiply: PrimitiveRule {
        public static let name = "mul"
        public static let notation = Notation.infix("·", precedence: 2)
        @inlinable public static func evaluate<T: TensorScalar>(_ x: T, _ y: T, _ c: T) -> T { x * y }
        @inlinable public static func pullback<T: DifferentiableScalar>(_ x: T, _ y: T, _ output: T, _ c: Double, _ seed: T) -> (T?, T?) {
            (seed * y, seed * x)
        }
    }

    /// x / y.  ∂/∂x = 1/y, ∂/∂y = −x/y². Division by zero gives ±∞ or NaN, as IEEE arithmetic does;
    /// compiled programs report it as an error.
    public enum Divide: PrimitiveRule {
        public static let name = "div"
        public static let notation = Notation.infix("/", precedence: 2)
        @inlinable public static func evaluate<T: TensorScalar>(_ x: T, _ y: T, _ c: T) -> T { x / y }
        @inlinable public static func pullback<T: DifferentiableScalar>(_ x: T, _ y: T, _ output: T, _ c: Double, _ seed: T) -> (T?, T?) {
            (seed / y, -seed * x / (y * y))
        }
    }

    /// x^y with a value exponent.  ∂/∂x = y·x^(y−1), ∂/∂y = x^y·log x.
    /// The exponent's derivative needs log x, so it is NaN for x < 0 and −∞·0 at x = 0; for a fixed
    /// exponent use ``PowerConstant``, whose rule has no such term.
    public enum Power: PrimitiveRule {
        public static let name = "pow"
        public static let notation = Notation.infix("^", precedence: 4)
        @inlinable public static func evaluate<T: TensorScalar>(_ x: T, _ y: T, _ c: T) -> T { T.pow(x, y) }
        @inlinable public static func pullback<T: DifferentiableScalar>(_ x: T, _ y: T, _ output: T, _ c: Double, _ seed: T) -> (T?, T?) {
            (seed * (y * pow(x, y - 1)), seed * (output * log(x)))
        }
    }

    /// −x.  ∂/∂x = −1.
    public enum Negate: PrimitiveRule {
        public static let name = "neg"
        public static let notation = Notation.special
        @inlinable public static func evaluate<T: TensorScalar>(_ x: T, _ y: T, _ c: T) -> T { -x }
        @inlinable public static func pullback<T: DifferentiableScalar>(_ x: T, _ y: T, _ output: T, _ c: Double, _ seed: T) -> (T?, T?) {
            (-seed, nil)
        }
    }
}
