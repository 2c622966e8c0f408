/// Dropout (inverted, as PyTorch): in training each element is zeroed with probability `p` and
/// the rest scaled by 1/(1 − p), so evaluation passes the input through unchanged.
public final class Dropout<Scalar: TensorScalar>: Layer, TrainingModeDependent {
    public let probability: Double
    public var isTraining = true

    public init(probability: Double = 0.5) {
        require(probability >= 0 && probability < 1, "Dropout: probability \(probability) is not in [0, 1)")
        self.probability = probability
    }

    public func forward<T: DifferentiableTensor>(_ input: T, _ context: ForwardContext<T>) -> T where T.Scalar == Scalar {
        guard isTraining, probability > 0 else { return input }
        return input * context.dropoutMask(input.shape, keep: 1 - probability)
    }
}
