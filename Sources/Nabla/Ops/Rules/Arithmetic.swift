import NablaKernels

extension Rules {
    // The four operations and powers. Rules follow PyTorch's `derivatives.yaml` where it states them.

    /// x + y.  ∂/∂x = 1, ∂/∂y = 1.
    public enum Add: PrimitiveRule {
        /// `"add"`, the name in exports and error messages.
        public static let name = "add"
        /// Written infix, `x + y` (precedence 1).
        public static let notation = Notation.infix("+", precedence: 1)
        /// Computes x + y; `c` is unused.
        @inlinable public static func evaluate<T: TensorScalar>(_ x: T, _ y: T, _ c: T) -> T { x + y }
        /// Returns (seed, seed): ∂/∂x = ∂/∂y = 1.
        @inlinable public static func pullback<T: DifferentiableScalar>(_ x: T, _ y: T, _ output: T, _ c: Double, _ seed: T) -> (T?, T?) {
            (seed, seed)
        }
    }

    /// x − y.  ∂/∂x = 1, ∂/∂y = −1.
    public enum Subtract: PrimitiveRule {
        /// `"sub"`, the name in exports and error messages.
        public static let name = "sub"
        /// Written infix, `x - y` (precedence 1).
        public static let notation = Notation.infix("-", precedence: 1)
        /// Computes x − y; `c` is unused.
        @inlinable public static func evaluate<T: TensorScalar>(_ x: T, _ y: T, _ c: T) -> T { x - y }
        /// Returns (seed, −seed): ∂/∂x = 1, ∂/∂y = −1.
        @inlinable public static func pullback<T: DifferentiableScalar>(_ x: T, _ y: T, _ output: T, _ c: Double, _ seed: T) -> (T?, T?) {
            (seed, -seed)
        }
    }

    /// x · y.  ∂/∂x = y, ∂/∂y = x.
    public enum Multiply: PrimitiveRule {
        /// `"mul"`, the name in exports and error messages.
        public static let name = "mul"
        /// Written infix, `x · y` (precedence 2).
        public static let notation = Notation.infix("·", precedence: 2)
        /// Computes x · y; `c` is unused.
        @inlinable public static func evaluate<T: TensorScalar>(_ x: T, _ y: T, _ c: T) -> T { x * y }
        /// Returns (seed · y, seed · x).
        @inlinable public static func pullback<T: DifferentiableScalar>(_ x: T, _ y: T, _ output: T, _ c: Double, _ seed: T) -> (T?, T?) {
            (seed * y, seed * x)
        }
    }

    /// x / y.  ∂/∂x = 1/y, ∂/∂y = −x/y². Division by zero gives ±∞ or NaN, as IEEE arithmetic does;
    /// compiled programs report it as an error.
    public enum Divide: PrimitiveRule {
        /// `"div"`, the name in exports and error messages.
        public static let name = "div"
        /// Written infix, `x / y` (precedence 2).
        public static let notation = Notation.infix("/", precedence: 2)
        /// Computes x / y (IEEE: ±∞ or NaN when y = 0); `c` is unused.
        @inlinable public static func evaluate<T: TensorScalar>(_ x: T, _ y: T, _ c: T) -> T { x / y }
        /// Returns (seed / y, −seed · x / y²).
        @inlinable public static func pullback<T: DifferentiableScalar>(_ x: T, _ y: T, _ output: T, _ c: Double, _ seed: T) -> (T?, T?) {
            (seed / y, -seed * x / (y * y))
        }
    }

    /// x^y with a value exponent.  ∂/∂x = y·x^(y−1), ∂/∂y = x^y·log x.
    /// The exponent's derivative needs log x, so it is NaN for x < 0 and −∞·0 at x = 0; for a fixed
    /// exponent use ``PowerConstant``, whose rule has no such term.
    public enum Power: PrimitiveRule {
        /// `"pow"`, the name in exports and error messages.
        public static let name = "pow"
        /// Written infix, `x ^ y` (precedence 4).
        public static let notation = Notation.infix("^", precedence: 4)
        /// Computes xʸ by C's `pow`/`powf`; `c` is unused.
        @inlinable public static func evaluate<T: TensorScalar>(_ x: T, _ y: T, _ c: T) -> T { T.pow(x, y) }
        /// Returns (seed · y·x^(y−1), seed · output · ln x).
        @inlinable public static func pullback<T: DifferentiableScalar>(_ x: T, _ y: T, _ output: T, _ c: Double, _ seed: T) -> (T?, T?) {
            (seed * (y * pow(x, y - 1)), seed * (output * log(x)))
        }
    }

    /// −x.  ∂/∂x = −1.
    public enum Negate: PrimitiveRule {
        /// `"neg"`, the name in exports and error messages.
        public static let name = "neg"
        /// Written by ``Formula``'s own rule (``Notation/special``).
        public static let notation = Notation.special
        /// Computes −x.
        @inlinable public static func evaluate<T: TensorScalar>(_ x: T, _ y: T, _ c: T) -> T { -x }
        /// Returns (−seed, nil).
        @inlinable public static func pullback<T: DifferentiableScalar>(_ x: T, _ y: T, _ output: T, _ c: Double, _ seed: T) -> (T?, T?) {
            (-seed, nil)
        }
    }
}
