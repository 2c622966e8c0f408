#if MPI
import Nabla
import NablaDistributed

/// The workloads of data-parallel training, run under `mpirun -np N` in a build with the MPI
/// trait (Benchmarks/mpi/run.py runs them; BENCHMARKS.md has the figures). Every rank runs
/// them; rank 0 alone prints.
enum DistributedWorkloads {
    static let names = ["allreduce", "digits-epoch-ranks", "digits-epoch-fit", "mlp-step-ranks", "mlp-step-trainer"]

    /// MPI's world, started by the first distributed workload.
    static var world: MPICommunicator { try! MPICommunicator.world() }
    private nonisolated(unsafe) static var started = false

    /// Whether this process prints its records: every process, except ranks other than 0 once
    /// a distributed workload has started MPI.
    static var printsRecords: Bool { !started || world.rank == 0 }

    /// Ends MPI, after the last workload, when one started it.
    static func finish() { if started { MPICommunicator.finalize() } }

    static func run(_ name: String) -> [Record] {
        switch name {
        case "allreduce":
            started = true
            return allreduce()
        case "digits-epoch-ranks":
            started = true
            return digitsEpoch(over: TimedCommunicator(world))
        case "digits-epoch-fit": return digitsEpoch(over: nil)
        case "mlp-step-ranks":
            started = true
            return mlpStep(over: TimedCommunicator(world))
        case "mlp-step-trainer": return mlpStep(over: nil)
        default: return []
        }
    }

    /// The sizes of the allreduce sweep in bytes: 1 KB to 64 MB in powers of 4, and the
    /// gradients of the digits MLP (26,122 Float parameters) and of W4's MLP (235,146), as in
    /// Benchmarks/mpi/allreduce.c.
    static let sizes = stride(from: 10, through: 26, by: 2).map { 1 << $0 } + [104_488, 940_584]

    /// allreduce: Float buffers summed in place with ``MPICommunicator``'s allreduce, timed as
    /// Benchmarks/mpi/allreduce.c times `MPI_Allreduce` (warm-up for about 0.05 s on rank 0's
    /// clock, then 7 rounds of K back-to-back calls, K chosen so a round takes about 0.25 s,
    /// each round ended by a barrier; the median round per call), for each size in two ways:
    /// `nabla-mpi` with the default timeout, as training calls it (`MPI_Iallreduce` polled by
    /// `MPI_Test`), and `nabla-mpi-blocking` without one (`MPI_Allreduce`).
    static func allreduce() -> [Record] {
        let world = self.world, n = world.size
        var records: [Record] = []
        for (engine, timeout) in [("nabla-mpi", Optional(MPICommunicator.defaultTimeout)), ("nabla-mpi-blocking", nil)] {
            world.timeout = timeout
            for bytes in sizes {
                var buffer = [Float](repeating: Float(world.rank + 1), count: bytes / 4)
                try! world.allreduce(&buffer)
                // Every element is Σᵣ (r + 1) = N(N + 1)/2 on every rank.
                precondition(buffer.allSatisfy { $0 == Float(n * (n + 1) / 2) }, "allreduce of \(bytes) bytes: wrong sums")
                for i in buffer.indices { buffer[i] = 0 }
                let (median, best, calls) = time { try! world.allreduce(&buffer) }
                let algorithm = Double(bytes) / median / 1e9
                records.append(Record(workload: "allreduce", engine: engine, metric: "time_per_call", value: median * 1e6, unit: "us",
                                      extra: [("bytes", "\(bytes)"), ("ranks", "\(n)"), ("best", number(best * 1e6)), ("rounds", "7"),
                                              ("iters", "\(calls)"), ("algbw_GBps", number(algorithm)),
                                              ("busbw_GBps", number(algorithm * 2 * Double(n - 1) / Double(n)))]))
            }
        }
        world.timeout = MPICommunicator.defaultTimeout
        return records
    }

    /// allreduce.c's timing of `body` (one call on every rank): the median and fastest round
    /// per call, and the calls per round.
    private static func time(_ body: () -> Void) -> (median: Double, best: Double, calls: Int) {
        let world = self.world
        let start = Harness.now()
        var calls = 0, more = [Int32(1)]
        while more[0] != 0 {
            body()
            calls += 1
            more[0] = Harness.now() - start < 0.05 ? 1 : 0
            try! world.broadcast(&more, from: 0)
        }
        var k = [Swift.max(1, Int(0.25 / ((Harness.now() - start) / Double(calls))))]
        try! world.broadcast(&k, from: 0)
        var rounds: [Double] = []
        for _ in 0..<7 {
            try! world.barrier()
            let t0 = Harness.now()
            for _ in 0..<k[0] { body() }
            try! world.barrier()
            rounds.append((Harness.now() - t0) / Double(k[0]))
        }
        rounds.sort()
        return (rounds[3], rounds[0], k[0])
    }

