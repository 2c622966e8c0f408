/// The training runs `nabla train` offers, as a library API: micrograd's moons demo and the
/// 8×8 digits, with the defaults that reach their targets. The command-line tool only parses
/// options into an ``Experiment`` and shows its events.
public struct Experiment: Sendable {
    /// The data a run trains on (`nabla train`'s first argument).
    public enum Task: String, Sendable, CaseIterable {
        /// micrograd's demo: 100 points on two interleaved half-circles (noise 0.1, always the
        /// same points), two classes, no test set.
        case moons
        /// The 8×8 handwritten digits (``Digits``): 1,437 training and 360 test images, ten
        /// classes.
        case digits
    }

    /// What the model computes with (`--engine`).
    public enum Engine: String, Sendable, CaseIterable {
        /// ``Tensor``s: float64 for moons, float32 for digits, in either ``ExecutionMode``.
        case tensor
        /// micrograd's engine, one ``Value`` per number (``ScalarMLP``): moons only, full-batch
        /// SGD, dynamic mode.
        case scalar
    }

    /// The model trained (`--model`).
    public enum Architecture: String, Sendable, CaseIterable {
        /// A multilayer perceptron with ReLU between layers: 2-16-16-1 for moons, 64-128-128-10
        /// for digits.
        case mlp
        /// Digits only: two 3×3 convolutions (1→16, 16→32 channels, padding 1), each with ReLU and
        /// 2×2 max pooling, then a linear layer 128→10 (see ``digitsModel(_:seed:)``).
        case cnn
    }

    /// The optimiser (`--optimizer`): the run's learning rate, and PyTorch's defaults for the
    /// rest unless said otherwise below.
    public enum OptimizerKind: String, Sendable, CaseIterable {
        /// ``SGD`` without momentum: w ← w − η·∇.
        case sgd
        /// ``SGD`` with momentum μ = 0.9.
        case momentum
        /// ``Adam``.
        case adam
        /// ``AdamW``: Adam with decoupled weight decay λ = 0.01.
        case adamw
        /// ``RMSprop``.
        case rmsprop
    }

    /// The data; ``init(task:architecture:)`` chose the other options' defaults for it, and
    /// changing it afterwards changes none of them.
    public var task: Task
    /// The engine: tensors (the default), or micrograd's scalar engine for moons.
    public var engine: Engine = .tensor
    /// The model: the MLP (the default), or the CNN for digits.
    public var architecture: Architecture = .mlp
    /// Dynamic graphs (the default) or compiled static programs; static mode needs the tensor
    /// engine.
    public var mode: ExecutionMode = .dynamic
    /// Passes over the training set, in ``epochRange``. Default: 100 for moons (one full-batch
    /// step each), 15 for digits.
    public var epochs: Int
    /// Examples per step, in ``batchSizeRange``; the last batch of an epoch may be smaller.
    /// Default: 100 for moons (the whole set; the scalar engine takes only that), 32 for digits.
    public var batchSize: Int
    /// The learning rate the run starts from, positive and finite. Default:
    /// ``defaultLearningRate(task:architecture:optimizer:)``. Moons with SGD decays it linearly
    /// to a tenth over the run, digits anneals it (cosine) to 0, moons with another optimiser
    /// keeps it.
    public var learningRate: Double
    /// The optimiser. Default: SGD for moons, Adam for digits. Setting it leaves
    /// ``learningRate`` as it is; ``use(_:)`` sets both.
    public var optimizer: OptimizerKind
    /// Seeds the initial weights and the order of the batches. Default: 1337 for moons
    /// (micrograd's), 0 for digits. The moons points do not depend on it.
    public var seed: UInt64

