// Composite tensor functions, built from the primitives (so their gradients come for free).

extension DifferentiableTensor {
    /// The sum of every element, or over `axes`.
    public func sum() -> Self { sum(axes: nil, keepingDimensions: false) }

    /// The mean over `axes` (all when nil).
    public func mean(axes: [Int]? = nil, keepingDimensions: Bool = false) -> Self {
        let count = (axes ?? Array(0..<shape.rank)).reduce(1) { $0 * shape[shape.axis($1)] }
        return sum(axes: axes, keepingDimensions: keepingDimensions) * (1 / Double(count))
    }

    /// The matrix product `self @ other`.
    public func matmul(_ other: Self) -> Self { Self.matmul(self, other, transposingA: false, transposingB: false) }

    /// Mean squared error against `target`.
    public func meanSquaredError(_ target: Self) -> Self {
        let difference = self - target
        return (difference * difference).mean()
    }
}

extension Tensor {
    /// log Σ exp(x) along `axis`, computed stably as m + log Σ exp(x − m) with m the maximum
    /// (held constant: the result does not depend on it).
    public func logSumExp(axis: Int, keepingDimensions: Bool = false) -> Tensor {
        let maximum = Tensor(data.reduce(axes: [axis], keepingDimensions: true, initial: -.infinity) { Swift.max($0, $1) })
        let shifted = exp(self - maximum).sum(axes: [axis], keepingDimensions: true)
        let result = log(shifted) + maximum
        return keepingDimensions ? result : result.reshaped(Shape(shape.dimensions.enumerated().filter { $0.offset != shape.axis(axis) }.map(\.element)))
    }

    /// log softmax along `axis`: x − logΣexp(x).
    public func logSoftmax(axis: Int = -1) -> Tensor { self - logSumExp(axis: axis, keepingDimensions: true) }

    /// softmax along `axis`: exp(x − logΣexp(x)).
    public func softmax(axis: Int = -1) -> Tensor { exp(logSoftmax(axis: axis)) }

    /// Cross-entropy of logits [N, C] against integer class labels (N of them), averaged over
    /// the batch: mean(logΣexp(z_i) − z_i[y_i]).
    public func crossEntropy(labels: [Int]) -> Tensor {
        precondition(rank == 2 && shape[0] == labels.count, "crossEntropy: logits of shape \(shape) for \(labels.count) labels")
        let classes = shape[1]
        var oneHot = [Scalar](repeating: 0, count: shape.count)
        for (i, label) in labels.enumerated() {
            precondition(label >= 0 && label < classes, "crossEntropy: label \(label) at \(i) is not a class in 0..<\(classes)")
            oneHot[i * classes + label] = 1
        }
        let picked = (self * Tensor(shape: shape, scalars: oneHot)).sum(axes: [1], keepingDimensions: false)
        return (logSumExp(axis: 1) - picked).mean()
    }
}
