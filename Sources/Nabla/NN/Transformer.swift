/// One layer of a transformer encoder (PyTorch's `nn.TransformerEncoderLayer(d_model, nhead,
/// dim_feedforward, dropout, activation, layer_norm_eps, batch_first=True, norm_first)`):
/// self-attention and a feed-forward network, each added back to its input (a residual) and
/// normalised. With PyTorch's default post-norm,
///
///     x ← norm1(x + dropout1(selfAttn(x, x, x)))
///     x ← norm2(x + dropout2(linear2(dropout(activation(linear1(x))))))
///
/// and with `normFirst` (pre-norm) x ← x + dropout1(selfAttn(norm1(x), …)), then
/// x ← x + dropout2(linear2(…(norm2(x)))). Parameters carry PyTorch's names (`self_attn.in_proj_weight`,
/// `linear1.weight`, `norm1.weight`, …), in PyTorch's order, so a state dict loads unchanged.
/// Input [N, L, dModel] (batch first) or [L, dModel]; output the same shape.
public final class TransformerEncoderLayer<Scalar: TensorScalar>: Layer {
    /// Multi-head self-attention (PyTorch's `self_attn`).
    public let selfAttn: MultiheadAttention<Scalar>
    /// The feed-forward network's first layer, dModel → feedforwardSize (PyTorch's `linear1`).
    public let linear1: Linear<Scalar>
    /// Dropout after the activation (PyTorch's `dropout`).
    public let dropout: Dropout<Scalar>
    /// The feed-forward network's second layer, feedforwardSize → dModel (PyTorch's `linear2`).
    public let linear2: Linear<Scalar>
    /// Whether each block normalises its input (pre-norm) rather than the residual sum
    /// (post-norm, PyTorch's default) (PyTorch's `norm_first`).
    public let normFirst: Bool
    /// The normalisation around the attention block (PyTorch's `norm1`).
    public let norm1: LayerNorm<Scalar>
    /// The normalisation around the feed-forward block (PyTorch's `norm2`).
    public let norm2: LayerNorm<Scalar>
    /// Dropout on the attention block's output (PyTorch's `dropout1`).
    public let dropout1: Dropout<Scalar>
    /// Dropout on the feed-forward block's output (PyTorch's `dropout2`).
    public let dropout2: Dropout<Scalar>
    /// The feed-forward network's activation, ReLU by default (PyTorch's `activation`).
    public let activation: any Layer<Scalar>

    /// A layer of width `dModel` with `numHeads` heads (dividing `dModel`) and a feed-forward
    /// network of `feedforwardSize` (PyTorch's `dim_feedforward`), with PyTorch's defaults
    /// (dropout 0.1, ReLU, ε = 1e-5, post-norm). Weights are drawn from `generator` in PyTorch's
    /// order: attention, then `linear1`, then `linear2`; each as PyTorch initialises it.
    public init(_ dModel: Int, numHeads: Int, feedforwardSize: Int = 2048, dropout: Double = 0.1,
                activation: any Layer<Scalar> = ReLU<Scalar>(), layerNormEpsilon: Double = 1e-5, normFirst: Bool = false,
                generator: inout SeededGenerator) {
        selfAttn = MultiheadAttention(dModel, numHeads: numHeads, dropout: dropout, generator: &generator)
        linear1 = Linear(dModel, feedforwardSize, generator: &generator)
        self.dropout = Dropout(probability: dropout)
        linear2 = Linear(feedforwardSize, dModel, generator: &generator)
        self.normFirst = normFirst
        norm1 = LayerNorm([dModel], epsilon: layerNormEpsilon)
        norm2 = LayerNorm([dModel], epsilon: layerNormEpsilon)
        dropout1 = Dropout(probability: dropout)
        dropout2 = Dropout(probability: dropout)
        self.activation = activation
    }

    /// A layer drawn from its own generator seeded with `seed`.
    public convenience init(_ dModel: Int, numHeads: Int, feedforwardSize: Int = 2048, dropout: Double = 0.1,
                            activation: any Layer<Scalar> = ReLU<Scalar>(), layerNormEpsilon: Double = 1e-5, normFirst: Bool = false,
                            seed: UInt64) {
        var generator = SeededGenerator(seed: seed)
        self.init(dModel, numHeads: numHeads, feedforwardSize: feedforwardSize, dropout: dropout, activation: activation,
                  layerNormEpsilon: layerNormEpsilon, normFirst: normFirst, generator: &generator)
    }

    /// The layer applied with full self-attention (no mask): PyTorch's `layer(src)`.
    public func forward<T: DifferentiableTensor>(_ input: T, _ context: ForwardContext<T>) -> T where T.Scalar == Scalar {
        forward(input, mask: nil, causal: false, context)
    }

    /// The layer applied with a self-attention `mask` (additive, broadcastable to
    /// [N, numHeads, L, L]; see ``MultiheadAttention``) and/or a `causal` mask: PyTorch's
    /// `layer(src, src_mask=mask, is_causal=causal)`.
    public func forward<T: DifferentiableTensor>(_ input: T, mask: T?, causal: Bool, _ context: ForwardContext<T>) -> T where T.Scalar == Scalar {
        func attentionBlock(_ x: T) -> T {
            dropout1.forward(selfAttn.forward(query: x, key: x, value: x, mask: mask, causal: causal, context), context)
        }
        func feedforwardBlock(_ x: T) -> T {
            let hidden = dropout.forward(activation.forward(linear1.forward(x, context), context), context)
            return dropout2.forward(linear2.forward(hidden, context), context)
        }
        var x = input
        if normFirst {
            x = x + attentionBlock(norm1.forward(x, context))
            x = x + feedforwardBlock(norm2.forward(x, context))
        } else {
            x = norm1.forward(x + attentionBlock(x), context)
            x = norm2.forward(x + feedforwardBlock(x), context)
        }
        return x
    }
}
