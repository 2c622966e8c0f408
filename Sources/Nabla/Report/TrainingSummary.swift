// The last word of a training run: how long it took, where it ended, and its best test score.

/// What a finished training run reports.
public struct TrainingSummary: Hashable, Sendable {
    /// Epochs finished.
    public var epochs: Int
    /// Seconds from start to finish.
    public var elapsed: Double
    /// The last training loss.
    public var finalLoss: Double?
    /// The last training accuracy, as a fraction.
    public var finalAccuracy: Double?
    /// The best test accuracy of any epoch, as a fraction.
    public var bestTestAccuracy: Double?
    /// The epoch (from 1) that had the best test accuracy; the first of them on a tie.
    public var bestTestEpoch: Int?

    /// A summary of the given numbers, stored as given.
    public init(epochs: Int, elapsed: Double, finalLoss: Double? = nil, finalAccuracy: Double? = nil,
                bestTestAccuracy: Double? = nil, bestTestEpoch: Int? = nil) {
        self.epochs = epochs
        self.elapsed = elapsed
        self.finalLoss = finalLoss
        self.finalAccuracy = finalAccuracy
        self.bestTestAccuracy = bestTestAccuracy
        self.bestTestEpoch = bestTestEpoch
    }
}

extension TrainingSummary: CustomStringConvertible {
    /// One line:
    ///
    ///     trained 20 epochs in 0:41  final loss 0.0123  accuracy 99.0%  best test accuracy 97.5% (epoch 14)
    public var description: String {
        var fields = ["trained \(epochs) epoch\(epochs == 1 ? "" : "s") in \(ProgressFormat.duration(elapsed))"]
        if let finalLoss { fields.append("final loss " + ProgressFormat.loss(finalLoss)) }
        if let finalAccuracy { fields.append("accuracy " + ProgressFormat.percent(finalAccuracy)) }
        if let bestTestAccuracy {
            fields.append("best test accuracy " + ProgressFormat.percent(bestTestAccuracy)
                + (bestTestEpoch.map { " (epoch \($0))" } ?? ""))
        }
        return fields.joined(separator: "  ")
    }
}
