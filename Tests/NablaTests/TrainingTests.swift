import Testing
@testable import Nabla

/// The training runs of `nabla train`, short enough for CI: micrograd's demo on both engines and
/// modes, reproducing WORKLOADS.md's W3 trajectory, and the digits models reaching their test
/// accuracies.
@Suite("Training runs")
struct TrainingTests {
    /// WORKLOADS.md W3: the loss before the update at these steps (micrograd's values).
    static let microgradLosses: [Int: Double] = [
        0: 2.122264232169825, 1: 1.8815118599611462, 2: 2.5334266949659914, 5: 0.29510522094952096,
        10: 0.2342757994920386, 20: 0.18009358107819948, 50: 0.0173269475681867, 99: 0.011098996084844916,
    ]

    static func checkTrajectory(_ losses: [Double]) {
        for (step, expected) in microgradLosses where step < losses.count {
            #expect(Swift.abs(losses[step] - expected) / expected < (step < 50 ? 1e-12 : 1e-9), "step \(step): \(losses[step])")
        }
    }

    @Test("micrograd's demo on tensors reaches 100% and follows micrograd's losses", arguments: ExecutionMode.allCases)
    func moonsOnTensors(_ mode: ExecutionMode) throws {
        var experiment = Experiment(task: .moons)
        experiment.mode = mode
        let outcome = try experiment.run()
        Self.checkTrajectory(outcome.losses)
        #expect(outcome.finalTrainAccuracy == 1)
        #expect(outcome.grid!.scores.count == 60 && outcome.state!.names == ["0.weight", "0.bias", "2.weight", "2.bias", "4.weight", "4.bias"])
    }

    @Test("Every optimiser, with its default rate, separates the moons", arguments: Experiment.OptimizerKind.allCases)
    func everyOptimizerTrains(_ optimizer: Experiment.OptimizerKind) throws {
        var experiment = Experiment(task: .moons)
        experiment.use(optimizer)
        #expect(try experiment.run().finalTrainAccuracy == 1)
    }

    @Test func moonsOnTheScalarEngine() throws {
        // The whole 100 steps run in the benchmark; here 11. The rate decays over the run's own
        // 11 steps, so after micrograd's first two steps (rate 1.0) the losses are the tensor
        // engine's for the same run, not micrograd's.
        var experiment = Experiment(task: .moons)
        experiment.engine = .scalar
        experiment.epochs = 11
        let outcome = try experiment.run()
        Self.checkTrajectory(Array(outcome.losses.prefix(2)))
        #expect(outcome.trainAccuracies[0] == 0.45)
        experiment.engine = .tensor
        let tensor = try experiment.run()
        #expect(zip(outcome.losses, tensor.losses).allSatisfy { Swift.abs($0 - $1) / $1 < 1e-12 }, "\(outcome.losses) \(tensor.losses)")
    }

    @Test func theScalarDemoStepMatchesTheTapeStep() {
        let (points, labels) = TwoMoons.generate()
        let a = ScalarMLP(2, [16, 16, 1]), b = ScalarMLP(2, [16, 16, 1])
        for k in 0..<3 {
            let viaValue = MicrogradDemo.step(a, points: points, labels: labels, step: k, engine: .value)
            let viaTape = MicrogradDemo.step(b, points: points, labels: labels, step: k, engine: .tape)
            #expect(viaValue.loss == viaTape.loss && viaValue.accuracy == viaTape.accuracy)
        }
        #expect(a.parameters.map(\.data) == b.parameters.map(\.data))
    }

    /// The default runs (the MLP's 15 epochs reach 97%, the CNN's 98%) take 8 s and 37 s in a debug
    /// build, most of `swift test`'s time, and about 2 s each in release: they are checked in a
    /// release build by `.ci/check-training-accuracy`. Here the MLP trains for 5 epochs (96.7%) and
    /// the CNN for 2 (the rate annealed over those 2; 91.4%), from 10%.
    @Test("The digits models reach their test accuracy", arguments: [(Experiment.Architecture.mlp, 5, 0.95), (.cnn, 2, 0.90)])
    func digits(_ architecture: Experiment.Architecture, epochs: Int?, target: Double) throws {
        var experiment = Experiment(task: .digits, architecture: architecture)
        if let epochs { experiment.epochs = epochs }
        let outcome = try experiment.run()
        #expect(outcome.finalTestAccuracy! >= target, "\(architecture): \(outcome.finalTestAccuracy!)")
        #expect(outcome.confusion!.joined().reduce(0, +) == 360)
    }

