// Loss functions, composed from the op catalogue (so their gradients, first and second order,
// are the catalogue's rules). Each averages over the batch, as PyTorch's defaults do.

extension DifferentiableTensor {
    /// Cross-entropy of logits [N, C] against class labels, with label smoothing ε as PyTorch's
    /// `label_smoothing`: the target distribution is (1 − ε)·onehot(y) + ε/C, and the loss is
    /// mean over the batch of −Σ_c q_c log softmax(z)_c.
    public func crossEntropy(labels: [Int], labelSmoothing: Double) -> Self {
        guard labelSmoothing != 0 else { return crossEntropy(labels: labels) }
        require(labelSmoothing > 0 && labelSmoothing <= 1, "crossEntropy: label smoothing \(labelSmoothing) is not in [0, 1]")
        return crossEntropy(targets: constant(Self.smoothedTargets(labels, classes: shape[1], smoothing: labelSmoothing, shape: shape)))
    }

    /// Cross-entropy of logits [N, C] against target distributions [N, C] (each row sums to 1):
    /// mean over the batch of −Σ_c q_c log softmax(z)_c, which is logΣexp(z) − Σ_c q_c z_c.
    /// Computed from the max-shifted log softmax (see ``logSoftmax(axis:)``), so large logits
    /// keep their digits; a class with q_c = 0 adds exactly 0, even where its logit is −∞.
    /// The targets may be an input of a static graph (so one compiled step serves every batch).
    public func crossEntropy(targets: Self) -> Self {
        require(shape.rank == 2 && targets.shape == shape, "crossEntropy: logits of shape \(shape) and targets of shape \(targets.shape)")
        return -masked(targets, logSoftmax(axis: 1) * targets).sum(axes: [1], keepingDimensions: false).mean()
    }

    /// The one-hot (or smoothed) target rows for `labels`.
    public static func smoothedTargets(_ labels: [Int], classes: Int, smoothing: Double = 0, shape: Shape? = nil) -> NDArray<Scalar> {
        var rows = [Scalar](repeating: Scalar(smoothing / Double(classes)), count: labels.count * classes)
        for (i, label) in labels.enumerated() {
            require(label >= 0 && label < classes, "crossEntropy: label \(label) at \(i) is not a class in 0..<\(classes)")
            rows[i * classes + label] += Scalar(1 - smoothing)
        }
        return NDArray(shape: shape ?? [labels.count, classes], checkedScalars: rows)
    }

    /// Binary cross-entropy of logits x against targets y in [0, 1], averaged, computed stably
    /// as max(x, 0) − x·y + log(1 + e^−|x|) (PyTorch's `binary_cross_entropy_with_logits`).
    public func binaryCrossEntropy(logitsAgainst targets: Self) -> Self {
        require(targets.shape == shape, "binaryCrossEntropy: logits of shape \(shape) and targets of shape \(targets.shape)")
        return (relu(self) - self * targets + log(exp(-abs(self)) + 1)).mean()
    }

    /// The max-margin (hinge) loss of micrograd's demo, for scores against labels ±1:
    /// mean of max(0, 1 − y·score).
    public func hingeLoss(labels: Self) -> Self {
        require(labels.shape == shape, "hingeLoss: scores of shape \(shape) and labels of shape \(labels.shape)")
        return relu(1 - self * labels).mean()
    }
}

/// L2 regularisation: α·Σ p² over every element of every parameter (micrograd's demo uses
/// α = 1e-4). In a static graph, pass the parameters as the context lifts them.
public func l2Regularization<T: DifferentiableTensor>(_ parameters: [T], alpha: Double) -> T {
    require(!parameters.isEmpty, "l2Regularization: no parameters")
    var total = (parameters[0] * parameters[0]).sum()
    for p in parameters.dropFirst() { total = total + (p * p).sum() }
    return total * alpha
}
