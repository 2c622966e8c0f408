import Foundation
import Testing
@testable import Nabla

/// Data-parallel training over Open MPI, end to end: `nabla` and `nabla-mpi-check` built with
/// the MPI trait, run under `mpirun`. The test target itself is built without the trait, so
/// these tests drive an MPI build in another folder, named by `NABLA_MPI_BUILD` (as
/// `.ci/check-mpi` does after `swift build --traits MPI --scratch-path .build-mpi`); without
/// it they are skipped.
@Suite("MPI", .serialized, .enabled(if: MPIBuild.folder != nil,
                                    "set NABLA_MPI_BUILD to the folder of a build with --traits MPI (.ci/check-mpi does)"))
struct MPITests {
    static var build: URL? { MPIBuild.folder }

    struct Run {
        var status: Int32, output: String, errors: String
        var text: String { output + errors }
    }

    /// `mpirun` with what a test needs anywhere: as many ranks as asked whatever the cores
    /// (`--oversubscribe`), as root where CI runs so.
    static func mpirunArguments() -> [String] {
        ["--oversubscribe"] + (getuid() == 0 ? ["--allow-run-as-root"] : [])
    }

    /// Starts `executable` (a path) with `arguments`, its output collected.
    final class Job: @unchecked Sendable {
        let process = Process()
        private let lock = NSLock()
        private var outputData = Data(), errorData = Data()
        private let finished = DispatchGroup()

        init(_ executable: String, _ arguments: [String]) throws {
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = arguments
            let (out, err) = (Pipe(), Pipe())
            process.standardOutput = out
            process.standardError = err
            process.standardInput = FileHandle.nullDevice
            for (pipe, isOutput) in [(out, true), (err, false)] {
                finished.enter()
                pipe.fileHandleForReading.readabilityHandler = { [self] handle in
                    let data = handle.availableData
                    if data.isEmpty {
                        handle.readabilityHandler = nil
                        finished.leave()
                        return
                    }
                    lock.withLock { if isOutput { outputData.append(data) } else { errorData.append(data) } }
                }
            }
            try process.run()
        }

        var output: String { lock.withLock { String(decoding: outputData, as: UTF8.self) } }

        /// Waits until `condition` holds of the output so far, for at most `seconds`.
        func wait(seconds: Double, until condition: (String) -> Bool) -> Bool {
            let deadline = Date(timeIntervalSinceNow: seconds)
            while Date() < deadline {
                if condition(output) { return true }
                usleep(50_000)
            }
            return false
        }

        /// Waits for the process to end, for at most `seconds` (then kills it and returns nil):
        /// a job that does not end is a hang, which is what these tests guard against.
        func finish(seconds: Double) -> Run? {
            let deadline = Date(timeIntervalSinceNow: seconds)
            while process.isRunning, Date() < deadline { usleep(50_000) }
            guard !process.isRunning else {
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
                return nil
            }
            process.waitUntilExit()
            _ = finished.wait(timeout: .now() + 10)
            return lock.withLock {
                Run(status: process.terminationStatus, output: String(decoding: outputData, as: UTF8.self),
                    errors: String(decoding: errorData, as: UTF8.self))
            }
        }
    }

    static func path(_ tool: String) -> String { build!.appendingPathComponent(tool).path }

    static func mpirun(_ ranks: Int, _ tool: String, _ arguments: [String]) throws -> Job {
        try Job("/usr/bin/env", ["mpirun"] + mpirunArguments() + ["-np", "\(ranks)", path(tool)] + arguments)
    }

    /// Runs and waits at most two minutes; a job still running then fails the test.
    static func run(_ job: Job, _ what: String) throws -> Run {
        try #require(job.finish(seconds: 120), "\(what) did not end within two minutes")
    }

    static func temporaryPath(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("nabla-mpi-\(getpid())-\(name)").path
    }

    /// The processes whose parent is `parent` and whose environment names MPI rank `rank`
    /// (Linux's /proc): how a test finds one rank of a job to kill.
    static func process(rank: Int, under parent: Int32) throws -> Int32 {
        for entry in try FileManager.default.contentsOfDirectory(atPath: "/proc") {
            guard let pid = Int32(entry),
                  let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { continue }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            guard fields.count > 2, Int32(fields[1]) == parent,
                  let environment = FileManager.default.contents(atPath: "/proc/\(entry)/environ") else { continue }
            if environment.split(separator: 0).contains(where: { String(decoding: $0, as: UTF8.self) == "OMPI_COMM_WORLD_RANK=\(rank)" }) {
                return pid
            }
        }
        throw CocoaError(.fileNoSuchFile, userInfo: [NSLocalizedDescriptionKey: "no rank \(rank) under process \(parent)"])
    }

    // MARK: Collectives

