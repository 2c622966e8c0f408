/// Multi-head attention (PyTorch's `nn.MultiheadAttention(embed_dim, num_heads, dropout, bias,
/// batch_first=True)`), with PyTorch's parameters, so that its state dict loads unchanged:
/// `in_proj_weight` [3E, E] (the query, key and value projections stacked, in that order),
/// `in_proj_bias` [3E], `out_proj.weight` [E, E] and `out_proj.bias` [E].
///
/// For query x [N, L, E], key [N, S, E] and value [N, S, E], each head h of the `numHeads`
/// (head size D = E/numHeads) attends with its own D columns of the projections:
///
///     Qₕ = x·W_qₕᵀ + b_qₕ,  Kₕ = key·W_kₕᵀ + b_kₕ,  Vₕ = value·W_vₕᵀ + b_vₕ
///     headₕ = softmax(Qₕ·Kₕᵀ/√D + mask)·Vₕ
///     output = concat(head₁, …, headₙ)·W_oᵀ + b_o
///
/// The attention is ``scaledDotProductAttention(query:key:value:mask:causal:scale:)``, so its
/// numerics (−∞ masks, fully masked rows giving zeros) are that function's. Inputs are batch
/// first, or unbatched [L, E] as PyTorch allows. In training, with `dropout` > 0, the attention
/// weights are dropped out before they multiply V, as in PyTorch.
///
/// Initialised as PyTorch does: `in_proj_weight` Xavier-uniform, `out_proj.weight` as a
/// ``Linear``'s weight (uniform on ±1/√E), both biases zero. Not supported: `add_bias_kv`,
/// `add_zero_attn`, and key or value sizes other than E (`kdim`, `vdim`).
public final class MultiheadAttention<Scalar: TensorScalar>: Module, TrainingModeDependent {
    /// E, the size of each position's vector (PyTorch's `embed_dim`).
    public let embedDim: Int
    /// The number of heads; it divides ``embedDim`` (PyTorch's `num_heads`).
    public let numHeads: Int
    /// The probability that an attention weight is dropped in training (PyTorch's `dropout`).
    public let dropout: Double
    /// Whether attention weights are dropped out; set by ``Module/train()`` and ``Module/eval()``.
    public var isTraining = true
    /// [3E, E]: W_q, W_k and W_v stacked along the first axis (PyTorch's `in_proj_weight`).
    public let inProjWeight: Tensor<Scalar>
    /// [3E]: b_q, b_k and b_v, zeros initially; nil without bias (PyTorch's `in_proj_bias`).
    public let inProjBias: Tensor<Scalar>?
    /// The output projection E → E (PyTorch's `out_proj`), its bias zero initially.
    public let outProj: Linear<Scalar>

    /// Attention over `embedDim` features in `numHeads` heads (a divisor of `embedDim`; anything
    /// else stops, a programmer error), initialised as PyTorch does from `generator`: first
    /// `in_proj_weight` (Xavier-uniform, bound √(6/(E + 3E))), then `out_proj.weight` (uniform on
    /// ±1/√E). `dropout` in [0, 1).
    public init(_ embedDim: Int, numHeads: Int, dropout: Double = 0, bias: Bool = true, generator: inout SeededGenerator) {
        require(embedDim > 0 && numHeads > 0 && embedDim % numHeads == 0,
                "MultiheadAttention: numHeads (\(numHeads)) must divide embedDim (\(embedDim)), both positive")
        require(dropout >= 0 && dropout < 1, "MultiheadAttention: dropout \(dropout) is not in [0, 1)")
        self.embedDim = embedDim
        self.numHeads = numHeads
        self.dropout = dropout
        inProjWeight = Tensor(Initialization.xavierUniform([3 * embedDim, embedDim], generator: &generator), requiresGrad: true)
        inProjBias = bias ? Tensor(NDArray.zeros([3 * embedDim]), requiresGrad: true) : nil
        outProj = Linear(weight: Initialization.kaimingUniform([embedDim, embedDim], fanIn: embedDim, generator: &generator),
                         bias: bias ? NDArray.zeros([embedDim]) : nil)
    }

    /// Attention initialised from its own generator seeded with `seed`.
    public convenience init(_ embedDim: Int, numHeads: Int, dropout: Double = 0, bias: Bool = true, seed: UInt64) {
        var generator = SeededGenerator(seed: seed)
        self.init(embedDim, numHeads: numHeads, dropout: dropout, bias: bias, generator: &generator)
    }

    /// D = E/numHeads, the size of each head (PyTorch's `head_dim`).
    public var headDim: Int { embedDim / numHeads }

