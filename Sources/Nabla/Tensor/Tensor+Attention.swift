// Scaled dot-product attention as a composite of matmul, broadcasting and the max-shifted
// softmax, so both modes and every order of derivative come from the primitives' rules.

/// Scaled dot-product attention (PyTorch's `F.scaled_dot_product_attention(query, key, value,
/// attn_mask=mask, is_causal=causal, scale=scale)`, without dropout):
///
///     softmax(Q·Kᵀ·scale + mask)·V
///
/// with the softmax over the last axis. `query` is [..., L, E], `key` [..., S, E] and `value`
/// [..., S, Ev]; the result is [..., L, Ev]. Leading (batch) axes broadcast, as in `matmul`.
///
/// - `scale` defaults to 1/√E, as in PyTorch.
/// - `mask` is an additive float mask broadcastable to [..., L, S] (the scores' shape): 0 keeps a
///   position, −∞ drops it, other values bias it (it is differentiable, like PyTorch's float
///   `attn_mask`).
/// - `causal` drops every key j > i for query i (top-left aligned: PyTorch's `is_causal`, the
///   lower triangle of an L×S matrix kept). PyTorch refuses `attn_mask` together with
///   `is_causal`; here both may be given and their −∞ entries combine.
///
/// The softmax is the max-shifted one of `softmax(axis:)`, so large scores do not overflow and
/// −∞ entries give weight exactly 0 (and no NaN, in the value or the gradient) in any row that
/// keeps at least one position. A row whose positions are all dropped gives weights 0 and so an
/// output row of zeros, as PyTorch's `scaled_dot_product_attention` does (its `_safe_softmax`,
/// since PyTorch 2.5; a plain softmax gives NaN), and its gradient is zero, not NaN. Computed as
/// e / (Σe + [Σe = 0]) with e = exp(x − max x): Σe ≥ 1 in a row that keeps a position (its
/// maximum contributes exp 0 = 1), so such rows are the plain softmax exactly.
///
/// Gradients: with P the weights and dY the seed, ∂/∂V = Pᵀ·dY, and with
/// dS = P ⊙ (dY·Vᵀ − rowsum(dY·Vᵀ ⊙ P)) (the softmax's Jacobian), ∂/∂Q = dS·K·scale,
/// ∂/∂K = dSᵀ·Q·scale, ∂/∂mask = dS (summed over broadcast axes).
public func scaledDotProductAttention<T: DifferentiableTensor>(query: T, key: T, value: T, mask: T? = nil,
                                                                causal: Bool = false, scale: Double? = nil) -> T {
    attention(query: query, key: key, value: value, mask: mask, causal: causal, scale: scale).output
}

/// Scaled dot-product attention returning the attention weights too: `output` as
/// `scaledDotProductAttention(query:key:value:mask:causal:scale:)`, `weights` the softmax
/// [..., L, S] (after `dropout`, which, when given, is applied to the weights before they
/// multiply `value`, as `nn.MultiheadAttention` does in training).
func attention<T: DifferentiableTensor>(query: T, key: T, value: T, mask: T?, causal: Bool, scale: Double?,
                                        dropout: ((T) -> T)? = nil) -> (output: T, weights: T) {
    let q = query.shape, k = key.shape, v = value.shape
    guard query.shapesHold(q.rank >= 2 && k.rank >= 2 && v.rank >= 2 && q[q.rank - 1] == k[k.rank - 1]
                            && k[k.rank - 2] == v[v.rank - 2] && k[k.rank - 2] > 0,
                           TensorShapeError(operation: "scaledDotProductAttention", shapes: [q, k, v],
                                            reason: "expected query [..., L, E], key [..., S, E] and value [..., S, Ev] with S ≥ 1"))
    else { return (query, query) }
    let features = q[q.rank - 1], queries = q[q.rank - 2], keys = k[k.rank - 2]
    var scores = T.matmul(query, key, transposingA: false, transposingB: true)
    let factor = scale ?? 1 / Double(features).squareRoot()
    if factor != 1 { scores = scores * factor }
    if let mask {
        let m = mask.shape, s = scores.shape
        let broadcastable = m.rank <= s.rank && m.dimensions.enumerated().allSatisfy { offset, size in
            size == 1 || size == s[s.rank - m.rank + offset]
        }
        guard query.shapesHold(broadcastable, TensorShapeError(operation: "scaledDotProductAttention", shapes: [m, s],
                                                               reason: "the mask does not broadcast to the scores' shape [..., L, S]"))
        else { return (query, query) }
        scores = scores + mask
    }
    if causal {
        var bias = [T.Scalar](repeating: 0, count: queries * keys)
        for i in 0..<queries { for j in (i + 1)..<Swift.max(i + 1, keys) { bias[i * keys + j] = -.infinity } }
        scores = scores + query.constant(NDArray(shape: [queries, keys], checkedScalars: bias))
    }
    let e = exp(scores.shiftedByMaximum(axis: -1).shifted)
    let total = e.sum(axes: [-1], keepingDimensions: true)
    var weights = e / (total + heaviside(-total, atZero: 1))
    if let dropout { weights = dropout(weights) }
    return (T.matmul(weights, value, transposingA: false, transposingB: false), weights)
}
