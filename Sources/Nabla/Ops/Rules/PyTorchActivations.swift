import NablaKernels

extension Rules {
    // PyTorch's activation functions softplus, logsigmoid, elu, hardtanh and silu. Each could be
    // written with the other primitives (they were, at first), but as composites they recorded
    // 4 to 11 nodes per call, forward and backward, and cost 3.5–4.7 µs per call on small
    // tensors against tanh's 0.6 µs; as primitives they record one node, and their derivative
    // rules a handful. The node's constant carries the one parameter PyTorch gives each
    // (softplus's threshold, elu's α, hardtanh's bound); see `softplus(_:beta:threshold:)` and
    // `hardtanh(_:min:max:)` for the parameters a constant cannot carry.
    //
    // Behaviour at the kinks, as PyTorch's backward kernels compute it:
    //   softplus_backward  σ(x) for x ≤ threshold, 1 above it (at x = threshold: σ(threshold));
    //   elu_backward       1 for x > 0, α·eˣ for x ≤ 0 (at x = 0: α);
    //   hardtanh_backward  1 for min < x < max, 0 for x ≤ min and x ≥ max (at either bound: 0);
    //   logsigmoid and silu are smooth (at 0: ½ and ½).

    /// softplus x = ln(1 + eˣ) for x ≤ c, and x itself above the threshold c (PyTorch's
    /// `softplus(x, beta=1, threshold=c)`, c = 20 by default).
    /// d/dx = σ(x) for x ≤ c and 1 above, as PyTorch's softplus_backward; the rule writes it
    /// max(σ(x), H(x − c)), H the step (0 below the threshold, 1 above it, where σ < 1).
    ///
    /// Evaluated by PyTorch's formula log1p(exp(x)), which never meets an x above the threshold;
    /// where exp(x) would overflow (a threshold above 709 in Double, 88 in Float), x itself, the
    /// value softplus rounds to there. Large negative x gives 0 (e^x underflows), not NaN.
    public enum Softplus: PrimitiveRule {
        /// `"softplus"`, the name in exports and error messages.
        public static let name = "softplus"
        /// Written `softplus(…)` (and `softplus(x, threshold: c)` for another threshold).
        public static let notation = Notation.function("softplus")
        /// PyTorch's default threshold, 20.
        public static let defaultThreshold = 20.0
        /// Computes x for x > c, else log1p(eˣ) (x where eˣ overflows); NaN stays NaN.
        @inlinable public static func evaluate<T: TensorScalar>(_ x: T, _ y: T, _ c: T) -> T {
            if x > c { return x }
            let e = T.exp(x)
            return e == .infinity ? x : T.log1p(e)
        }
        /// Returns (seed · max(σ(x), H(x − c)), nil).
        @inlinable public static func pullback<T: DifferentiableScalar>(_ x: T, _ y: T, _ output: T, _ c: Double, _ seed: T) -> (T?, T?) {
            (seed * T.apply(.maximum, sigmoid(x), heaviside(x - c, atZero: 0), constant: 0), nil)
        }
    }

    /// log σ(x) (PyTorch's `logsigmoid`), computed as PyTorch does, min(x, 0) − log1p(e^(−|x|)),
    /// accurate at both ends: logSigmoid(−800) = −800, logSigmoid(40) = −4.25e−18.
    /// d/dx = 1 − σ(x) = σ(−x), written as σ(−x), which keeps its digits for large x (½ at 0).
    public enum LogSigmoid: PrimitiveRule {
        /// `"logsigmoid"`, PyTorch's name, in exports and error messages.
        public static let name = "logsigmoid"
        /// Written `logSigmoid(…)`, as the function is called.
        public static let notation = Notation.function("logSigmoid")
        /// Computes min(x, 0) − log1p(e^(−|x|)); NaN stays NaN.
        @inlinable public static func evaluate<T: TensorScalar>(_ x: T, _ y: T, _ c: T) -> T {
            T.select(x < 0, x, 0) - T.log1p(T.exp(-Swift.abs(x)))
        }
        /// Returns (seed · σ(−x), nil).
        @inlinable public static func pullback<T: DifferentiableScalar>(_ x: T, _ y: T, _ output: T, _ c: Double, _ seed: T) -> (T?, T?) {
            (seed * sigmoid(-x), nil)
        }
    }

