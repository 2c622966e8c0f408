import NablaKernels

// PyTorch's elementwise functions, written once over ``DifferentiableScalar``, so that the
// scalars (``Value``, ``TapeValue``, ``Symbol``) and the tensors (`NDArray`, ``Tensor``,
// ``TensorSymbol``) all have them, in both modes, with derivatives of every order. Each is a
// composite of the primitives unless a primitive is needed for accuracy or nothing else computes
// it (`log1p`, `expm1`, `floor`, `ceil`, `round`, `atan2`; see their rules in `Ops/Rules/`), or
// a primitive is much faster (the activations softplus, logSigmoid, elu, hardtanh and silu).
// For `Double` arguments the C library's `log1p`, `expm1`, `floor`, `ceil`, `round` and `atan2`
// are chosen first, as they are more specific (note C's `round` rounds halves away from zero).

// MARK: Primitives

/// ln(1 + x), accurate near 0: log1p(1e-10) = 1e-10 − 5e-21 to the last digit, where
/// log(1 + 1e-10) gives 1.00000008e-10 (PyTorch's `log1p`).  d/dx = 1/(1 + x).
@inlinable @inline(__always) public func log1p<T: DifferentiableScalar>(_ x: T) -> T { T.apply(.log1p, x) }
/// eˣ − 1, accurate near 0: expm1(1e-10) = 1.00000000005e-10, where exp(1e-10) − 1 gives
/// 1.00000008e-10 (PyTorch's `expm1`).  d/dx = eˣ.
@inlinable @inline(__always) public func expm1<T: DifferentiableScalar>(_ x: T) -> T { T.apply(.expm1, x) }
/// ⌊x⌋ (PyTorch's `floor`).  d/dx = 0, as in PyTorch.
@inlinable @inline(__always) public func floor<T: DifferentiableScalar>(_ x: T) -> T { T.apply(.floor, x) }
/// ⌈x⌉ (PyTorch's `ceil`).  d/dx = 0, as in PyTorch.
@inlinable @inline(__always) public func ceil<T: DifferentiableScalar>(_ x: T) -> T { T.apply(.ceil, x) }
/// x rounded to the nearest integer, halves to even as `torch.round` (2.5 → 2, −0.5 → −0).
/// d/dx = 0, as in PyTorch.
@inlinable @inline(__always) public func round<T: DifferentiableScalar>(_ x: T) -> T { T.apply(.round, x) }
/// atan2(y, x), the angle of (x, y) in (−π, π] (PyTorch's `atan2(y, x)`; tensors broadcast).
/// ∂/∂y = x/(x² + y²), ∂/∂x = −y/(x² + y²).
@inlinable @inline(__always) public func atan2<T: DifferentiableScalar>(_ y: T, _ x: T) -> T { T.apply(.atan2, y, x, constant: 0) }

// MARK: Composites

/// x², computed as x · x, which is what PyTorch's `square` (pow(x, 2)) gives.  d/dx = 2x.
@inlinable @inline(__always) public func square<T: DifferentiableScalar>(_ x: T) -> T { x * x }

/// 1/x, one true division (PyTorch's `reciprocal`).  d/dx = −1/x². reciprocal(0) = ∞.
@inlinable @inline(__always) public func reciprocal<T: DifferentiableScalar>(_ x: T) -> T { 1 / x }

/// 1/√x, computed as 1 / sqrt(x) (PyTorch's `rsqrt`).  d/dx = −½ x^(−3/2). rsqrt(0) = ∞,
/// negative x gives NaN.
@inlinable @inline(__always) public func rsqrt<T: DifferentiableScalar>(_ x: T) -> T { 1 / sqrt(x) }

/// `ifTrue` where `condition` (0/1, or NaN) is 1, `ifFalse` where it is 0, NaN where it is NaN,
/// and no gradient into the branch not taken.
@inlinable @inline(__always)
func choose<T: DifferentiableScalar>(_ condition: T, _ ifTrue: T, _ ifFalse: T) -> T {
    // condition − condition is 0, or NaN where the condition is NaN: NaN propagates.
    masked(condition, ifTrue) + masked(1 - condition, ifFalse) + (condition - condition)
}