    /// The defaults for `task`: for moons, micrograd's demo (100 full-batch SGD steps from rate
    /// 1.0 decaying linearly to 0.1, max-margin loss plus 1e-4·L2, weights from seed 1337); for
    /// digits, Adam in batches of 32 for 15 epochs, the rate annealed (cosine) from 1e-2 (MLP
    /// 64-128-128-10) or 5e-3 (the CNN) to 0. Over seeds 0–4 these reached 97.2–98.1% (MLP)
    /// and 98.3–99.4% (CNN) test accuracy.
    public init(task: Task, architecture: Architecture = .mlp) {
        self.task = task
        self.architecture = architecture
        switch task {
        case .moons:
            (epochs, batchSize, optimizer, seed) = (100, 100, .sgd, 1337)
        case .digits:
            (epochs, batchSize, optimizer, seed) = (15, 32, .adam, 0)
        }
        learningRate = Self.defaultLearningRate(task: task, architecture: architecture, optimizer: optimizer)
    }

    /// A learning rate that trains well with `optimizer` on this task (the defaults use it):
    /// plain SGD needs a much larger step than Adam.
    public static func defaultLearningRate(task: Task, architecture: Architecture = .mlp, optimizer: OptimizerKind) -> Double {
        switch (task, optimizer) {
        case (.moons, .sgd): 1.0
        case (.moons, .momentum): 0.1
        case (.moons, .adam), (.moons, .adamw): 0.05
        case (.moons, .rmsprop): 0.01
        case (.digits, .sgd): 0.3
        case (.digits, .momentum): 0.05
        case (.digits, .adam), (.digits, .adamw), (.digits, .rmsprop): architecture == .cnn ? 5e-3 : 1e-2
        }
    }

    /// The epochs a run may have: at most a million (for moons, a million full-batch steps),
    /// so that every count in a run (epochs × steps per epoch, the schedule's length) fits.
    public static let epochRange = 1...1_000_000
    /// The batch sizes a run may have; a batch larger than the training set takes all of it.
    public static let batchSizeRange = 1...1_000_000

    /// Chooses `optimizer` with its default learning rate for this task.
    public mutating func use(_ optimizer: OptimizerKind) {
        self.optimizer = optimizer
        learningRate = Self.defaultLearningRate(task: task, architecture: architecture, optimizer: optimizer)
    }

    /// Something that happened during a run.
    public enum Event: Sendable {
        /// A run is starting: a description of the model and data, and the number of epochs and
        /// steps per epoch.
        case start(description: String, epochs: Int, stepsPerEpoch: Int)
        /// A step ended: its epoch and its index in the epoch (both from 0), the steps per
        /// epoch, the batch's loss, and the fraction of the batch classified correctly before
        /// the update.
        case step(epoch: Int, step: Int, stepsPerEpoch: Int, loss: Double, accuracy: Double)
        /// An epoch ended (counted from 0): the mean of its steps' losses weighted by batch
        /// size, the accuracy over its batches (each measured before its update), and the
        /// accuracy on the test set after it (digits; nil for moons).
        case epoch(epoch: Int, loss: Double, trainAccuracy: Double, testAccuracy: Double?)
    }

    /// What a finished run gives: the per-epoch history, the final accuracies, and what the
    /// plots need.
    public struct Outcome: Sendable {
        /// Each finished epoch's loss, as in ``Event/epoch(epoch:loss:trainAccuracy:testAccuracy:)``.
        public var losses: [Double] = []
        /// Each finished epoch's training accuracy, over its batches before each update.
        public var trainAccuracies: [Double] = []
        /// Each finished epoch's test accuracy (digits; empty for moons).
        public var testAccuracies: [Double] = []
        /// The final model's accuracy on the whole training set.
        public var finalTrainAccuracy = 0.0
        /// The final model's accuracy on the test set (digits; nil for moons).
        public var finalTestAccuracy: Double?
        /// Wall-clock seconds of the whole run, loading the data included.
        public var seconds = 0.0
        /// The optimiser steps taken.
        public var steps = 0
        /// Digits: the confusion matrix on the test set (rows true, columns predicted).
        public var confusion: [[Int]]?
        /// Whether the run stopped early, at a request (see ``run(_:stopRequested:)``), rather
        /// than after all its epochs. The history then holds the epochs finished; the model,
        /// the accuracies and ``state`` are those after the last step taken.
        public var stopped = false
        /// Moons: the training points, each `[x, y]`.
        public var points: [[Double]]?
        /// Moons: each point's class, 0 (outer moon) or 1 (inner moon).
        public var labels: [Int]?
        /// Moons: the final model's score on a 60×60 grid over the points' bounding box, widened
        /// by 0.5 on every side: `scores[i][j]` is the score at (`xs[j]`, `ys[i]`), positive for
        /// class 1.
        public var grid: (xs: [Double], ys: [Double], scores: [[Double]])?
        /// The trained parameters under PyTorch's names (for --save).
        public var state: SafeTensors?
    }

