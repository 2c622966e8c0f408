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
    /// The model's parameters, listed once (as the optimiser and the compiled program list
    /// them): finding them walks the model by reflection, too slow to repeat every step.
    private let parameters: [Tensor<Scalar>]
    /// The steps taken so far (by ``step(inputs:labels:)``, which `fit` calls): the position
    /// in ``schedule``.
    public private(set) var stepsTaken = 0
    /// The ranks this trainer's model is replicated on, once ``distribute(over:bucketBytes:)``
    /// has been called; nil for training in one process.
    public private(set) var dataParallel: DataParallel<Scalar>?
    private var validatedInputShapes: Set<Shape> = []

    /// A trainer of `model` for `classes` classes (1: a single score, positive for class 1)
    /// that minimises `loss` with `optimizer`. `classes` < 1 stops (a programmer error).
    public init(model: Model, loss: Loss, optimizer: any Optimizer<Scalar>, mode: ExecutionMode = .dynamic, classes: Int) {
        require(classes >= 1, "Trainer: classes must be ≥ 1")
        self.model = model
        self.parameters = model.parameters
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
    ///
    /// After ``distribute(over:bucketBytes:)``, every rank calls it together with its own share
    /// of a global batch (possibly empty); the gradients are averaged over the whole batch
    /// (``DataParallel``), and the loss and count returned are the global batch's. A share
    /// refused on one rank makes every rank throw ``DataParallelError/failed(ranks:message:)``.
    public func step(inputs: NDArray<Scalar>, labels: [Int]) throws -> (loss: Double, correct: Int) {
        let result = try takeStep(inputs: inputs, labels: labels, stopRequested: false)
        return (result.loss, result.correct)
    }

    /// A step's figures: over the global batch when distributed.
    private struct StepResult {
        var loss: Double, correct: Int, count: Int, stopRequested: Bool
    }

    private func takeStep(inputs: NDArray<Scalar>, labels: [Int], stopRequested: Bool) throws -> StepResult {
        let rate = schedule?.learningRate(at: stepsTaken)
        if let rate { optimizer.learningRate = rate }
        var gradients: [NDArray<Scalar>?]
        var result = StepResult(loss: 0, correct: 0, count: labels.count, stopRequested: stopRequested)
        var failure: (any Error)?
        do {
            if let dataParallel, labels.isEmpty, inputs.rank >= 1, inputs.shape[0] == 0 {
                // A rank's share of a batch smaller than the number of ranks may be empty: it
                // computes nothing and contributes zeros.
                gradients = Array(repeating: nil, count: dataParallel.parameters.count)
            } else {
                try validate(inputs: inputs, labels: labels)
                let output: NDArray<Scalar>
                (gradients, result.loss, output) = try localGradients(inputs: inputs, labels: labels)
                result.correct = Self.correct(output, labels)
            }
        } catch {
            gradients = Array(repeating: nil, count: dataParallel?.parameters.count ?? 0)
            guard dataParallel != nil else { throw error }
            failure = error
        }
        if let dataParallel {
            let global = try dataParallel.synchronize(&gradients, count: labels.count, loss: result.loss, correct: result.correct,
                                                      stopRequested: stopRequested, failure: failure)
            result = StepResult(loss: global.loss, correct: global.correct, count: global.count, stopRequested: global.stopRequested)
            if mode == .dynamic {
                // As DistributedDataParallel: each parameter's grad holds the averaged gradient.
                for (parameter, gradient) in zip(dataParallel.parameters, gradients) { parameter.grad = gradient }
            }
        }
        guard result.loss.isFinite else { throw TrainingError.nonFiniteLoss(step: stepsTaken, loss: result.loss) }
        if let maxGradientNorm { clipGradientNorm(&gradients, maxNorm: maxGradientNorm) }
        optimizer.step(gradients: gradients)
        stepsTaken += 1
        return result
    }

    /// The loss of `inputs` against `labels`, the gradients of the parameters and the outputs,
    /// on this process alone.
    private func localGradients(inputs: NDArray<Scalar>, labels: [Int]) throws -> ([NDArray<Scalar>?], Double, NDArray<Scalar>) {
        let targets: NDArray<Scalar> = loss.targets(labels: labels, classes: classes)
        switch mode {
        case .dynamic:
            let prediction = model(Tensor(inputs))
            let objective = loss(prediction, Tensor(targets), parameters: parameters)
            for parameter in parameters { parameter.zeroGrad() }
            objective.backward()
            return (parameters.map(\.grad), Double(objective.scalar), prediction.data)
        case .static:
            let result = try compiled.trainingStep(inputs: inputs, targets: targets)
            return (result.gradients, Double(result.loss), result.output)
        }
    }

    /// Makes this trainer one replica of data-parallel training over `communicator`'s ranks
    /// (see ``DataParallel``): every rank calls it, with the same model, and every rank's
    /// parameters become rank 0's now. From then on ``fit(_:test:epochs:batchSize:seed:onStep:onEpoch:stopRequested:)``
    /// gives each rank its share of every global batch, and ``step(inputs:labels:)`` averages
    /// the gradients across the ranks (in buckets of `bucketBytes`) before the optimiser's
    /// step, which sees the same gradients on every rank.
    public func distribute(over communicator: any Communicator, bucketBytes: Int = DataParallel<Scalar>.defaultBucketBytes) throws {
        let replicas = DataParallel(parameters, over: communicator, bucketBytes: bucketBytes)
        try replicas.broadcastParameters()
        dataParallel = replicas
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
    ///
    /// After ``distribute(over:bucketBytes:)``, every rank calls `fit` with the same arguments
    /// (checked first: the data set's size and shape, batch size, epochs and seed; a difference
    /// throws ``DataParallelError/optionsDiffer(ranks:reference:local:)`` on every rank).
    /// `batchSize` is the global batch: each epoch's shuffled order is cut into the same
    /// batches as in one process and each rank trains on its share of each
    /// (``DataParallel/shard(ofBatchOf:)``), so the run follows the one-process run up to the
    /// order of summation. The steps and epochs reported are the global batch's, on every rank;
    /// `stopRequested` is asked during each step and a request on any rank stops every rank
    /// after that step; at the end of each epoch the ranks check that their parameters are
    /// still identical (``DataParallel/checkReplicasAgree(step:)``). Every rank evaluates the
    /// whole test set.
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
        if let dataParallel {
            try dataParallel.communicator.requireSameOptions(
                "training set \(train.inputs.shape), test set \(test.map { "\($0.inputs.shape)" } ?? "none") --epochs \(epochs) --batch-size \(batchSize) --seed \(seed)")
            // Every share is then checked beforehand, on every rank alike.
            try dataParallel.communicator.collectively { try validate(inputs: train.inputs, labels: train.labels) }
        }
        var history: [Epoch] = []
        for epoch in 0..<epochs {
            let start = monotonicSeconds()
            model.train()
            let order = loader.order(epoch: epoch)
            let batchCount = loader.numberOfBatches
            var lossSum = 0.0, correct = 0, seen = 0, stopAgreed = false
            for k in 0..<batchCount {
                let batch = order[k * batchSize..<Swift.min((k + 1) * batchSize, order.count)]
                let examples = train[dataParallel.map { replicas in replicas.shard(ofBatchOf: batch.count).map { batch[batch.startIndex + $0] } } ?? Array(batch)]
                let rate = schedule?.learningRate(at: stepsTaken) ?? optimizer.learningRate
                let isLastOfRun = epoch + 1 == epochs && k + 1 == batchCount
                let result = try takeStep(inputs: examples.inputs, labels: examples.labels,
                                          stopRequested: dataParallel != nil && !isLastOfRun && stopRequested())
                lossSum += result.loss * Double(result.count)
                correct += result.correct
                seen += result.count
                onStep(Step(epoch: epoch, step: k, stepsInEpoch: batchCount, loss: result.loss, correct: result.correct,
                            count: result.count, learningRate: rate))
                if k + 1 < batchCount {
                    if dataParallel != nil ? result.stopRequested : stopRequested() { return history }
                } else {
                    stopAgreed = result.stopRequested
                }
            }
            try dataParallel?.checkReplicasAgree(step: stepsTaken)
            let testAccuracy = try test.map { try evaluate($0).accuracy }
            let summary = Epoch(epoch: epoch, loss: lossSum / Double(seen), trainAccuracy: Double(correct) / Double(seen),
                                testAccuracy: testAccuracy, seconds: monotonicSeconds() - start)
            history.append(summary)
            onEpoch(summary)
            if epoch + 1 < epochs, dataParallel != nil ? stopAgreed : stopRequested() { return history }
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
