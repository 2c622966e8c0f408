#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Testing
@testable import Nabla

/// `nabla train` end to end, run as a user runs it (output not a terminal: plain lines).
@Suite("nabla train")
struct TrainCommandTests {
    static func temporaryPath(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("nabla-\(UUID().uuidString)-\(name)").path
    }

    @Test func moonsReproducesMicrogradsDemoAndSavesAndPlots() throws {
        let weights = Self.temporaryPath("moons.safetensors"), plot = Self.temporaryPath("moons.svg")
        defer { for path in [weights, plot] { try? FileManager.default.removeItem(atPath: path) } }
        let run = try CommandLineTests.nabla(["train", "moons", "--save", weights, "--plot", plot])
        #expect(run.status == 0, "\(run.errors)")
        let lines = run.output.split(separator: "\n").map(String.init)
        #expect(lines.first == "MLP 2-16-16-1 (337 parameters) on float64 tensors, dynamic, 100 moons")
        #expect(lines.filter { $0.hasPrefix("epoch ") }.count == 100)               // one plain line per step
        #expect(lines.contains { $0.hasPrefix("epoch   1/100  loss 2.122  accuracy 45.0%") })
        #expect(lines.contains { $0.hasPrefix("final training accuracy 100.0%, 100 steps in ") })
        #expect(run.output.hasSuffix("saved the weights to \(weights)\nwrote the plot to \(plot)\n"))
        // The saved weights reload into the same network and classify every point correctly.
        let model = MicrogradDemo.tensorModel(from: ScalarMLP(2, [16, 16, 1], seed: 5), as: Double.self)
        try model.load(from: weights)
        let data = TwoMoons.dataset(as: Double.self)
        #expect(Trainer<Sequential<Double>>.classes(of: model(Tensor(data.inputs)).data) == data.labels)
        let svg = try String(contentsOfFile: plot, encoding: .utf8)
        #expect(svg.hasPrefix("<svg") || svg.hasPrefix("<?xml"))
        for text in ["Loss", "Accuracy", "Decision boundary", "inner moon"] { #expect(svg.contains(text), "\(text)") }
    }

    @Test func theScalarEngineFollowsMicrograd() throws {
        // micrograd's first two steps; the rate then decays over these 3 steps (1.0, 0.7, 0.4),
        // not micrograd's 100, so the third loss is the tensor engine's for the same run.
        let run = try CommandLineTests.nabla(["train", "moons", "--engine", "scalar", "--epochs", "3"])
        #expect(run.status == 0, "\(run.errors)")
        #expect(run.output.contains("on the scalar engine (337 parameters, one graph node per number)"))
        for line in ["epoch 1/3  loss 2.122  accuracy 45.0%", "epoch 2/3  loss 1.882  accuracy 67.0%", "epoch 3/3  loss 1.686  accuracy 50.0%"] {
            #expect(run.output.contains(line), "missing: \(line)")
        }
        let tensor = try CommandLineTests.nabla(["train", "moons", "--epochs", "3"])
        #expect(tensor.output.contains("epoch 3/3  loss 1.686  accuracy 50.0%"))
    }

    @Test func digitsShowsTestAccuracyAndTheConfusionMatrix() throws {
        let plot = Self.temporaryPath("digits.svg")
        defer { try? FileManager.default.removeItem(atPath: plot) }
        let run = try CommandLineTests.nabla(["train", "digits", "--epochs", "2", "--mode", "static", "--plot", plot])
        #expect(run.status == 0, "\(run.errors)")
        #expect(run.output.hasPrefix("MLP 64-128-128-10 (26122 parameters), static, digits: 1437 training and 360 test images\n"))
        #expect(run.output.contains("test accuracy"))
        #expect(try String(contentsOfFile: plot, encoding: .utf8).contains("Test set"))
    }

    /// What the built tool writes on standard error before training: in a debug build (as the
    /// tests run it), the line saying a release build is faster; in a release build, nothing.
    static func debugBuildNotice(_ arguments: [String]) -> String {
        #if DEBUG
        Experiment.debugBuildNotice(arguments: arguments) + "\n"
        #else
        ""
        #endif
    }

    @Test func aDebugBuildSaysOnStandardErrorThatReleaseIsFaster() throws {
        let run = try CommandLineTests.nabla(["train", "moons", "--epochs", "2", "--save", "/dev/full"])
        #expect(run.status == 1)    // --save is refused before training: no notice
        #expect(!run.errors.contains("release"))
        let arguments = ["train", "moons", "--epochs", "2"]
        let trained = try CommandLineTests.nabla(arguments)
        #expect(trained.status == 0)
        #expect(trained.errors == Self.debugBuildNotice(arguments))
        #if DEBUG
        #expect(trained.errors == "note: this is a debug build; training runs about 20× faster in a release build: "
                + "swift run -c release nabla train moons --epochs 2\n")
        #endif
        // Standard output is the run's alone.
        #expect(trained.output.hasPrefix("MLP 2-16-16-1 (337 parameters) on float64 tensors, dynamic, 100 moons\nepoch 1/2  loss 2.122"))
        #expect(!trained.output.contains("release"))
        #expect(Experiment.shellQuoted("a b's.svg") == #"'a b'\''s.svg'"# && Experiment.shellQuoted("--lr=0.1") == "--lr=0.1"
                && Experiment.shellQuoted("") == "''")
    }

    @Test func badOptionsAreClearErrors() throws {
        // Options out of range or that do not go together are usage errors (status 64), found
        // before anything runs; a run that fails is status 1.
        let cases: [([String], Int32, String)] = [
            (["train", "moons", "--lr", "-1"], 64, "Error: --lr must be a positive number, got -1\n"),
            (["train", "moons", "--lr=-1"], 64, "Error: --lr must be a positive number, got -1\n"),
            (["train", "moons", "--lr", "inf"], 64, "Error: --lr inf: --lr takes a finite number\n"),
            (["train", "moons", "--lr", "0x1"], 64, "Error: --lr 0x1: '0x1' is not a decimal number"),
            (["train", "moons", "--epochs", "0"], 64, "Error: --epochs must be between 1 and 1000000, got 0\n"),
            (["train", "moons", "--epochs", "-5"], 64, "Error: --epochs must be between 1 and 1000000, got -5\n"),
            // Huge values are refused before any arithmetic on them could overflow.
            (["train", "digits", "--epochs", "9223372036854775807"], 64, "Error: --epochs must be between 1 and 1000000, got 9223372036854775807\n"),
            (["train", "digits", "--batch-size", "9223372036854775807"], 64,
             "Error: --batch-size must be between 1 and 1000000, got 9223372036854775807\n"),
            (["train", "moons", "--batch-size", "-3"], 64, "Error: --batch-size must be between 1 and 1000000, got -3\n"),
            (["train", "digits", "--engine", "scalar"], 64, "Error: --engine scalar trains the moons demo only (digits needs tensors)\n"),
            (["train", "moons", "--model", "cnn"], 64, "Error: --model cnn is for digits"),
            (["train", "moons", "--engine", "scalar", "--mode", "static"], 64, "Error: --mode static compiles tensor programs"),
            (["train", "moons", "--plot", "moons.png"], 64, "Error: --plot writes SVG only: give a file name ending in .svg (got 'moons.png')\n"),
            // Training started (a debug build says so first), then diverged.
            (["train", "moons", "--lr", "1e6"], 1, Self.debugBuildNotice(["train", "moons", "--lr", "1e6"]) + "error: the loss became"),
        ]
        for (arguments, status, message) in cases {
            let run = try CommandLineTests.nabla(arguments)
            #expect(run.status == status, "\(arguments)")
            #expect(run.errors.hasPrefix(message), "\(arguments): \(run.errors)")
            if status == 64 { #expect(run.output.isEmpty && run.errors.contains("Usage: nabla train"), "\(arguments)") }
        }
        let unknown = try CommandLineTests.nabla(["train", "mnist"])
        #expect(unknown.status != 0 && unknown.errors.contains("moons"))
        let unwritable = try CommandLineTests.nabla(["train", "moons", "--epochs", "1", "--save", "/nonexistent/dir/w.safetensors"])
        #expect(unwritable.status == 1 && unwritable.errors == "error: cannot write '/nonexistent/dir/w.safetensors': No such file or directory\n")
        #expect(unwritable.output.isEmpty, "the path is checked before training")
        let plotFolder = try CommandLineTests.nabla(["train", "moons", "--epochs", "1", "--plot", "/nonexistent/dir/moons.svg"])
        #expect(plotFolder.status == 1 && plotFolder.errors == "error: cannot write '/nonexistent/dir/moons.svg': No such file or directory\n")
        #expect(plotFolder.output.isEmpty, "the path is checked before training")
    }

    @Test func onlyRegularFilesAreWritten() throws {
        // /dev/null is refused before anything is written (and before training); it stays the
        // character device it was.
        let null = try CommandLineTests.nabla(["train", "moons", "--epochs", "1", "--save", "/dev/null"])
        #expect(null.status == 1 && null.output.isEmpty)
        #expect(null.errors.hasPrefix("error: cannot write '/dev/null': it is a character device, not a regular file"))
        var status = stat()
        #expect(stat("/dev/null", &status) == 0 && status.st_mode & S_IFMT == S_IFCHR)
        // A FIFO of our own, for --save and for --plot.
        let directory = try SafeTensorsTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let fifo = directory + "/pipe.svg"   // a plot must be named .svg
        #expect(mkfifo(fifo, 0o600) == 0)
        for option in ["--save", "--plot"] {
            let run = try CommandLineTests.nabla(["train", "moons", "--epochs", "1", option, fifo])
            #expect(run.status == 1 && run.errors.hasPrefix("error: cannot write '\(fifo)': it is a FIFO (named pipe)"), "\(option)")
            #expect(lstat(fifo, &status) == 0 && status.st_mode & S_IFMT == S_IFIFO, "\(option) replaced the FIFO")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["pipe.svg"])
    }

    // MARK: Ctrl-C

    /// Starts the built `nabla`, waits for its first progress line, sends SIGINT, and (for
    /// `twice`) a second SIGINT once the first has been acknowledged; then reads everything.
    static func interrupted(_ arguments: [String], twice: Bool = false) throws -> (process: Process, run: CommandLineTests.Run) {
        var executable = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("nabla")
        while !FileManager.default.isExecutableFile(atPath: executable.path), executable.pathComponents.count > 2 {
            executable = executable.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("nabla")
        }
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        let (out, err) = (Pipe(), Pipe())
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        /// Reads `pipe` until its text so far contains `marker` (or it ends).
        func read(_ pipe: Pipe, until marker: String) -> Data {
            var data = Data()
            while !String(decoding: data, as: UTF8.self).contains(marker) {
                let chunk = pipe.fileHandleForReading.availableData
                if chunk.isEmpty { break }
                data.append(chunk)
            }
            return data
        }
        // A watchdog, so that a tool that ignores SIGINT fails the test instead of hanging it.
        let pid = process.processIdentifier
        DispatchQueue.global().asyncAfter(deadline: .now() + 120) { if process.isRunning { kill(pid, SIGKILL) } }
        var output = read(out, until: "\nepoch ")
        kill(process.processIdentifier, SIGINT)
        var errors = Data()
        if twice {
            errors = read(err, until: "Ctrl-C again")
            kill(process.processIdentifier, SIGINT)
        }
        output.append(out.fileHandleForReading.readDataToEndOfFile())
        errors.append(err.fileHandleForReading.readDataToEndOfFile())
        process.waitUntilExit()
        return (process, CommandLineTests.Run(status: process.terminationStatus, output: String(decoding: output, as: UTF8.self),
                                              errors: String(decoding: errors, as: UTF8.self)))
    }

    @Test func ctrlCStopsAtTheEndOfAStepSavesAndExits130() throws {
        let directory = try SafeTensorsTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let weights = directory + "/moons.safetensors", plot = directory + "/moons.svg"
        // A run far too long to finish by itself.
        let (process, run) = try Self.interrupted(["train", "moons", "--epochs", "1000000", "--save", weights, "--plot", plot])
        #expect(process.terminationReason == .exit && run.status == 130, "\(run.errors)")
        #expect(run.errors == Self.debugBuildNotice(["train", "moons", "--epochs", "1000000", "--save", weights, "--plot", plot])
                + "\ninterrupted: stopping at the end of this step (Ctrl-C again to quit at once)\n")
        let lines = run.output.split(separator: "\n").map(String.init)
        let steps = lines.filter { $0.hasPrefix("epoch ") }.count
        #expect(steps >= 1 && steps < 1_000_000)
        // The summary so far, then the files, said.
        #expect(lines.contains { $0.hasPrefix("trained \(steps) epoch") })
        #expect(lines.contains("interrupted: stopped at the end of step \(steps) of 1000000"))
        #expect(lines.contains { $0.hasPrefix("final training accuracy ") && $0.contains(", \(steps) steps in ") })
        #expect(run.output.hasSuffix("saved the weights to \(weights)\nwrote the plot to \(plot)\n"))
        // The weights load back into the network.
        let model = MicrogradDemo.tensorModel(from: ScalarMLP(2, [16, 16, 1], seed: 5), as: Double.self)
        let before = model.parameters.map(\.data)
        try model.load(from: weights)
        #expect(model.parameters.map(\.data) != before)
        #expect(try String(contentsOfFile: plot, encoding: .utf8).contains("Decision boundary"))
        #expect(Set(try FileManager.default.contentsOfDirectory(atPath: directory)) == ["moons.safetensors", "moons.svg"])
    }

    @Test func aSecondCtrlCQuitsAtOnceLeavingNoTemporaryFile() throws {
        let directory = try SafeTensorsTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let weights = directory + "/digits.safetensors"
        let (process, run) = try Self.interrupted(["train", "digits", "--epochs", "1000", "--save", weights], twice: true)
        #expect(process.terminationReason == .exit && run.status == 130, "\(run.errors)")
        // Whether the second Ctrl-C came during the step, the summary or the save, no hidden
        // temporary file is left: at most the complete weights.
        let left = try FileManager.default.contentsOfDirectory(atPath: directory)
        #expect(left.isEmpty || left == ["digits.safetensors"], "\(left)")
        if !left.isEmpty { try Experiment.digitsModel(.mlp, seed: 3).load(from: weights) }
    }
}
