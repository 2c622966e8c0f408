import Foundation
import Testing
@testable import Nabla

/// Data-parallel training over ranks that are threads of this process (``ThreadCommunicator``):
/// the same algorithm as over MPI (MPITests runs it there), without MPI.
@Suite("Data parallelism")
struct DataParallelTests {
    /// max over tensors of max|a − b| / max|b|: the difference relative to each tensor's scale.
    static func relativeDifference<Scalar: TensorScalar>(_ a: [NDArray<Scalar>], _ b: [NDArray<Scalar>]) -> Double {
        zip(a, b).map { x, y in
            let scale = y.scalars.map { Double(Swift.abs($0)) }.max() ?? 0
            let difference = zip(x.scalars, y.scalars).map { Double(Swift.abs($0 - $1)) }.max() ?? 0
            return scale == 0 ? difference : difference / scale
        }.max() ?? 0
    }

    static func values<Rank>(_ results: [Result<Rank, any Error>]) throws -> [Rank] { try results.map { try $0.get() } }

    static func errors<Rank>(_ results: [Result<Rank, any Error>]) -> [(any Error)?] {
        results.map { if case .failure(let error) = $0 { error } else { nil } }
    }

    @Test func bucketsGroupConsecutiveParametersUpToTheLimit() {
        // 40 + 40 fills 80; 100 is larger than a bucket and alone; 8 + 8.
        #expect(DataParallel<Float>.buckets(sizes: [40, 40, 100, 8, 8], bucketBytes: 80) == [0..<2, 2..<3, 3..<5])
        #expect(DataParallel<Float>.buckets(sizes: [], bucketBytes: 80) == [])
        // The digits MLP: 26,122 Float parameters, 104,488 bytes: one bucket of the default 25 MiB.
        let model = Sequential<Float>.mlp([64, 128, 128, 10], seed: 0)
        let replicas = DataParallel(model.parameters, over: ThreadCommunicator.group(1)[0])
        #expect(replicas.buckets == [0..<6] && replicas.bucketBytes == 25 * 1024 * 1024)
    }

    @Test func sharesTakeEverySizeThExampleAsDistributedSampler() {
        let ranks = ThreadCommunicator.group(3)
        let shares = ranks.map { DataParallel<Float>([], over: $0).shard(ofBatchOf: 7).map { $0 } }
        #expect(shares == [[0, 3, 6], [1, 4], [2, 5]])
        // A batch smaller than the group leaves a rank without examples.
        #expect(ranks.map { DataParallel<Float>([], over: $0).shard(ofBatchOf: 2).map { $0 } } == [[0], [1], []])
    }

    @Test func gradientsAreWeightedByEachRanksShareOfTheBatch() throws {
        // Rank 0 has 3 examples, mean loss 2, gradient [1, 2]; rank 1 has 1 example, loss 6,
        // gradient [5, −4]: g = ¾·[1, 2] + ¼·[5, −4] = [2, 0.5]; loss (3·2 + 1·6)/4 = 3.
        let results = ThreadCommunicator.run(2) { communicator in
            let parameter = Tensor<Double>(NDArray(shape: [2], checkedScalars: [0, 0]), requiresGrad: true)
            let replicas = DataParallel([parameter], over: communicator)
            let local = communicator.rank == 0 ? (3, 2.0, [1.0, 2.0], 2) : (1, 6.0, [5.0, -4.0], 1)
            var gradients: [NDArray<Double>?] = [NDArray(shape: [2], checkedScalars: local.2)]
            let global = try replicas.synchronize(&gradients, count: local.0, loss: local.1, correct: local.3,
                                                  stopRequested: communicator.rank == 1, failure: nil)
            return (gradients[0]!.scalars, global.count, global.loss, global.correct, global.stopRequested)
        }
        for (gradient, count, loss, correct, stop) in try Self.values(results) {
            #expect(gradient == [2, 0.5] && count == 4 && loss == 3 && correct == 3 && stop)
        }
    }

