// Where a training run stands: epoch, step, the latest metrics and the time spent, and what
// follows from them (steps per second, time left).

/// A snapshot of a training run, from which progress lines are formatted. Plain numbers in,
/// text out: nothing here reads a clock or writes to a terminal.
public struct TrainingProgress: Hashable, Sendable {
    /// The current epoch, counting from 1.
    public var epoch: Int
    /// The number of epochs in the run.
    public var epochs: Int
    /// Steps (batches) finished in the current epoch, 0...``stepsPerEpoch``.
    public var step: Int
    /// Steps (batches) per epoch.
    public var stepsPerEpoch: Int
    /// The latest training loss.
    public var loss: Double?
    /// The latest training accuracy, as a fraction 0...1.
    public var accuracy: Double?
    /// The latest accuracy on held-out data, as a fraction 0...1.
    public var testAccuracy: Double?
    /// Seconds since training started.
    public var elapsed: Double

    /// A snapshot of the given numbers, stored as given.
    public init(epoch: Int, epochs: Int, step: Int, stepsPerEpoch: Int, loss: Double? = nil, accuracy: Double? = nil,
                testAccuracy: Double? = nil, elapsed: Double) {
        self.epoch = epoch
        self.epochs = epochs
        self.step = step
        self.stepsPerEpoch = stepsPerEpoch
        self.loss = loss
        self.accuracy = accuracy
        self.testAccuracy = testAccuracy
        self.elapsed = elapsed
    }
}

extension TrainingProgress {
    /// Steps in the whole run.
    public var totalSteps: Int {
        let (product, overflow) = Swift.max(0, epochs).multipliedReportingOverflow(by: Swift.max(0, stepsPerEpoch))
        return overflow ? Int.max : product
    }

    /// Steps finished in the whole run: the earlier epochs' and this one's, at most ``totalSteps``.
    public var completedSteps: Int {
        let earlier = Swift.min(Swift.max(0, epoch - 1), Swift.max(0, epochs))
        let (before, overflow) = earlier.multipliedReportingOverflow(by: Swift.max(0, stepsPerEpoch))
        guard !overflow else { return totalSteps }
        let (sum, overflowed) = before.addingReportingOverflow(Swift.min(Swift.max(0, step), Swift.max(0, stepsPerEpoch)))
        return overflowed ? totalSteps : Swift.min(sum, totalSteps)
    }

    /// The share of the run done, 0...1 (0 for a run of no steps).
    public var fractionDone: Double {
        totalSteps > 0 ? Double(completedSteps) / Double(totalSteps) : 0
    }

    /// The share of the current epoch done, 0...1.
    public var epochFractionDone: Double {
        stepsPerEpoch > 0 ? Double(Swift.min(Swift.max(0, step), stepsPerEpoch)) / Double(stepsPerEpoch) : 0
    }

    /// The average speed so far, or `nil` before any step or time has passed.
    public var stepsPerSecond: Double? {
        guard completedSteps > 0, elapsed > 0, elapsed.isFinite else { return nil }
        return Double(completedSteps) / elapsed
    }

    /// Seconds left at the average speed so far, or `nil` while the speed is unknown.
    public var estimatedTimeLeft: Double? {
        guard let rate = stepsPerSecond else { return nil }
        return Double(totalSteps - completedSteps) / rate
    }
}