    /// Runs the experiment, reporting events as they happen.
    ///
    /// `stopRequested` is asked after every step but the last; once it answers true the run
    /// stops there, at the end of that step, and returns what it has so far
    /// (``Outcome/stopped`` set): the finished epochs' history, the accuracies and weights
    /// after the last step. A program sets it from its SIGINT handler, so that Ctrl-C keeps
    /// the work done.
    ///
    /// Every option is checked first, by ``validate()``.
    public func run(_ observe: (Event) -> Void = { _ in }, stopRequested: () -> Bool = { false }) throws -> Outcome {
        try run(observe, stopRequested: stopRequested, communicator: nil)
    }

    /// Runs the experiment data-parallel over `communicator`'s ranks (`nabla train
    /// --distributed` under `mpirun`), every rank calling it with the same options; nil runs
    /// it in this process alone, as ``run(_:stopRequested:)``.
    ///
    /// The ranks first check that their options are the same (``commandLine``; otherwise every
    /// rank throws ``DataParallelError/optionsDiffer(ranks:reference:local:)``), then build the
    /// model, take rank 0's parameters and train as ``Trainer/fit(_:test:epochs:batchSize:seed:onStep:onEpoch:stopRequested:)``
    /// does after ``Trainer/distribute(over:bucketBytes:)``: ``batchSize`` stays the global
    /// batch, split among the ranks, so the run trains the model one process would, up to the
    /// order of summation. Every rank reports the same events and returns the same outcome.
    /// The tensor engine only (the scalar engine trains in one process). Every error other
    /// than the communicator's own is thrown on every rank alike.
    public func run(_ observe: (Event) -> Void = { _ in }, stopRequested: () -> Bool = { false },
                    communicator: (any Communicator)?) throws -> Outcome {
        if let communicator {
            try communicator.requireSameOptions(commandLine)
            if engine == .scalar {
                throw TrainingError.invalidOption("--distributed trains tensor models: the scalar engine runs in one process (leave out --engine scalar)")
            }
        }
        try validate()
        let start = monotonicSeconds()
        var outcome: Outcome
        switch (task, engine) {
        case (.moons, .scalar): outcome = try runMoonsScalar(stopRequested, observe)
        case (.moons, .tensor): outcome = try runMoonsTensor(stopRequested, observe, communicator)
        case (.digits, _): outcome = try runDigits(stopRequested, observe, communicator)
        }
        outcome.seconds = monotonicSeconds() - start
        return outcome
    }

    /// The options as `nabla train` spells them, every one written out:
    /// `digits --engine tensor --model mlp --mode dynamic --epochs 15 --batch-size 32 --lr 0.01
    /// --optimizer adam --seed 0`. Ranks of a distributed run compare it.
    public var commandLine: String {
        "\(task) --engine \(engine) --model \(architecture) --mode \(mode) --epochs \(epochs) --batch-size \(batchSize) "
            + "--lr \(NumberFormat.shortest(learningRate)) --optimizer \(optimizer) --seed \(seed)"
    }

