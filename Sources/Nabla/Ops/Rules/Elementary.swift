import NablaKernels

extension Rules {
    // Elementary functions. Where the derivative is a function of the output, the rule uses the
    // output, so that no extra exp or tanh is computed.

    /// e^x.  d/dx = e^x (the output).
    public enum Exp: PrimitiveRule {
        /// `"exp"`, the name in exports and error messages.
        public static let name = "exp"
        /// Written `exp(…)`.
        public static let notation = Notation.function("exp")
        /// Computes eˣ.
        @inlinable public static func evaluate<T: TensorScalar>(_ x: T, _ y: T, _ c: T) -> T { T.exp(x) }
        /// Returns (seed · output, nil): the derivative reuses the output.
        @inlinable public static func pullback<T: DifferentiableScalar>(_ x: T, _ y: T, _ output: T, _ c: Double, _ seed: T) -> (T?, T?) {
            (seed * output, nil)
        }
    }

    /// ln x.  d/dx = 1/x. ln 0 = −∞ and ln of a negative number is NaN.
    public enum Log: PrimitiveRule {
        /// `"log"`, the name in exports and error messages.
        public static let name = "log"
        /// Written `log(…)`.
        public static let notation = Notation.function("log")
        /// Computes ln x.
        @inlinable public static func evaluate<T: TensorScalar>(_ x: T, _ y: T, _ c: T) -> T { T.log(x) }
        /// Returns (seed / x, nil).
        @inlinable public static func pullback<T: DifferentiableScalar>(_ x: T, _ y: T, _ output: T, _ c: Double, _ seed: T) -> (T?, T?) {
            (seed / x, nil)
        }
    }

    /// √x.  d/dx = 1/(2√x), infinite at 0.
    public enum Sqrt: PrimitiveRule {
        /// `"sqrt"`, the name in exports and error messages.
        public static let name = "sqrt"
        /// Written `sqrt(…)`.
        public static let notation = Notation.function("sqrt")
        /// Computes √x (`squareRoot()`, correctly rounded).
        @inlinable public static func evaluate<T: TensorScalar>(_ x: T, _ y: T, _ c: T) -> T { x.squareRoot() }
        /// Returns (seed / (2 · output), nil): the derivative reuses the output.
        @inlinable public static func pullback<T: DifferentiableScalar>(_ x: T, _ y: T, _ output: T, _ c: Double, _ seed: T) -> (T?, T?) {
            (seed / (output * 2), nil)
        }
    }

    /// sin x.  d/dx = cos x.
    public enum Sin: PrimitiveRule {
        /// `"sin"`, the name in exports and error messages.
        public static let name = "sin"
        /// Written `sin(…)`.
        public static let notation = Notation.function("sin")
        /// Computes sin x.
        @inlinable public static func evaluate<T: TensorScalar>(_ x: T, _ y: T, _ c: T) -> T { T.sin(x) }
        /// Returns (seed · cos x, nil).
        @inlinable public static func pullback<T: DifferentiableScalar>(_ x: T, _ y: T, _ output: T, _ c: Double, _ seed: T) -> (T?, T?) {
            (seed * cos(x), nil)
        }
    }

    /// cos x.  d/dx = −sin x.
    public enum Cos: PrimitiveRule {
        /// `"cos"`, the name in exports and error messages.
        public static let name = "cos"
        /// Written `cos(…)`.
        public static let notation = Notation.function("cos")
        /// Computes cos x.
        @inlinable public static func evaluate<T: TensorScalar>(_ x: T, _ y: T, _ c: T) -> T { T.cos(x) }
        /// Returns (seed · −sin x, nil).
        @inlinable public static func pullback<T: DifferentiableScalar>(_ x: T, _ y: T, _ output: T, _ c: Double, _ seed: T) -> (T?, T?) {
            (seed * -sin(x), nil)
        }
    }

    /// tanh x.  d/dx = 1 − tanh²x, written with the output t as 1 − t².
    public enum Tanh: PrimitiveRule {
        /// `"tanh"`, the name in exports and error messages.
        public static let name = "tanh"
        /// Written `tanh(…)`.
        public static let notation = Notation.function("tanh")
        /// Computes tanh x.
        @inlinable public static func evaluate<T: TensorScalar>(_ x: T, _ y: T, _ c: T) -> T { T.tanh(x) }
        /// Returns (seed · (1 − output²), nil).
        @inlinable public static func pullback<T: DifferentiableScalar>(_ x: T, _ y: T, _ output: T, _ c: Double, _ seed: T) -> (T?, T?) {
            (seed * (1 - output * output), nil)
        }
    }

    /// erf x = (2/√π) ∫₀ˣ e^(−t²) dt, the error function (GELU's exact form uses it).
    /// d/dx erf x = (2/√π) e^(−x²).
    public enum Erf: PrimitiveRule {
        /// `"erf"`, the name in exports and error messages.
        public static let name = "erf"
        /// Written `erf(…)`.
        public static let notation = Notation.function("erf")
        /// Computes erf x by C's `erf`/`erff`.
        @inlinable public static func evaluate<T: TensorScalar>(_ x: T, _ y: T, _ c: T) -> T { T.erf(x) }
        /// Returns (seed · (2/√π) e^(−x²), nil).
        @inlinable public static func pullback<T: DifferentiableScalar>(_ x: T, _ y: T, _ output: T, _ c: Double, _ seed: T) -> (T?, T?) {
            (seed * (exp(-(x * x)) * (2 / Double.pi.squareRoot())), nil)
        }
    }

    /// σ(x) = 1 / (1 + e^(−x)).  dσ/dx = σ(1 − σ), written with the output.
    /// A primitive (not built from exp and div) for accuracy: it is evaluated as e^x / (1 + e^x) for
    /// x < 0, so that neither branch overflows, and its derivative needs no second exp.
    public enum Sigmoid: PrimitiveRule {
        /// `"sigmoid"`, the name in exports and error messages.
        public static let name = "sigmoid"
        /// Written `sigmoid(…)`.
        public static let notation = Notation.function("sigmoid")
        /// Computes 1 / (1 + e^(−x)) for x ≥ 0, eˣ / (1 + eˣ) for x < 0.
        @inlinable public static func evaluate<T: TensorScalar>(_ x: T, _ y: T, _ c: T) -> T {
            if x >= 0 { return 1 / (1 + T.exp(-x)) }
            let e = T.exp(x)
            return e / (1 + e)
        }
        /// Returns (seed · (1 − output) · output, nil).
        @inlinable public static func pullback<T: DifferentiableScalar>(_ x: T, _ y: T, _ output: T, _ c: Double, _ seed: T) -> (T?, T?) {
            (seed * ((1 - output) * output), nil)
        }
    }
}
