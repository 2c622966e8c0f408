/// Whether a model trains on the dynamic graph (recorded per step, as PyTorch eager) or on a
/// compiled static program (traced once per shape, as `jax.jit`).
public enum ExecutionMode: String, Sendable, CaseIterable {
    /// Every step records a new graph of ``Tensor`` operations and differentiates it.
    case dynamic
    /// The model and its loss are traced into a compiled program, once per input shape, and
    /// every step runs it.
    case `static`
}

/// A training loop over a data set: batches from a seeded ``BatchLoader``, forward, loss,
/// gradients, optional clipping, the optimiser's step, with the learning rate from a schedule;
/// reports after every step and epoch, and evaluates on a test set.
public final class Trainer<Model: Layer> {
    /// The element type of the model's parameters and of the data.
    public typealias Scalar = Model.Scalar
    /// The model trained; the optimiser updates its parameters in place.
    public let model: Model
    /// The objective minimised; each batch's targets come from its labels through
    /// ``Loss/targets(labels:classes:)``.
    public let loss: Loss
    /// Applies the gradients; before each step its learning rate is set from ``schedule``,
    /// when there is one.
    public let optimizer: any Optimizer<Scalar>
    /// Whether steps and predictions run on the dynamic graph or on a compiled program.
    public let mode: ExecutionMode
    /// The number of classes (1: a single score, positive for class 1).
    public let classes: Int
    /// A schedule over steps (nil: the optimiser's rate stays as set).
    public var schedule: (any LearningRateSchedule)?
    /// Clips the gradients' joint norm to this before each step, when set.
    public var maxGradientNorm: Double?
    private lazy var compiled = CompiledModel(model, loss: loss)
    /// The steps taken so far (by ``step(inputs:labels:)``, which `fit` calls): the position
    /// in ``schedule``.
    public private(set) var stepsTaken = 0
    private var validatedInputShapes: Set<Shape> = []

    /// A trainer of `model` for `classes` classes (1: a single score, positive for class 1)
    /// that minimises `loss` with `optimizer`. `classes` < 1 stops (a programmer error).
    public init(model: Model, loss: Loss, optimizer: any Optimizer<Scalar>, mode: ExecutionMode = .dynamic, classes: Int) {
        require(classes >= 1, "Trainer: classes must be ≥ 1")
        self.model = model
        self.loss = loss
        self.optimizer = optimizer
        self.mode = mode
        self.classes = classes
    }

    /// What one step did.
    public struct Step: Sendable {
        /// The epoch and the step's index in it (both from 0), and the number of steps in the
        /// epoch.
        public var epoch: Int, step: Int, stepsInEpoch: Int
        /// The batch's loss, how many of its examples were classified correctly (before the
        /// update), and its size.
        public var loss: Double, correct: Int, count: Int
        /// The learning rate of the step.
        public var learningRate: Double
    }

    /// One epoch's summary.
    public struct Epoch: Sendable {
        /// The epoch's index, from 0.
        public var epoch: Int
        /// The mean of the steps' losses, weighted by batch size.
        public var loss: Double
        /// Accuracy over the epoch's batches, measured before each update.
        public var trainAccuracy: Double
        /// Accuracy on the test set after the epoch, in evaluation mode; nil without a test set.
        public var testAccuracy: Double?
        /// Wall-clock seconds the epoch took, the test set's evaluation included.
        public var seconds: Double
    }

    /// One training step on a batch: returns the loss, the number classified correctly, and
    /// applies the update.
    ///
    /// Data from outside is checked first, and a mismatch is thrown before anything changes: a
    /// label outside `0..<classes` (or `0...1` for one score), a label count that is not the
    /// batch's, an input shape the model cannot take (``Layer/outputShape(forInput:)``, checked
    /// once per shape).
    public func step(inputs: NDArray<Scalar>, labels: [Int]) throws -> (loss: Double, correct: Int) {
        try validate(inputs: inputs, labels: labels)
        let rate = schedule?.learningRate(at: stepsTaken)
        if let rate { optimizer.learningRate = rate }
        let targets: NDArray<Scalar> = loss.targets(labels: labels, classes: classes)
        var gradients: [NDArray<Scalar>?]
        let value: Double, output: NDArray<Scalar>
        switch mode {
        case .dynamic:
            let prediction = model(Tensor(inputs))
            let objective = loss(prediction, Tensor(targets), parameters: model.parameters)
            model.zeroGrad()
            objective.backward()
            gradients = model.parameters.map(\.grad)
            (value, output) = (Double(objective.scalar), prediction.data)
        case .static:
            let result = try compiled.trainingStep(inputs: inputs, targets: targets)
            gradients = result.gradients
            (value, output) = (Double(result.loss), result.output)
        }
        guard value.isFinite else { throw TrainingError.nonFiniteLoss(step: stepsTaken, loss: value) }
        if let maxGradientNorm { clipGradientNorm(&gradients, maxNorm: maxGradientNorm) }
        optimizer.step(gradients: gradients)
        stepsTaken += 1
        return (value, Self.correct(output, labels))
    }

    private func validate(inputs: NDArray<Scalar>, labels: [Int]) throws {
        let labelCount = Swift.max(classes, 2)
        if let position = labels.firstIndex(where: { $0 < 0 || $0 >= labelCount }) {
            throw TrainingError.labelOutOfRange(label: labels[position], position: position, classes: labelCount)
        }
        guard inputs.rank >= 1, inputs.shape[0] == labels.count else {
            throw TrainingError.invalidOption("a batch of inputs \(inputs.shape) has \(labels.count) labels")
        }
        if !validatedInputShapes.contains(inputs.shape) {
            _ = try model.outputShape(forInput: inputs.shape)
            validatedInputShapes.insert(inputs.shape)
        }
    }