    /// Checks the options, as ``run(_:stopRequested:)`` does before it starts (a command line
    /// checks them before anything else): ``epochs`` in ``epochRange``, ``batchSize`` in
    /// ``batchSizeRange``, ``learningRate`` positive and finite, and the combinations that
    /// exist (the CNN is for digits, the scalar engine for moons and only in dynamic mode).
    /// The errors name the options as `nabla train` spells them.
    public func validate() throws(TrainingError) {
        guard Self.epochRange.contains(epochs) else {
            throw .optionOutOfRange(option: "--epochs", value: "\(epochs)", allowed: Self.describe(Self.epochRange))
        }
        guard Self.batchSizeRange.contains(batchSize) else {
            throw .optionOutOfRange(option: "--batch-size", value: "\(batchSize)", allowed: Self.describe(Self.batchSizeRange))
        }
        guard learningRate > 0, learningRate.isFinite else {
            throw .optionOutOfRange(option: "--lr", value: NumberFormat.shortest(learningRate), allowed: "a positive number")
        }
        if task == .moons, architecture == .cnn {
            throw .invalidOption("--model cnn is for digits (moons trains micrograd's 2-16-16-1 MLP)")
        }
        if task == .digits, engine == .scalar {
            throw .invalidOption("--engine scalar trains the moons demo only (digits needs tensors)")
        }
        if engine == .scalar, mode == .static {
            throw .invalidOption("--mode static compiles tensor programs; the scalar engine records a dynamic graph, as micrograd")
        }
    }

    /// Checks a file name for the plot (`--plot`): plots are SVG, so the name must end in `.svg`
    /// (in any case), not `.png` or `.pdf`, which would hold SVG under a misleading name.
    public static func validatePlotPath(_ path: String) throws(TrainingError) {
        guard path.lowercased().hasSuffix(".svg") else {
            throw .invalidOption("--plot writes SVG only: give a file name ending in .svg (got '\(path)')")
        }
    }

    private static func describe(_ range: ClosedRange<Int>) -> String {
        "between \(range.lowerBound) and \(range.upperBound)"
    }

    // MARK: Moons

    /// The learning-rate schedule of this run, whose epochs have `stepsPerEpoch` steps; it spans
    /// the run's real length, epochs × steps per epoch. Moons with SGD: micrograd's linear
    /// decay from the rate to a tenth of it (over the default 100 steps, 1.0 − 0.9·k/100);
    /// digits: cosine annealing from the rate to 0; moons with another optimiser: none.
    func learningRateSchedule(stepsPerEpoch: Int) -> (any LearningRateSchedule)? {
        let steps = epochs * stepsPerEpoch  // at most 10⁶ epochs × 1,437 steps (run() checks the epochs)
        switch task {
        case .moons: return optimizer == .sgd ? LinearDecay(initial: learningRate, by: 0.9, over: steps) : nil
        case .digits: return CosineAnnealing(initial: learningRate, period: steps)
        }
    }

    private func runMoonsScalar(_ stopRequested: () -> Bool, _ observe: (Event) -> Void) throws -> Outcome {
        guard optimizer == .sgd, batchSize == 100 else {
            throw TrainingError.invalidOption("--engine scalar runs micrograd's demo as micrograd does: full-batch SGD (no --optimizer or --batch-size)")
        }
        let (points, signs) = TwoMoons.generate(count: 100, noise: 0.1, seed: 42)
        let model = ScalarMLP(2, [16, 16, 1], seed: seed)
        observe(.start(description: "micrograd's MLP 2-16-16-1 on the scalar engine (\(model.parameters.count) parameters, one graph node per number), 100 moons",
                       epochs: epochs, stepsPerEpoch: 1))
        var outcome = Outcome()
        let schedule = learningRateSchedule(stepsPerEpoch: 1)!
        for k in 0..<epochs {
            let (loss, accuracy) = MicrogradDemo.step(model, points: points, labels: signs, step: k, engine: .value,
                                                      learningRate: schedule.learningRate(at: k))
            guard loss.isFinite else { throw TrainingError.nonFiniteLoss(step: k, loss: loss) }
            outcome.losses.append(loss)
            outcome.trainAccuracies.append(accuracy)
            observe(.step(epoch: k, step: 0, stepsPerEpoch: 1, loss: loss, accuracy: accuracy))
            observe(.epoch(epoch: k, loss: loss, trainAccuracy: accuracy, testAccuracy: nil))
            outcome.steps = k + 1
            if k + 1 < epochs, stopRequested() {
                outcome.stopped = true
                break
            }
        }
        let final = points.map { model($0.map { Value($0) })[0].data }
        outcome.finalTrainAccuracy = MicrogradDemo.accuracy(scores: final, labels: signs)
        outcome.points = points
        outcome.labels = signs.map { $0 > 0 ? 1 : 0 }
        outcome.grid = Self.grid(around: points) { xy in model(xy.map { Value($0) })[0].data }
        var state = SafeTensors(metadata: ["format": "pt"])
        for k in 0..<model.sizes.count - 1 {
            let (weight, bias) = model.layer(k)
            state.set("\(2 * k).weight", NDArray<Double>(weight))
            state.set("\(2 * k).bias", NDArray<Double>(bias))
        }
        outcome.state = state
        return outcome
    }