    @Test func theSameSeedGivesTheSameRun() throws {
        var experiment = Experiment(task: .digits)
        experiment.epochs = 2
        let first = try experiment.run(), second = try experiment.run()
        #expect(first.losses == second.losses && first.state == second.state)
        experiment.seed = 1
        #expect(try experiment.run().losses != first.losses)
    }

    @Test func staticAndDynamicTrainTheSame() throws {
        var experiment = Experiment(task: .digits)
        experiment.epochs = 1
        let dynamic = try experiment.run()
        experiment.mode = .static
        let compiled = try experiment.run()
        #expect(dynamic.losses == compiled.losses && dynamic.state == compiled.state)
    }

    @Test func badOptionsAreErrors() {
        var experiment = Experiment(task: .moons)
        experiment.learningRate = -1
        #expect(throws: TrainingError.optionOutOfRange(option: "--lr", value: "-1", allowed: "a positive number")) { try experiment.run() }
        #expect(throws: TrainingError.optionOutOfRange(option: "--lr", value: "-1", allowed: "a positive number")) { try experiment.validate() }
        #expect(TrainingError.optionOutOfRange(option: "--lr", value: "-1", allowed: "a positive number").description
            == "--lr must be a positive number, got -1")
        #expect(throws: TrainingError.invalidOption("--plot writes SVG only: give a file name ending in .svg (got 'moons.png')")) {
            try Experiment.validatePlotPath("moons.png")
        }
        #expect(throws: Never.self) { try Experiment.validatePlotPath("out/Moons.SVG") }
        experiment = Experiment(task: .digits)
        experiment.engine = .scalar
        #expect(throws: TrainingError.self) { try experiment.run() }
        experiment = Experiment(task: .moons)
        experiment.learningRate = 1e6
        #expect(throws: TrainingError.self) { try experiment.run() }    // diverges: a clear error, not nan
    }

    @Test func numericOptionsAreRangeChecked() {
        let cases: [(epochs: Int, batchSize: Int, option: String, value: Int)] = [
            (.max, 32, "--epochs", .max), (0, 32, "--epochs", 0), (1_000_001, 32, "--epochs", 1_000_001),
            (15, .max, "--batch-size", .max), (15, 0, "--batch-size", 0), (15, .min, "--batch-size", .min),
        ]
        for (epochs, batchSize, option, value) in cases {
            var experiment = Experiment(task: .digits)
            (experiment.epochs, experiment.batchSize) = (epochs, batchSize)
            #expect(throws: TrainingError.optionOutOfRange(option: option, value: "\(value)", allowed: "between 1 and 1000000")) {
                try experiment.run()
            }
        }
    }

    @Test func aBatchLargerThanTheDataIsAllOfIt() throws {
        // The trainer and the loader count batches without overflow for any batch size.
        let data = TwoMoons.dataset(count: 20, as: Double.self)
        #expect(try BatchLoader(data, batchSize: .max).numberOfBatches == 1)
        #expect(try BatchLoader(data, batchSize: .max, dropLast: true).numberOfBatches == 0)
        #expect(try BatchLoader(data, batchSize: 7).numberOfBatches == 3)
        let model = Sequential<Double>.mlp([2, 4, 1], seed: 0)
        let trainer = Trainer(model: model, loss: .hinge(), optimizer: SGD(model.parameters, learningRate: 0.1), classes: 1)
        try trainer.fit(data, epochs: 2, batchSize: .max, seed: 0)
        #expect(trainer.stepsTaken == 2)
        #expect(Experiment.stepsPerEpoch(1437, batchSize: .max) == 1 && Experiment.stepsPerEpoch(1437, batchSize: 32) == 45)
    }

    @Test func aStopRequestEndsTheRunAfterTheCurrentStep() throws {
        // Digits: 45 steps an epoch. Asked to stop from step 50: one whole epoch in the history,
        // and the model, accuracies and weights after step 50.
        var experiment = Experiment(task: .digits)
        experiment.epochs = 3
        var steps = 0
        let outcome = try experiment.run({ if case .step = $0 { steps += 1 } }, stopRequested: { steps >= 50 })
        #expect(outcome.stopped && outcome.steps == 50 && steps == 50)
        #expect(outcome.losses.count == 1 && outcome.testAccuracies.count == 1)
        #expect(outcome.finalTestAccuracy != nil && outcome.confusion != nil && outcome.state != nil)
        // The scalar engine stops the same way; a run that ends by itself is not "stopped".
        var scalar = Experiment(task: .moons)
        (scalar.engine, scalar.epochs) = (.scalar, 5)
        let first = try scalar.run(stopRequested: { true })
        #expect(first.stopped && first.steps == 1 && first.losses.count == 1 && first.state != nil)
        scalar.epochs = 1
        #expect(try !scalar.run(stopRequested: { true }).stopped)
    }
}