    /// ELU: x for x > 0, α(eˣ − 1) for x ≤ 0, with α the constant c (PyTorch's `elu(x, alpha=c)`,
    /// α = 1 by default), expm1 keeping the digits near 0.
    /// d/dx = 1 for x > 0, α·eˣ for x ≤ 0 (α at 0, as PyTorch's elu_backward); the rule writes
    /// α·eˣ as output + α, so no second exp is computed and eˣ never overflows.
    public enum ELU: PrimitiveRule {
        /// `"elu"`, the name in exports and error messages.
        public static let name = "elu"
        /// Written `elu(…)` (and `elu(x, alpha: c)` for another α).
        public static let notation = Notation.function("elu")
        /// PyTorch's default α, 1.
        public static let defaultAlpha = 1.0
        /// Computes x for x > 0, else expm1(x) · c; NaN stays NaN.
        @inlinable public static func evaluate<T: TensorScalar>(_ x: T, _ y: T, _ c: T) -> T {
            x > 0 ? x : T.expm1(x) * c
        }
        /// Returns (seed · (H(x) + masked(1 − H(x), output + c)), nil), H(x) = 1 for x > 0, else 0.
        @inlinable public static func pullback<T: DifferentiableScalar>(_ x: T, _ y: T, _ output: T, _ c: Double, _ seed: T) -> (T?, T?) {
            let positive = heaviside(x, atZero: 0)
            return (seed * (positive + T.apply(.masked, 1 - positive, output + c, constant: 0)), nil)
        }
    }

    /// HardTanh with bounds ±c: x limited to [−c, c], each entry exactly x or a bound (PyTorch's
    /// `hardtanh(x, min_val=-c, max_val=c)`, c = 1 by default; `hardtanh(_:min:max:)` with other
    /// bounds is a composite). NaN stays NaN.
    /// d/dx = 1 strictly inside (−c, c), 0 at and beyond the bounds, as PyTorch's
    /// hardtanh_backward (unlike `clamp`, whose gradient includes the bounds): the seed where
    /// c − |x| > 0, exactly 0 elsewhere (`masked`), so 0 for NaN too.
    public enum Hardtanh: PrimitiveRule {
        /// `"hardtanh"`, the name in exports and error messages.
        public static let name = "hardtanh"
        /// Written `hardtanh(…)` (and `hardtanh(x, min: −c, max: c)` for other bounds).
        public static let notation = Notation.function("hardtanh")
        /// PyTorch's default bound, 1 (the range [−1, 1]).
        public static let defaultBound = 1.0
        /// Computes −c for x < −c, c for x > c, else x, branch-free.
        @inlinable public static func evaluate<T: TensorScalar>(_ x: T, _ y: T, _ c: T) -> T {
            T.select(x < -c, -c, T.select(x > c, c, x))
        }
        /// Returns (masked(c − |x|, seed), nil).
        @inlinable public static func pullback<T: DifferentiableScalar>(_ x: T, _ y: T, _ output: T, _ c: Double, _ seed: T) -> (T?, T?) {
            (T.apply(.masked, c - abs(x), seed, constant: 0), nil)
        }
    }

    /// SiLU (swish), x · σ(x) (PyTorch's `silu`), with σ evaluated as ``Sigmoid`` does, without
    /// overflow.  d/dx = σ(x)(1 + x(1 − σ(x))), written with the output as σ(x)·(x − output + 1)
    /// (½ at 0).
    public enum SiLU: PrimitiveRule {
        /// `"silu"`, the name in exports and error messages.
        public static let name = "silu"
        /// Written `silu(…)`.
        public static let notation = Notation.function("silu")
        /// Computes x · σ(x).
        @inlinable public static func evaluate<T: TensorScalar>(_ x: T, _ y: T, _ c: T) -> T {
            x * Sigmoid.evaluate(x, y, c)
        }
        /// Returns (seed · σ(x) · (x − output + 1), nil).
        @inlinable public static func pullback<T: DifferentiableScalar>(_ x: T, _ y: T, _ output: T, _ c: Double, _ seed: T) -> (T?, T?) {
            (seed * (sigmoid(x) * (x - output + 1)), nil)
        }
    }
}