// MARK: Activations
// Primitives (see `Ops/Rules/PyTorchActivations.swift`), with a composite only for the parameters the
// node's one constant cannot carry: softplus with β ≠ 1 and hardtanh with bounds other than ±c.

/// Softplus (PyTorch's `softplus(x, beta, threshold)`, defaults 1 and 20):
/// log(1 + e^(βx))/β where βx ≤ threshold, and x itself above it (softplus(30) = 30 exactly),
/// log1p(exp(βx))/β being PyTorch's formula; nothing overflows (softplus(1e4) = 1e4, with no
/// NaN gradient) and large negative x gives 0.  d/dx = σ(βx) below the threshold, 1 above
/// (σ(βx) at the threshold itself, as PyTorch's softplus_backward).
/// One primitive node for β = 1; for another β, the primitive applied to βx, divided by β and
/// replaced by x above the threshold, so that it is x exactly there.
@inlinable
public func softplus<T: DifferentiableScalar>(_ x: T, beta: Double = 1, threshold: Double = Rules.Softplus.defaultThreshold) -> T {
    if beta == 1 { return T.apply(.softplus, x, constant: threshold) }
    let z = x * beta
    let above = heaviside(z - threshold, atZero: 0)
    return choose(above, x, T.apply(.softplus, z, constant: threshold) / beta)
}

/// log σ(x) (PyTorch's `logsigmoid`), one primitive node computed as PyTorch does:
/// min(x, 0) − log1p(e^(−|x|)), accurate at both ends (logSigmoid(−800) = −800,
/// logSigmoid(40) = −4.25e−18).  d/dx = 1 − σ(x) = σ(−x) (½ at 0).
@inlinable @inline(__always)
public func logSigmoid<T: DifferentiableScalar>(_ x: T) -> T { T.apply(.logSigmoid, x) }

/// ELU (PyTorch's `elu(x, alpha)`, alpha 1 by default), one primitive node: x for x > 0,
/// α(eˣ − 1) for x ≤ 0, with expm1 for accuracy near 0.  d/dx = 1 for x > 0, α eˣ for x ≤ 0
/// (α at 0, as PyTorch's elu_backward).
@inlinable @inline(__always)
public func elu<T: DifferentiableScalar>(_ x: T, alpha: Double = Rules.ELU.defaultAlpha) -> T { T.apply(.elu, x, constant: alpha) }

/// SiLU (swish), x · σ(x) (PyTorch's `silu`), one primitive node.  d/dx = σ(x) (1 + x (1 − σ(x)))
/// (½ at 0).
@inlinable @inline(__always)
public func silu<T: DifferentiableScalar>(_ x: T) -> T { T.apply(.silu, x) }

/// HardTanh (PyTorch's `hardtanh(x, min_val, max_val)`, defaults −1 and 1): x limited to
/// [min, max], each entry exactly x or a bound.  d/dx = 1 strictly inside (min, max), 0 outside
/// and at the bounds, as PyTorch's `hardtanh_backward` (unlike `clamp`, whose gradient includes
/// the bounds). NaN stays NaN. min > max is a programmer error, as in PyTorch.
/// One primitive node when min = −max (the default); other bounds (ReLU6's 0 and 6) are a
/// composite of steps and masks with the same values and derivatives.
public func hardtanh<T: DifferentiableScalar>(_ x: T, min low: Double = -Rules.Hardtanh.defaultBound, max high: Double = Rules.Hardtanh.defaultBound) -> T {
    if !(low <= high) { requirementFailed("hardtanh: min (\(low)) must not be greater than max (\(high))") }
    if low == -high { return T.apply(.hardtanh, x, constant: high) }
    let aboveLow = heaviside(x - low, atZero: 0)      // x > low
    let atOrAboveHigh = heaviside(x - high, atZero: 1) // x ≥ high
    let inside = aboveLow - atOrAboveHigh
    return masked(inside, x) + masked(1 - aboveLow, x.constant(low)) + masked(atOrAboveHigh, x.constant(high))
        + (aboveLow - aboveLow)
}