    /// The attention output [N, L, E] (or [L, E] for unbatched inputs): PyTorch's
    /// `mha(query, key, value, attn_mask=mask, is_causal=causal, need_weights=False)[0]`.
    /// `mask` is an additive float mask broadcastable to [N, numHeads, L, S]: [L, S] for every
    /// sequence and head, [N, 1, 1, S] for a key padding mask (PyTorch's `key_padding_mask` with
    /// −∞ where it is true), [N, numHeads, L, S] for PyTorch's 3-D (N·numHeads, L, S) mask.
    /// `causal` drops keys j > i for query i (in PyTorch `is_causal` is only a hint that
    /// `attn_mask` is causal; here it is the mask). Inputs of other shapes stop on ``Tensor``;
    /// on ``TensorSymbol`` they are thrown when the graph compiles.
    public func forward<T: DifferentiableTensor>(query: T, key: T, value: T, mask: T? = nil, causal: Bool = false,
                                                 _ context: ForwardContext<T>) -> T where T.Scalar == Scalar {
        attend(query: query, key: key, value: value, mask: mask, causal: causal, context).output
    }

    /// The attention output and its weights: PyTorch's `mha(query, key, value, attn_mask=mask,
    /// is_causal=causal, need_weights=True, average_attn_weights=averagingHeads)`. The weights
    /// are [N, L, S] averaged over the heads, or [N, numHeads, L, S] when not `averagingHeads`
    /// (without N for unbatched inputs); in training they are the ones after dropout.
    public func forwardWithWeights<T: DifferentiableTensor>(query: T, key: T, value: T, mask: T? = nil, causal: Bool = false,
                                                            averagingHeads: Bool = true,
                                                            _ context: ForwardContext<T>) -> (output: T, weights: T) where T.Scalar == Scalar {
        let (output, weights) = attend(query: query, key: key, value: value, mask: mask, causal: causal, context)
        let batched = query.shape.rank == 3
        if averagingHeads { return (output, weights.mean(axes: [batched ? 1 : 0])) }
        return (output, weights)
    }

    /// The attention output, recorded dynamically (PyTorch's `mha(query, key, value, …)[0]`).
    public func callAsFunction(query: Tensor<Scalar>, key: Tensor<Scalar>, value: Tensor<Scalar>,
                               mask: Tensor<Scalar>? = nil, causal: Bool = false) -> Tensor<Scalar> {
        forward(query: query, key: key, value: value, mask: mask, causal: causal, .dynamic())
    }

    /// The output [N, L, E] and the per-head weights [N, H, L, S] (without N when unbatched).
    private func attend<T: DifferentiableTensor>(query: T, key: T, value: T, mask: T?, causal: Bool,
                                                 _ context: ForwardContext<T>) -> (output: T, weights: T) where T.Scalar == Scalar {
        let q = query.shape, k = key.shape, v = value.shape, e = embedDim
        let batched = q.rank == 3
        let valid = (q.rank == 3 || q.rank == 2) && k.rank == q.rank && v.rank == q.rank
            && q[q.rank - 1] == e && k[k.rank - 1] == e && v[v.rank - 1] == e
            && k[k.rank - 2] == v[v.rank - 2] && (!batched || (k[0] == q[0] && v[0] == q[0]))
        guard query.shapesHold(valid, TensorShapeError(operation: "MultiheadAttention(\(e), heads: \(numHeads))", shapes: [q, k, v],
                                                       reason: "expected query [N, L, \(e)], key [N, S, \(e)] and value [N, S, \(e)] (or the same without N)"))
        else { return (query, query) }
        let n = batched ? q[0] : 1, length = q[q.rank - 2], keys = k[k.rank - 2], heads = numHeads, d = headDim
        let weight = context.parameter(inProjWeight), bias = inProjBias.map(context.parameter)
        // Block `block` of the stacked projections, split into heads: [N, H, length, D].
        func project(_ x: T, _ block: Int, _ count: Int) -> T {
            let rows = block * e..<(block + 1) * e
            return x.linear(weight: weight.slice([rows]), bias: bias?.slice([rows]))
                .reshaped([n, count, heads, d]).permuted([0, 2, 1, 3])
        }
        let probability = dropout
        let drop: ((T) -> T)? = isTraining && probability > 0
            ? { $0 * context.dropoutMask($0.shape, keep: 1 - probability) } : nil
        let (attended, weights) = attention(query: project(query, 0, length), key: project(key, 1, keys), value: project(value, 2, keys),
                                          mask: mask, causal: causal, scale: nil, dropout: drop)
        let merged = attended.permuted([0, 2, 1, 3]).reshaped(batched ? [n, length, e] : [length, e])
        return (outProj.forward(merged, context), batched ? weights : weights.reshaped([heads, length, keys]))
    }
}

extension Initialization {
    /// Xavier (Glorot) uniform, PyTorch's `nn.init.xavier_uniform_`: uniform on [−bound, bound]
    /// with bound = gain·√(6/(fanIn + fanOut)), where for a weight [out, in, …] fanIn is
    /// in·(receptive field) and fanOut is out·(receptive field), as PyTorch computes them.
    public static func xavierUniform<Scalar: TensorScalar>(_ shape: Shape, gain: Double = 1, generator: inout SeededGenerator) -> NDArray<Scalar> {
        require(shape.rank >= 2, "xavierUniform: needs a weight of at least 2 axes, got \(shape)")
        let receptive = shape.dimensions.dropFirst(2).reduce(1, *)
        let fanIn = shape[1] * receptive, fanOut = shape[0] * receptive
        return uniform(shape, bound: gain * (6 / Double(fanIn + fanOut)).squareRoot(), generator: &generator)
    }
}