    /// Trains for `epochs` epochs; `onStep` and `onEpoch` are called as they end.
    ///
    /// `stopRequested` is asked after every step but the run's last: when it answers true,
    /// training stops there, at the end of that step, and `fit` returns the epochs finished
    /// (an epoch cut short is not in the history; its steps are in ``stepsTaken`` and in the
    /// model). Set it from a SIGINT handler to make Ctrl-C stop cleanly.
    @discardableResult
    public func fit(_ train: Dataset<Scalar>, test: Dataset<Scalar>? = nil, epochs: Int, batchSize: Int, seed: UInt64,
                    onStep: (Step) -> Void = { _ in }, onEpoch: (Epoch) -> Void = { _ in },
                    stopRequested: () -> Bool = { false }) throws -> [Epoch] {
        guard epochs > 0 else { throw TrainingError.invalidOption("epochs must be positive, got \(epochs)") }
        guard train.count > 0 else { throw TrainingError.invalidOption("the training set is empty") }
        let loader: BatchLoader<Scalar>
        do { loader = try BatchLoader(train, batchSize: batchSize, shuffle: true, seed: seed) } catch {
            throw TrainingError.invalidOption(error.description)
        }
        var history: [Epoch] = []
        for epoch in 0..<epochs {
            let start = monotonicSeconds()
            model.train()
            let batches = loader.batches(epoch: epoch)
            var lossSum = 0.0, correct = 0, seen = 0
            for (k, batch) in batches.enumerated() {
                let rate = schedule?.learningRate(at: stepsTaken) ?? optimizer.learningRate
                let result = try step(inputs: batch.inputs, labels: batch.labels)
                lossSum += result.loss * Double(batch.count)
                correct += result.correct
                seen += batch.count
                onStep(Step(epoch: epoch, step: k, stepsInEpoch: batches.count, loss: result.loss, correct: result.correct,
                            count: batch.count, learningRate: rate))
                if k + 1 < batches.count, stopRequested() { return history }
            }
            let testAccuracy = try test.map { try evaluate($0).accuracy }
            let summary = Epoch(epoch: epoch, loss: lossSum / Double(seen), trainAccuracy: Double(correct) / Double(seen),
                                testAccuracy: testAccuracy, seconds: monotonicSeconds() - start)
            history.append(summary)
            onEpoch(summary)
            if epoch + 1 < epochs, stopRequested() { return history }
        }
        return history
    }

    /// The model's outputs on `inputs` in evaluation mode, in batches of `batchSize`.
    public func predict(_ inputs: NDArray<Scalar>, batchSize: Int = 512) throws -> NDArray<Scalar> {
        try model.withMode(training: false) { try predictBatches(inputs, batchSize: batchSize) }
    }

    private func predictBatches(_ inputs: NDArray<Scalar>, batchSize: Int) throws -> NDArray<Scalar> {
        let count = inputs.shape[0]
        var outputs: [NDArray<Scalar>] = []
        var start = 0
        while start < count {
            let end = Swift.min(count, start + batchSize)
            let batch = inputs.slice([start..<end])
            switch mode {
            case .dynamic: outputs.append(withoutRecording { model(Tensor(batch)) }.data)
            case .static: outputs.append(try compiled.predict(batch))
            }
            start = end
        }
        return NDArray.concatenate(outputs, axis: 0)
    }

    /// Accuracy and predicted classes on a data set, in evaluation mode.
    public func evaluate(_ dataset: Dataset<Scalar>) throws -> (accuracy: Double, predictions: [Int]) {
        let predictions = Self.classes(of: try predict(dataset.inputs))
        let correct = zip(predictions, dataset.labels).filter { $0 == $1 }.count
        return (Double(correct) / Double(Swift.max(1, dataset.count)), predictions)
    }

    /// The predicted class of each output row: the largest entry, or for a single score, 1
    /// when it is positive.
    public static func classes(of output: NDArray<Scalar>) -> [Int] {
        let rows = output.shape[0], width = output.count / Swift.max(1, rows)
        return (0..<rows).map { i in
            let row = output.scalars[i * width..<(i + 1) * width]
            if width == 1 { return row.first! > 0 ? 1 : 0 }
            return row.indices.max { row[$0] < row[$1] }! - i * width
        }
    }

    static func correct(_ output: NDArray<Scalar>, _ labels: [Int]) -> Int {
        zip(classes(of: output), labels).filter { $0 == $1 }.count
    }
}

/// What stops training.
public enum TrainingError: Error, Equatable, CustomStringConvertible {
    /// The loss became ±∞ or NaN at `step` (counted from 0); the learning rate may be too
    /// high.
    case nonFiniteLoss(step: Int, loss: Double)
    /// A numeric option outside the values a run accepts: the option, the value given, and
    /// the values allowed ("between 1 and 1000000").
    case optionOutOfRange(option: String, value: String, allowed: String)
    /// Options a run does not accept together, or data it cannot use (an empty training set,
    /// a batch whose label count is not its size); the message says which.
    case invalidOption(String)
    /// A label at `position` in a batch is not a class in `0..<classes`.
    case labelOutOfRange(label: Int, position: Int, classes: Int)

    /// The message for people, naming the option, the value or the step at fault.
    public var description: String {
        switch self {
        case .labelOutOfRange(let label, let position, let classes):
            "label \(label) at position \(position) of the batch is not a class in 0..<\(classes)"
        case .nonFiniteLoss(let step, let loss):
            "the loss became \(loss) at step \(step): the learning rate may be too high (try a smaller --lr)"
        case .optionOutOfRange(let option, let value, let allowed):
            "\(option) must be \(allowed), got \(value)"
        case .invalidOption(let message): message
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Seconds from a monotonic clock.
func monotonicSeconds() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
}