    private func runMoonsTensor(_ stopRequested: () -> Bool, _ observe: (Event) -> Void, _ communicator: (any Communicator)?) throws -> Outcome {
        let data = TwoMoons.dataset(count: 100, noise: 0.1, seed: 42, as: Double.self)
        let model = MicrogradDemo.tensorModel(from: ScalarMLP(2, [16, 16, 1], seed: seed), as: Double.self)
        let trainer = Trainer(model: model, loss: .hinge(l2: MicrogradDemo.alpha), optimizer: makeOptimizer(model.parameters),
                              mode: mode, classes: 1)
        trainer.schedule = learningRateSchedule(stepsPerEpoch: 1)
        if let communicator { try trainer.distribute(over: communicator) }
        var outcome = try fit(trainer, data, test: nil,
                              description: "MLP 2-16-16-1 (\(model.parameterCount) parameters) on float64 tensors, \(mode), 100 moons" + Self.replication(communicator),
                              stopRequested, observe)
        outcome.points = (0..<data.count).map { i in [data.inputs.scalars[2 * i], data.inputs.scalars[2 * i + 1]] }
        outcome.labels = data.labels
        let gridSide = 60
        let grid = Self.grid(around: outcome.points!, side: gridSide) { _ in 0 }
        let inputs = NDArray<Double>(shape: [gridSide * gridSide, 2], checkedScalars: grid.ys.flatMap { y in grid.xs.flatMap { [$0, y] } })
        let scores = try trainer.predict(inputs).scalars
        outcome.grid = (grid.xs, grid.ys, (0..<gridSide).map { r in Array(scores[r * gridSide..<(r + 1) * gridSide]) })
        outcome.state = model.stateDict()
        return outcome
    }

    // MARK: Digits

    private func runDigits(_ stopRequested: () -> Bool, _ observe: (Event) -> Void, _ communicator: (any Communicator)?) throws -> Outcome {
        func load() throws -> Digits {
            do { return try Digits.load() } catch { throw TrainingError.invalidOption("cannot load the digits data: \(error)") }
        }
        // Distributed, a rank that cannot read the data must not leave the others waiting.
        let digits = try communicator.map { try $0.collectively(load) } ?? load()
        let (train, test) = digits.split(asImages: architecture == .cnn)
        let model = Self.digitsModel(architecture, seed: seed)
        let trainer = Trainer(model: model, loss: .crossEntropy(), optimizer: makeOptimizer(model.parameters), mode: mode, classes: 10)
        trainer.schedule = learningRateSchedule(stepsPerEpoch: Self.stepsPerEpoch(train.count, batchSize: batchSize))
        if let communicator { try trainer.distribute(over: communicator) }
        let name = architecture == .cnn ? "CNN conv(1→16)-pool-conv(16→32)-pool-linear(128→10)" : "MLP 64-128-128-10"
        var outcome = try fit(trainer, train, test: test,
                              description: "\(name) (\(model.parameterCount) parameters), \(mode), digits: \(train.count) training and \(test.count) test images"
                                  + Self.replication(communicator),
                              stopRequested, observe)
        let predictions = try trainer.evaluate(test).predictions
        var confusion = Array(repeating: Array(repeating: 0, count: 10), count: 10)
        for (truth, guess) in zip(test.labels, predictions) { confusion[truth][guess] += 1 }
        outcome.confusion = confusion
        outcome.state = model.stateDict()
        return outcome
    }