    /// digits-epoch-ranks: `digits-epoch` (the 64-128-128-10 MLP, Adam at 1e-3, global batches
    /// of 32 in a seeded order) trained data-parallel over the world with
    /// `Trainer.distribute(over:)` and `fit`, one kernel thread per rank; the median epoch of 20
    /// after 2 warm-up epochs, and the share of it spent in the communicator's calls (gradient
    /// and summary allreduces, the end-of-epoch agreement check), waiting for the other ranks
    /// included. digits-epoch-fit: the same in one process, without MPI (`fit` alone).
    static func digitsEpoch(over world: TimedCommunicator?) -> [Record] {
        let (train, test) = try! Digits.load().split()
        Kernels.threads = 1
        var records: [Record] = []
        for mode in ExecutionMode.allCases {
            let model = Sequential<Float>.mlp([64, 128, 128, 10], seed: 0)
            let trainer = Trainer(model: model, loss: .crossEntropy(), optimizer: Adam(model.parameters, learningRate: 1e-3),
                                  mode: mode, classes: 10)
            if let world { try! trainer.distribute(over: world) }
            var times: [Double] = [], communication: [Double] = []
            var before = world?.seconds ?? 0
            try! trainer.fit(train, epochs: 22, batchSize: 32, seed: 0, onEpoch: { epoch in
                if epoch.epoch >= 2 {
                    times.append(epoch.seconds)
                    communication.append((world?.seconds ?? 0) - before)
                }
                before = world?.seconds ?? 0
            })
            let trainAccuracy = try! trainer.evaluate(train).accuracy, testAccuracy = try! trainer.evaluate(test).accuracy
            precondition(trainAccuracy > 0.95, "digits-epoch-ranks nabla-\(mode): train accuracy \(trainAccuracy) after 22 epochs")
            let median = times.sorted()[times.count / 2]
            records.append(Record(workload: "digits-epoch", engine: "nabla-\(mode)", metric: "epoch_ms", value: median * 1000, unit: "ms",
                                  extra: [("ranks", world.map { "\($0.size)" } ?? "null"), ("threads", "1"), ("best", number(times.min()! * 1000)),
                                          ("rounds", "20"), ("iters", "1"),
                                          ("communication_ms", number(communication.sorted()[communication.count / 2] * 1000)),
                                          ("train_accuracy", number(trainAccuracy)), ("test_accuracy", number(testAccuracy))]))
        }
        return records
    }
}

extension DistributedWorkloads {
    /// mlp-step-ranks: W4's model (the 784-256-128-10 ReLU MLP, cross-entropy, SGD at 0.01) on
    /// a global batch of 64 seeded random images, trained with a `Trainer` data-parallel over the
    /// world (each rank steps on its share: 64/N examples), one kernel thread per rank; 20
    /// warm-up steps, then the median of 7 rounds of 100 steps, as steps per second, with the
    /// share of a step spent in the communicator's calls. mlp-step-trainer: the same `Trainer`
    /// in one process without MPI.
    static func mlpStep(over world: TimedCommunicator?) -> [Record] {
        let batch = 64
        let inputs = NDArray<Float>.randomUniform([batch, 784], seed: 7), labels = (0..<batch).map { $0 % 10 }
        let (rank, size) = (world?.rank ?? 0, world?.size ?? 1)
        let share = Array(stride(from: rank, to: batch, by: size))
        let shareInputs = NDArray<Float>.build([share.count, 784]) { values in
            for (row, example) in share.enumerated() {
                for j in 0..<784 { values[row * 784 + j] = inputs.scalars[example * 784 + j] }
            }
        }
        let shareLabels = share.map { labels[$0] }
        Kernels.threads = 1
        var records: [Record] = []
        for mode in ExecutionMode.allCases {
            let model = Sequential<Float>.mlp([784, 256, 128, 10], seed: 0)
            let trainer = Trainer(model: model, loss: .crossEntropy(), optimizer: SGD(model.parameters, learningRate: 0.01),
                                  mode: mode, classes: 10)
            if let world { try! trainer.distribute(over: world) }
            var loss = 0.0
            for _ in 0..<20 { loss = try! trainer.step(inputs: shareInputs, labels: shareLabels).loss }
            precondition(loss.isFinite && loss < 2.31, "mlp-step-ranks nabla-\(mode): loss \(loss) after 20 steps")
            var rounds: [(seconds: Double, communication: Double)] = []
            for _ in 0..<7 {
                let (start, before) = (Harness.now(), world?.seconds ?? 0)
                for _ in 0..<100 { _ = try! trainer.step(inputs: shareInputs, labels: shareLabels) }
                rounds.append(((Harness.now() - start) / 100, ((world?.seconds ?? 0) - before) / 100))
            }
            rounds.sort { $0.seconds < $1.seconds }
            records.append(Record(workload: "mlp-step", engine: "nabla-\(mode)", metric: "steps_per_s", value: 1 / rounds[3].seconds,
                                  unit: "steps/s",
                                  extra: [("ranks", world.map { "\($0.size)" } ?? "null"), ("threads", "1"), ("batch", "\(batch)"),
                                          ("step_ms", number(rounds[3].seconds * 1000)),
                                          ("communication_ms", number(rounds[3].communication * 1000)), ("rounds", "7"), ("iters", "100")]))
        }
        return records
    }
}

/// A ``Communicator`` that forwards to another and adds up the seconds its calls take.
final class TimedCommunicator: Communicator {
    let base: any Communicator
    private(set) var seconds = 0.0
    var rank: Int { base.rank }
    var size: Int { base.size }

    init(_ base: any Communicator) { self.base = base }

    private func timed(_ body: () throws -> Void) rethrows {
        let start = Harness.now()
        defer { seconds += Harness.now() - start }
        try body()
    }

    func barrier() throws { try timed { try base.barrier() } }
    func broadcast(_ buffer: UnsafeMutableRawBufferPointer, from root: Int) throws { try timed { try base.broadcast(buffer, from: root) } }
    func allreduceSum(_ buffer: UnsafeMutableBufferPointer<Float>) throws { try timed { try base.allreduceSum(buffer) } }
    func allreduceSum(_ buffer: UnsafeMutableBufferPointer<Double>) throws { try timed { try base.allreduceSum(buffer) } }
}
#else
/// Without the MPI trait there are no distributed workloads.
enum DistributedWorkloads {
    static let names: [String] = []
    static var printsRecords: Bool { true }
    static func finish() {}
    static func run(_ name: String) -> [Record] { [] }
}
#endif