    @Test(arguments: [2, 3])
    func collectivesGiveTheSameResultsOnEveryRank(ranks n: Int) throws {
        let run = try Self.run(try Self.mpirun(n, "nabla-mpi-check", ["collectives"]), "nabla-mpi-check")
        #expect(run.status == 0, "\(run.errors)")
        let lines = run.output.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(Set(lines.compactMap { $0["rank"] as? Int }) == Set(0..<n))
        let size = Double(n)
        for line in lines {
            // Rank r gave [r + 1, 2(r + 1), 0.5, −r]: sums N(N+1)/2, N(N+1), N/2, −N(N−1)/2.
            #expect(line["sum_float"] as? [Double] == [size * (size + 1) / 2, size * (size + 1), size / 2, -size * (size - 1) / 2])
            // Rank r gave [r, 1e-300] in Double: the means (N−1)/2 and 1e-300.
            #expect(line["mean_double"] as? [Double] == [(size - 1) / 2, 1e-300])
            // 3,000,000 Floats (12 MB) of r + 1 each: all N(N+1)/2.
            #expect(line["large_count"] as? Int == 3_000_000 && line["large_values"] as? [Double] == [size * (size + 1) / 2])
            #expect((line["empty"] as? [Double])?.isEmpty == true)
            #expect(line["broadcast_bytes"] as? String == "from rank \(n - 1)")
            #expect(line["broadcast_text"] as? String == "rank 0's options")
            // MPI's error handler returns: a root outside the world is a thrown error, not an abort.
            #expect((line["invalid_root_error"] as? String)?.contains("MPI_ERR_ROOT") == true, "\(line)")
        }
    }

    // MARK: Training

    /// The largest difference, relative to each tensor's largest entry, between two saved
    /// models.
    static func difference(_ a: String, _ b: String) throws -> Double {
        let (x, y) = (try SafeTensors(contentsOf: a), try SafeTensors(contentsOf: b))
        #expect(x.names == y.names && !x.names.isEmpty)
        return DataParallelTests.relativeDifference(try x.names.map { try x.array($0, as: Float.self) },
                                                    try y.names.map { try y.array($0, as: Float.self) })
    }

    @Test(arguments: [[], ["--mode", "static"], ["--optimizer", "sgd"]])
    func twoRanksTakeTheOneProcessStep(options: [String]) throws {
        let (alone, together) = (Self.temporaryPath("alone.safetensors"), Self.temporaryPath("together.safetensors"))
        defer { for path in [alone, together] { try? FileManager.default.removeItem(atPath: path) } }
        let arguments = ["train", "digits", "--epochs", "1", "--batch-size", "1437"] + options
        let one = try Self.run(try Job(Self.path("nabla"), arguments + ["--save", alone]), "nabla")
        let two = try Self.run(try Self.mpirun(2, "nabla", arguments + ["--distributed", "--save", together]), "mpirun nabla")
        #expect(one.status == 0 && two.status == 0, "\(two.errors)")
        #expect(try Self.difference(together, alone) <= 1e-5)
    }

    @Test func twoEpochsOnTwoRanksFollowOneProcess() throws {
        let (alone, together) = (Self.temporaryPath("alone2.safetensors"), Self.temporaryPath("together2.safetensors"))
        defer { for path in [alone, together] { try? FileManager.default.removeItem(atPath: path) } }
        let arguments = ["train", "digits", "--epochs", "2"]
        let one = try Self.run(try Job(Self.path("nabla"), arguments + ["--save", alone]), "nabla")
        let two = try Self.run(try Self.mpirun(2, "nabla", arguments + ["--distributed", "--save", together]), "mpirun nabla")
        #expect(one.status == 0 && two.status == 0, "\(two.errors)")
        // 90 Adam steps in batches of 32 (16 a rank): 6.4e-6 measured (README).
        #expect(try Self.difference(together, alone) <= 1e-4)
        // Rank 0 alone reports: one description, one line per epoch, one summary, one save.
        for (text, count) in [("MLP 64-128-128-10", 1), ("data-parallel over 2 processes", 1), ("epoch 1/2", 1), ("epoch 2/2", 1),
                              ("final training accuracy", 1), ("saved the weights to", 1)] {
            #expect(two.output.components(separatedBy: text).count - 1 == count, "\(text) in \(two.output)")
        }
    }

    // MARK: Faults

    @Test func ranksStartedWithDifferentOptionsAreRefused() throws {
        let nabla = Self.path("nabla")
        let job = try Job("/usr/bin/env", ["mpirun"] + Self.mpirunArguments()
                          + ["-np", "1", nabla, "train", "digits", "--distributed", ":", "-np", "1", nabla, "train", "digits", "--epochs", "3", "--distributed"])
        let run = try Self.run(job, "mpirun with different options")
        #expect(run.status != 0)
        #expect(run.errors.contains("error: rank 1 was started with options different from rank 0's (digits --engine tensor --model mlp --mode dynamic --epochs 15 --batch-size 32 --lr 0.01 --optimizer adam --seed 0)"), "\(run.errors)")
        #expect(run.errors.contains("): this rank was started with options different from rank 0's (rank 0 has --epochs 15, this rank --epochs 3)"))
        #expect(!run.output.contains("epoch"))
    }