    /// The digits models: the MLP 64-128-128-10, or a small CNN on the 1×8×8 images.
    public static func digitsModel(_ architecture: Architecture, seed: UInt64) -> Sequential<Float> {
        switch architecture {
        case .mlp:
            return .mlp([64, 128, 128, 10], seed: seed)
        case .cnn:
            var generator = SeededGenerator(seed: seed)
            return Sequential<Float>(
                Conv2d<Float>(1, 16, kernelSize: (3, 3), padding: (1, 1), generator: &generator), ReLU<Float>(), MaxPool2d<Float>(kernelSize: 2),
                Conv2d<Float>(16, 32, kernelSize: (3, 3), padding: (1, 1), generator: &generator), ReLU<Float>(), MaxPool2d<Float>(kernelSize: 2),
                Flatten<Float>(), Linear<Float>(32 * 2 * 2, 10, generator: &generator))
        }
    }

    // MARK: Shared

    /// For a run's description: how it is spread over the ranks ("" in one process).
    private static func replication(_ communicator: (any Communicator)?) -> String {
        guard let communicator else { return "" }
        let ranks = communicator.size == 1 ? "1 process" : "\(communicator.size) processes"
        return ", data-parallel over \(ranks) (each batch split among them)"
    }

    private func makeOptimizer<Scalar: TensorScalar>(_ parameters: [Tensor<Scalar>]) -> any Optimizer<Scalar> {
        switch optimizer {
        case .sgd: SGD(parameters, learningRate: learningRate)
        case .momentum: SGD(parameters, learningRate: learningRate, momentum: 0.9)
        case .adam: Adam(parameters, learningRate: learningRate)
        case .adamw: AdamW(parameters, learningRate: learningRate)
        case .rmsprop: RMSprop(parameters, learningRate: learningRate)
        }
    }

    /// ⌈count / batchSize⌉, without overflow for any batch size.
    static func stepsPerEpoch(_ count: Int, batchSize: Int) -> Int {
        count / batchSize + (count % batchSize == 0 ? 0 : 1)
    }

    private func fit<Model: Layer>(_ trainer: Trainer<Model>, _ train: Dataset<Model.Scalar>, test: Dataset<Model.Scalar>?,
                                   description: String, _ stopRequested: () -> Bool, _ observe: (Event) -> Void) throws -> Outcome {
        let stepsPerEpoch = Self.stepsPerEpoch(train.count, batchSize: batchSize)
        observe(.start(description: description, epochs: epochs, stepsPerEpoch: stepsPerEpoch))
        var outcome = Outcome()
        let history = try trainer.fit(train, test: test, epochs: epochs, batchSize: batchSize, seed: seed, onStep: { step in
            observe(.step(epoch: step.epoch, step: step.step, stepsPerEpoch: step.stepsInEpoch, loss: step.loss,
                          accuracy: Double(step.correct) / Double(step.count)))
        }, onEpoch: { epoch in
            observe(.epoch(epoch: epoch.epoch, loss: epoch.loss, trainAccuracy: epoch.trainAccuracy, testAccuracy: epoch.testAccuracy))
        }, stopRequested: stopRequested)
        outcome.stopped = trainer.stepsTaken < epochs * stepsPerEpoch
        outcome.losses = history.map(\.loss)
        outcome.trainAccuracies = history.map(\.trainAccuracy)
        outcome.testAccuracies = history.compactMap(\.testAccuracy)
        outcome.finalTrainAccuracy = try trainer.evaluate(train).accuracy
        outcome.finalTestAccuracy = try test.map { try trainer.evaluate($0).accuracy }
        outcome.steps = trainer.stepsTaken
        return outcome
    }

    /// A side×side grid over the points' bounding box (with a margin), and `score` at each node
    /// (rows are y, columns x).
    static func grid(around points: [[Double]], side: Int = 60, _ score: ([Double]) -> Double) -> (xs: [Double], ys: [Double], scores: [[Double]]) {
        let xs = points.map { $0[0] }, ys = points.map { $0[1] }
        func axis(_ values: [Double]) -> [Double] {
            let low = values.min()! - 0.5, high = values.max()! + 0.5
            return (0..<side).map { low + (high - low) * Double($0) / Double(side - 1) }
        }
        let gx = axis(xs), gy = axis(ys)
        return (gx, gy, gy.map { y in gx.map { x in score([x, y]) } })
    }
}
