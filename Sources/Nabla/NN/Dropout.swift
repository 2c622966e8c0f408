/// Dropout (inverted, as PyTorch): in training each element is zeroed with probability `p` and
/// the rest scaled by 1/(1 − p), so evaluation passes the input through unchanged.
/// PyTorch's `nn.Dropout(p)`; the computation is `dropout(_:probability:training:generator:)`'s,
/// with masks from the forward context.
public final class Dropout<Scalar: TensorScalar>: Layer, TrainingModeDependent {
    /// p, the probability that an element is zeroed in training.
    public let probability: Double
    /// Whether elements are dropped; set by ``Module/train()`` and ``Module/eval()``.
    public var isTraining = true

    /// A layer dropping elements with probability `probability`; one outside [0, 1] stops (a
    /// programmer error). p = 1 zeroes everything in training, as PyTorch.
    public init(probability: Double = 0.5) {
        require(probability >= 0 && probability <= 1, "Dropout: probability \(probability) is not in [0, 1]")
        self.probability = probability
    }

    /// In training, the input times a mask from `context.dropoutMask` (entries 1/(1 − p) or 0);
    /// in evaluation, or with p = 0, the input itself. Same shape.
    public func forward<T: DifferentiableTensor>(_ input: T, _ context: ForwardContext<T>) -> T where T.Scalar == Scalar {
        dropout(input, probability: probability, training: isTraining) { context.dropoutMask($0, keep: $1) }
    }
}