    @Test func aKilledRankEndsTheJob() throws {
        let job = try Self.mpirun(2, "nabla", ["train", "digits", "--epochs", "1000", "--distributed"])
        #expect(job.wait(seconds: 60) { $0.contains("epoch    1/1000") }, "training did not start")
        kill(try Self.process(rank: 1, under: job.process.processIdentifier), SIGKILL)
        // mpirun notices at once; a minute is a hang.
        let run = try #require(job.finish(seconds: 60), "the job went on after rank 1 was killed")
        #expect(run.status != 0)
        #expect(run.text.contains("rank 1") && run.text.contains("signal 9"), "\(run.errors)")
    }

    @Test func aStoppedRankEndsTheJobAfterTheTimeout() throws {
        let job = try Self.mpirun(2, "nabla", ["train", "digits", "--epochs", "1000", "--distributed", "--collective-timeout", "2"])
        #expect(job.wait(seconds: 60) { $0.contains("epoch    1/1000") }, "training did not start")
        let rank1 = try Self.process(rank: 1, under: job.process.processIdentifier)
        kill(rank1, SIGSTOP)
        defer { kill(rank1, SIGKILL) }
        let run = try #require(job.finish(seconds: 60), "the job went on after rank 1 stopped")
        #expect(run.status != 0)
        #expect(run.errors.contains("error: rank 0 (") && run.errors.contains("MPI_Allreduce waited 2 s for the other ranks without completing"),
                "\(run.errors)")
    }

    @Test func rankZeroAloneWritesTheSaveAndThePlot() throws {
        // Each rank runs in a folder of its own (mpirun's --wdir) with the same relative paths:
        // rank 0's folder ends with the two files and nothing else (no temporary file left:
        // they were written beside and renamed), rank 1's stays empty.
        let folders = (0..<2).map { Self.temporaryPath("rank\($0)") }
        for folder in folders { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) }
        defer { for folder in folders { try? FileManager.default.removeItem(atPath: folder) } }
        let command = [Self.path("nabla"), "train", "digits", "--epochs", "1", "--distributed", "--save", "weights.safetensors", "--plot", "plot.svg"]
        let job = try Job("/usr/bin/env", ["mpirun"] + Self.mpirunArguments()
                          + ["-np", "1", "--wdir", folders[0]] + command + [":", "-np", "1", "--wdir", folders[1]] + command)
        let run = try Self.run(job, "mpirun with a folder per rank")
        #expect(run.status == 0, "\(run.errors)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folders[0]).sorted() == ["plot.svg", "weights.safetensors"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: folders[1]) == [])
        #expect(try SafeTensors(contentsOf: folders[0] + "/weights.safetensors").names.count == 6)
    }

    @Test func sigusr1StopsEveryRankAndRankZeroSaves() throws {
        let weights = Self.temporaryPath("stopped.safetensors")
        defer { try? FileManager.default.removeItem(atPath: weights) }
        let job = try Self.mpirun(2, "nabla", ["train", "digits", "--epochs", "1000", "--distributed", "--save", weights])
        #expect(job.wait(seconds: 60) { $0.contains("epoch    1/1000") }, "training did not start")
        // What mpirun does with a SIGUSR1 it receives (sent here to the ranks directly: a
        // process started from a test's thread may have the signal blocked).
        for rank in 0..<2 { kill(try Self.process(rank: rank, under: job.process.processIdentifier), SIGUSR1) }
        let run = try Self.run(job, "mpirun after SIGUSR1")
        #expect(run.status == 130)
        #expect(run.output.components(separatedBy: "interrupted: stopped at the end of step").count == 2, "\(run.output)")
        #expect(try SafeTensors(contentsOf: weights).names.count == 6)
    }
}

/// The folder holding `nabla` and `nabla-mpi-check` built with the MPI trait, from
/// `NABLA_MPI_BUILD`.
enum MPIBuild {
    static let folder: URL? = ProcessInfo.processInfo.environment["NABLA_MPI_BUILD"].map { URL(fileURLWithPath: $0) }
}

/// Without the MPI trait, `--distributed` says how to build with it.
@Suite("Distributed training without MPI")
struct DistributedWithoutMPITests {
    @Test func distributedNeedsTheMPITrait() throws {
        #if !MPI
        let run = try CommandLineTests.nabla(["train", "digits", "--distributed"])
        #expect(run.status == 64)
        #expect(run.errors.contains("--distributed needs a build with the MPI trait and Open MPI installed: swift build -c release --traits MPI"), "\(run.errors)")
        #endif
        let timeout = try CommandLineTests.nabla(["train", "digits", "--collective-timeout", "5"])
        #expect(timeout.status == 64 && timeout.errors.contains("--collective-timeout is for --distributed runs"))
    }
}
