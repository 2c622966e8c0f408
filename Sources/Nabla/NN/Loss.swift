/// A training objective, written once for both modes: applied to a model's output and a batch's
/// targets (and, for regularisation, the parameters as the context lifts them).
public enum Loss: Sendable, Equatable {
    /// Cross-entropy of logits [N, C] against one-hot target rows [N, C], optionally smoothed
    /// (targets from ``Loss/targets(labels:classes:)``).
    case crossEntropy(labelSmoothing: Double = 0)
    /// micrograd's demo: mean max(0, 1 − y·score) over labels ±1, plus α·Σp².
    case hinge(l2: Double = 0)
    /// Mean squared error against targets of the output's shape.
    case meanSquaredError
    /// Binary cross-entropy with logits against targets in [0, 1].
    case binaryCrossEntropy

    /// The loss value of `output` against `targets`.
    public func callAsFunction<T: DifferentiableTensor>(_ output: T, _ targets: T, parameters: [T]) -> T {
        switch self {
        case .crossEntropy: output.crossEntropy(targets: targets)
        case .hinge(let alpha):
            alpha == 0 ? output.hingeLoss(labels: targets) : output.hingeLoss(labels: targets) + l2Regularization(parameters, alpha: alpha)
        case .meanSquaredError: output.meanSquaredError(targets)
        case .binaryCrossEntropy: output.binaryCrossEntropy(logitsAgainst: targets)
        }
    }

    /// The target rows a batch of class labels gives for this loss: one-hot (smoothed) rows
    /// [N, C] for cross-entropy; ±1 as a column [N, 1] for the hinge loss (label 0 → −1);
    /// 0/1 as a column for binary cross-entropy.
    public func targets<Scalar: TensorScalar>(labels: [Int], classes: Int) -> NDArray<Scalar> {
        switch self {
        case .crossEntropy(let smoothing): return Tensor<Scalar>.smoothedTargets(labels, classes: classes, smoothing: smoothing)
        case .hinge: return NDArray(shape: [labels.count, 1], checkedScalars: labels.map { $0 > 0 ? 1 : -1 })
        case .meanSquaredError, .binaryCrossEntropy: return NDArray(shape: [labels.count, 1], checkedScalars: labels.map { Scalar($0) })
        }
    }
}