    @Test func rankZerosParametersReachEveryRank() throws {
        let results = ThreadCommunicator.run(3) { communicator in
            let model = Sequential<Float>.mlp([4, 3, 2], seed: UInt64(communicator.rank))
            try DataParallel(model.parameters, over: communicator, bucketBytes: 32).broadcastParameters()
            return model.parameters.map(\.data)
        }
        let rankZero = Sequential<Float>.mlp([4, 3, 2], seed: 0).parameters.map(\.data.scalars)
        for parameters in try Self.values(results) { #expect(parameters.map(\.scalars) == rankZero) }
    }

    /// Trains a fresh digits MLP on `ranks` ranks (1: one process, no communicator) for one
    /// full-batch step, and returns the parameters.
    static func digitsStep(ranks: Int, mode: ExecutionMode) throws -> [[NDArray<Float>]] {
        let (train, _) = try Digits.load().split()
        return try values(ThreadCommunicator.run(ranks) { communicator in
            let model = Sequential<Float>.mlp([64, 128, 128, 10], seed: 0)
            let trainer = Trainer(model: model, loss: .crossEntropy(), optimizer: Adam(model.parameters, learningRate: 1e-2),
                                  mode: mode, classes: 10)
            if ranks > 1 { try trainer.distribute(over: communicator) }
            try trainer.fit(train, epochs: 1, batchSize: train.count, seed: 0)
            return model.parameters.map(\.data)
        })
    }

    @Test(arguments: ExecutionMode.allCases)
    func twoRanksTakeTheOneProcessStep(mode: ExecutionMode) throws {
        let alone = try Self.digitsStep(ranks: 1, mode: mode)[0]
        for replica in try Self.digitsStep(ranks: 2, mode: mode) {
            #expect(Self.relativeDifference(replica, alone) <= 1e-5)
        }
    }

    @Test(arguments: ExecutionMode.allCases)
    func unevenAndEmptySharesFollowTheOneProcessRun(mode: ExecutionMode) throws {
        // 100 moons in batches of 7 over 3 ranks: shares of 3, 2, 2, and in the last batch (2
        // examples) 1, 1 and none. Float64, SGD with momentum: the same run to rounding.
        let data = TwoMoons.dataset(count: 100, noise: 0.1, seed: 42, as: Double.self)
        func train(_ ranks: Int) throws -> [(parameters: [NDArray<Double>], gradients: [NDArray<Double>], history: [Trainer<Sequential<Double>>.Epoch])] {
            try Self.values(ThreadCommunicator.run(ranks) { communicator in
                let model = Sequential<Double>.mlp([2, 16, 16, 1], seed: 3)
                let trainer = Trainer(model: model, loss: .hinge(l2: 1e-4), optimizer: SGD(model.parameters, learningRate: 0.1, momentum: 0.9),
                                      mode: mode, classes: 1)
                if ranks > 1 { try trainer.distribute(over: communicator) }
                let history = try trainer.fit(data, epochs: 2, batchSize: 7, seed: 5)
                return (model.parameters.map(\.data), model.parameters.compactMap(\.grad), history)
            })
        }
        let alone = try train(1)[0]
        for replica in try train(3) {
            #expect(Self.relativeDifference(replica.parameters, alone.parameters) <= 1e-12)
            #expect(replica.history.map(\.trainAccuracy) == alone.history.map(\.trainAccuracy))
            for (a, b) in zip(replica.history, alone.history) { #expect(Swift.abs(a.loss - b.loss) <= 1e-12 * b.loss) }
            if mode == .dynamic {
                // As DistributedDataParallel, grad holds the gradient of the whole last batch.
                #expect(replica.gradients.count == 6 && Self.relativeDifference(replica.gradients, alone.gradients) <= 1e-12)
            }
        }
    }

    @Test func aShareRefusedOnOneRankStopsEveryRank() {
        let results = ThreadCommunicator.run(2) { communicator in
            let model = Sequential<Float>.mlp([2, 3, 10], seed: 0)
            let trainer = Trainer(model: model, loss: .crossEntropy(), optimizer: SGD(model.parameters, learningRate: 0.1), classes: 10)
            try trainer.distribute(over: communicator)
            _ = try trainer.step(inputs: NDArray(shape: [1, 2], checkedScalars: [0, 1]), labels: [communicator.rank == 1 ? 12 : 3])
        }
        let errors = Self.errors(results).map { $0 as? DataParallelError }
        #expect(errors[0] == .failed(ranks: [1], message: nil))
        #expect(errors[1] == .failed(ranks: [1], message: "label 12 at position 0 of the batch is not a class in 0..<10"))
        #expect(errors[0]?.description == "rank 1 failed (see its message)")
    }

    @Test func ranksStartedWithDifferentOptionsAreRefused() {
        let results = ThreadCommunicator.run(2) { communicator in
            var experiment = Experiment(task: .moons)
            if communicator.rank == 1 { experiment.epochs = 3 }
            return try experiment.run(communicator: communicator).steps
        }
        let errors = Self.errors(results).map { $0 as? DataParallelError }
        let rank0 = "moons --engine tensor --model mlp --mode dynamic --epochs 100 --batch-size 100 --lr 1 --optimizer sgd --seed 1337"
        #expect(errors[0] == .optionsDiffer(ranks: [1], reference: rank0, local: rank0))
        #expect(errors[0]?.description == "rank 1 was started with options different from rank 0's (\(rank0)); every rank must be started with the same command line")
        #expect(errors[1]?.description == "this rank was started with options different from rank 0's (rank 0 has --epochs 100, this rank --epochs 3); every rank must be started with the same command line")
    }

    @Test func fitRefusesRanksWithDifferentBatchSizes() {
        let data = TwoMoons.dataset(count: 20, noise: 0.1, seed: 42, as: Double.self)
        let results = ThreadCommunicator.run(2) { communicator in
            let model = Sequential<Double>.mlp([2, 4, 1], seed: 0)
            let trainer = Trainer(model: model, loss: .hinge(), optimizer: SGD(model.parameters, learningRate: 0.1), classes: 1)
            try trainer.distribute(over: communicator)
            try trainer.fit(data, epochs: 1, batchSize: communicator.rank == 0 ? 4 : 5, seed: 0)
        }
        for error in Self.errors(results) {
            guard case .optionsDiffer(let ranks, _, _) = error as? DataParallelError else { Issue.record("\(String(describing: error))"); continue }
            #expect(ranks == [1])
        }
    }

    @Test func replicasThatDivergeAreDetected() {
        let results = ThreadCommunicator.run(2) { communicator in
            let model = Sequential<Float>.mlp([2, 3, 1], seed: 0)
            let replicas = DataParallel(model.parameters, over: communicator)
            try replicas.broadcastParameters()
            try replicas.checkReplicasAgree(step: 0)
            if communicator.rank == 1 { model.parameters[1].updateData { $0 = NDArray(shape: [3], checkedScalars: [0, 0, 1e-30]) } }
            try replicas.checkReplicasAgree(step: 7)
        }
        for error in Self.errors(results) { #expect(error as? DataParallelError == .parametersDiverged(ranks: [1], step: 7)) }
    }

    @Test func aStopAskedOnOneRankStopsEveryRankAfterTheSameStep() throws {
        let data = TwoMoons.dataset(count: 40, noise: 0.1, seed: 42, as: Double.self)
        let results = ThreadCommunicator.run(2) { communicator in
            let model = Sequential<Double>.mlp([2, 4, 1], seed: 0)
            let trainer = Trainer(model: model, loss: .hinge(), optimizer: SGD(model.parameters, learningRate: 0.1), classes: 1)
            try trainer.distribute(over: communicator)
            var asked = 0
            let history = try trainer.fit(data, epochs: 3, batchSize: 4, seed: 0, stopRequested: {
                asked += 1
                return communicator.rank == 1 && asked == 13   // during the 3rd step of epoch 2
            })
            return (trainer.stepsTaken, history.count)
        }
        for (steps, epochs) in try Self.values(results) { #expect(steps == 13 && epochs == 1) }
    }

    @Test func aFailureInSetUpOnOneRankIsEveryRanks() {
        struct Missing: Error, CustomStringConvertible { var description: String { "no data here" } }
        let results = ThreadCommunicator.run(3) { communicator in
            try communicator.collectively { if communicator.rank == 2 { throw Missing() } }
        }
        let errors = Self.errors(results).map { $0 as? DataParallelError }
        #expect(errors == [.failed(ranks: [2], message: nil), .failed(ranks: [2], message: nil), .failed(ranks: [2], message: "no data here")])
    }

    @Test func eachErrorIsReportedOnce() {
        struct TransportFailure: Error {}
        let ranks = ThreadCommunicator.group(2)
        let shared: [any Error] = [TrainingError.nonFiniteLoss(step: 3, loss: .nan), DataParallelError.failed(ranks: [0, 1], message: "x"),
                                   DataParallelError.parametersDiverged(ranks: [1], step: 2),
                                   DataParallelError.optionsDiffer(ranks: [2], reference: "a", local: "a")]
        for error in shared { #expect(ranks[0].reports(error) && !ranks[1].reports(error), "\(error)") }
        let own: [any Error] = [TransportFailure(), DataParallelError.failed(ranks: [1], message: "x"),
                                DataParallelError.optionsDiffer(ranks: [1], reference: "a", local: "b")]
        for error in own { #expect(ranks[1].reports(error), "\(error)") }
    }

    @Test func theCommunicatorsHelpers() throws {
        let results = ThreadCommunicator.run(3) { communicator in
            var values: [Float] = [Float(communicator.rank), 1]
            try communicator.allreduce(&values, .mean)
            let text = try communicator.broadcast(communicator.rank == 2 ? "from two" : "", from: 2)
            return (values, text, try communicator.ranks(where: communicator.rank != 1))
        }
        for (values, text, ranks) in try Self.values(results) {
            #expect(values == [1, 1] && text == "from two" && ranks == [0, 2])
        }
    }
}
