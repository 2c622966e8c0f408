// Forward mode's one rule, derived from each primitive's one declaration.
//
// A scalar primitive's pullback multiplies the incoming gradient by the primitive's partial
// derivatives: pullback(seed: s) = (s · ∂f/∂x, s · ∂f/∂y). The tangent of the output along
// tangents (ẋ, ẏ) is ∂f/∂x · ẋ + ∂f/∂y · ẏ, which is the first gradient of the pullback seeded
// with ẋ plus the second gradient of the pullback seeded with ẏ. So forward mode needs no second
// catalogue of rules: every engine (``Dual``, the dynamic tape's forward sweep, the static graph's
// `jvp(of:wrt:along:)`) calls this one function, which calls the primitive's pullback.

extension Primitive {
    /// The tangent (directional derivative) of this primitive's output, derived from its pullback:
    /// ḟ = ∂f/∂x · ẋ + ∂f/∂y · ẏ, computed as `pullback(seed: ẋ).0 + pullback(seed: ẏ).1`.
    ///
    /// `x` and `y` are the operands (unary primitives ignore `y` and `tangents.1`), `output` the
    /// value the primitive computed, `c` the node's constant, and `tangents` the operands'
    /// tangents, `nil` meaning zero. Returns `nil` when the tangent is zero: no tangent flows in,
    /// or the primitive's derivative is zero (`sign`, `floor`, …). Generic over the algebra, like
    /// the pullback: numbers (`Double`), recorded values (``Value``, so reverse-over-forward works),
    /// graph nodes (``Symbol``), or ``Dual`` numbers again (forward-over-forward). PyTorch's
    /// equivalent is a primitive's `jvp` formula in `derivatives.yaml` (`result: auto_linear` or
    /// `auto_element_wise`, which PyTorch also derives from the backward formula).
    @inlinable @inline(__always)
    public func tangent<T: DifferentiableScalar>(
        _ x: T, _ y: T, output: T, constant c: Double, tangents: (T?, T?)
    ) -> T? {
        switch arity {
        case 0:
            return nil
        case 1:
            guard let dx = tangents.0 else { return nil }
            return pullback(x, y, output: output, constant: c, seed: dx).0
        default:
            var result: T? = nil
            if let dx = tangents.0 { result = pullback(x, y, output: output, constant: c, seed: dx).0 }
            if let dy = tangents.1, let term = pullback(x, y, output: output, constant: c, seed: dy).1 {
                result = result.map { $0 + term } ?? term
            }
            return result
        }
    }
}
