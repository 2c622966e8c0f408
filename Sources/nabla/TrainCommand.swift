import ArgumentParser
import Foundation
import Nabla

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a model and watch it learn: micrograd's moons demo, or the 8×8 digits.",
        discussion: """
            moons: micrograd's demo, a 2-16-16-1 MLP on 100 two-moons points, max-margin loss \
            plus 1e-4·L2, 100 steps of full-batch SGD with the rate decaying linearly over the \
            run from 1.0 to 0.1 (--engine scalar: one graph node per number, exactly as \
            micrograd; --engine tensor: float64 tensors). digits: scikit-learn's 1,797 8×8 \
            digits (1,437 to train, 360 to test), an MLP 64-128-128-10 or (--model cnn) a small \
            CNN, 15 epochs of Adam in batches of 32, the rate cosine-annealed to 0.

            A progress bar on a terminal, one line per epoch otherwise, and a summary. The same \
            seed gives the same numbers. Ctrl-C stops at the end of the current step, writes \
            --save and --plot from the model so far, prints the summary and exits with status \
            130; a second Ctrl-C quits at once.

            Train in a release build, about \(Experiment.releaseBuildSpeedup)× faster than \
            the debug build `swift run` makes by default (which says so on standard error):
              swift run -c release nabla train digits --model cnn

            Examples:
              nabla train moons
              nabla train moons --engine scalar --plot moons.svg
              nabla train digits --plot digits.svg --save digits.safetensors
              nabla train digits --model cnn --mode static
            """
    )

    @Argument(help: "What to train: moons or digits.")
    var task: Experiment.Task

    @Option(help: "moons: tensor (default) or scalar.")
    var engine: Experiment.Engine = .tensor

    @Option(help: "digits: mlp (default) or cnn.")
    var model: Experiment.Architecture = .mlp

    @Option(help: "dynamic (a graph recorded per step, as PyTorch) or static (compiled once, as jax.jit).")
    var mode: ExecutionMode = .dynamic

    // Number-valued options are unconditional: `--lr -1` reads -1 (and says it is out of range).
    @Option(parsing: .unconditional, help: "Epochs (moons: full-batch steps), 1 to 1000000. Default: 100 for moons, 15 for digits.")
    var epochs: Int?

    @Option(name: .customLong("batch-size"), parsing: .unconditional, help: "Examples per step, 1 to 1000000 (more than the data set: all of it). Default: 100 (all) for moons, 32 for digits.")
    var batchSize: Int?

    @Option(parsing: .unconditional, help: "The initial learning rate, a positive number. Default: for moons 1.0 with SGD (decaying linearly to a tenth); for digits 1e-2 (MLP) or 5e-3 (CNN) with Adam, AdamW or RMSprop, 0.3 with SGD, 0.05 with momentum (cosine-annealed to 0).")
    var lr: String?

    @Option(help: "sgd, momentum, adam, adamw or rmsprop. Default: sgd for moons, adam for digits.")
    var optimizer: Experiment.OptimizerKind?

    @Option(parsing: .unconditional, help: "Seeds the weights and the shuffling. Default: 1337 for moons (micrograd's demo), 0 for digits.")
    var seed: UInt64?

    @Option(help: "Write the trained weights to this .safetensors file (PyTorch's names).")
    var save: String?

    @Option(help: "Write an SVG (a file ending in .svg) of the loss and accuracy (and the decision boundary, or the confusion matrix).")
    var plot: String?

    @Flag(help: "Train data-parallel over the processes of `mpirun -np N` (a build with --traits MPI): --batch-size stays the global batch, split among them; rank 0 prints, saves and plots.")
    var distributed = false

    @Option(name: .customLong("collective-timeout"), parsing: .unconditional,
            help: "With --distributed: seconds a rank waits for the others in one exchange before ending the job, 1 to 86400. Default: 600.")
    var collectiveTimeout: Int?

    /// The options as an experiment; a usage error (exit status 64) for a value out of range or
    /// options that do not go together.
    func experiment() throws -> Experiment {
        var experiment = Experiment(task: task, architecture: model)
        experiment.engine = engine
        experiment.mode = mode
        if let epochs { experiment.epochs = epochs }
        if let batchSize { experiment.batchSize = batchSize }
        if let optimizer { experiment.use(optimizer) }
        if let lr { experiment.learningRate = try number(lr, "--lr") }
        if let seed { experiment.seed = seed }
        do {
            try experiment.validate()
            if let plot { try Experiment.validatePlotPath(plot) }
        } catch {
            throw ValidationError(error.description)
        }
        try validateDistribution(experiment)
        return experiment
    }

    /// `--distributed` needs the MPI trait and the tensor engine; `--collective-timeout` needs
    /// `--distributed`.
    private func validateDistribution(_ experiment: Experiment) throws {
        if let collectiveTimeout {
            guard distributed else { throw ValidationError("--collective-timeout is for --distributed runs") }
            guard (1...86_400).contains(collectiveTimeout) else {
                throw ValidationError("--collective-timeout must be between 1 and 86400 seconds, got \(collectiveTimeout)")
            }
        }
        guard distributed else { return }
        guard Self.builtWithMPI else {
            throw ValidationError("""
                --distributed needs a build with the MPI trait and Open MPI installed: \
                swift build -c release --traits MPI, then mpirun -np N .build/release/nabla train … --distributed \
                (see the README's "Training on several machines")
                """)
        }
        if experiment.engine == .scalar {
            throw ValidationError("--distributed trains tensor models: the scalar engine runs in one process (leave out --engine scalar)")
        }
    }

    func validate() throws { _ = try experiment() }

    func run() throws {
        let experiment = try experiment()
        if distributed {
            try runDistributed(experiment)
            return
        }
        // A path that cannot be written is an error now, not after the training.
        for path in [save, plot].compactMap({ $0 }) {
            do { try AtomicFileWriter.checkWritable(path) } catch { fail("\(error)") }
        }
        let display = Experiment.Display()
        let outcome: Experiment.Outcome
        Interrupt.install()
        do {
            outcome = try experiment.run({ event in
                if case .start = event { Self.noteDebugBuild() }
                display.show(event)
            }, stopRequested: { Interrupt.requested })
        } catch let error as TrainingError {
            display.finish()
            fail("\(error)")
        }
        display.finish(outcome)
        if let save, let state = outcome.state {
            do { try state.write(to: save) } catch { fail("\(error)") }
            print("saved the weights to \(save)")
        }
        if let plot {
            do { try experiment.plot(outcome).write(to: plot) } catch { fail("\(error)") }
            print("wrote the plot to \(plot)")
        }
        if outcome.stopped { throw ExitCode(130) }
    }

    /// In a debug build, one line on standard error once the options are checked: a release
    /// build trains about 20× faster, and the command for one.
    static func noteDebugBuild() {
        #if DEBUG
        let notice = Experiment.debugBuildNotice(arguments: Array(CommandLine.arguments.dropFirst()))
        FileHandle.standardError.write(Data((notice + "\n").utf8))
        #endif
    }

    func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data("error: \(message)\n".utf8))
        Self.exit(withError: ExitCode.failure)
    }
}

extension Experiment.Task: ExpressibleByArgument {}
extension Experiment.Engine: ExpressibleByArgument {}
extension Experiment.Architecture: ExpressibleByArgument {}
extension Experiment.OptimizerKind: ExpressibleByArgument {}
extension ExecutionMode: ExpressibleByArgument {}
