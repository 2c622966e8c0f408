// How a run of an ``Experiment`` is shown: live progress from its events, and its SVG plot.

extension Experiment {
    /// Shows an experiment's events with a ``ProgressReporter``: a live bar on a terminal,
    /// one line per epoch otherwise, then the summary.
    public final class Display {
        private var reporter: ProgressReporter?
        private let mode: ProgressReporter.Mode?
        private let output: (String) -> Void
        private var lastLoss: Double?, lastAccuracy: Double?
        private var totalSteps = 0

        /// `mode` nil picks the terminal bar when standard output is a terminal.
        public init(mode: ProgressReporter.Mode? = nil, output: @escaping (String) -> Void = ProgressReporter.writeToStandardOutput) {
            self.mode = mode
            self.output = output
        }

        /// Shows one event: `start` writes the run's description and starts the progress
        /// display, `step` updates the live bar, `epoch` writes the epoch's line. Steps and
        /// epochs before a `start` are ignored.
        public func show(_ event: Event) {
            switch event {
            case .start(let description, let epochs, let stepsPerEpoch):
                output(description + "\n")
                totalSteps = epochs * stepsPerEpoch
                reporter = ProgressReporter(epochs: epochs, stepsPerEpoch: stepsPerEpoch, mode: mode, output: output)
            case .step(let epoch, let step, _, let loss, let accuracy):
                reporter?.update(epoch: epoch + 1, step: step + 1, loss: loss, accuracy: accuracy)
            case .epoch(let epoch, let loss, let trainAccuracy, let testAccuracy):
                (lastLoss, lastAccuracy) = (loss, trainAccuracy)
                reporter?.finishEpoch(epoch + 1, loss: loss, accuracy: trainAccuracy, testAccuracy: testAccuracy)
            }
        }

        /// Ends the progress display (the summary line) and prints the final accuracies; for a
        /// run that stopped early, first a line saying where it stopped.
        public func finish(_ outcome: Outcome? = nil) {
            guard let reporter else { return }
            _ = reporter.finish()
            self.reporter = nil
            guard let outcome else { return }
            if outcome.stopped { output("interrupted: stopped at the end of step \(outcome.steps) of \(totalSteps)\n") }
            var line = "final training accuracy \(ProgressFormat.percent(outcome.finalTrainAccuracy))"
            if let test = outcome.finalTestAccuracy { line += ", test accuracy \(ProgressFormat.percent(test))" }
            line += ", \(outcome.steps) steps in \(ProgressFormat.duration(outcome.seconds))"
            output(line + "\n")
        }
    }

    /// The run as an SVG figure: loss and accuracy per epoch, then the decision boundary with
    /// the points (moons) or the test set's confusion matrix (digits).
    public func plot(_ outcome: Outcome) -> SVGDocument {
        let unit = task == .moons ? "step" : "epoch"
        let loss = LineChart(title: "Loss", xLabel: unit, yLabel: "loss", yScale: .logarithmic,
                             series: [.init("training loss", values: outcome.losses)])
        var accuracySeries: [LineChart.Series] = [.init("training", values: outcome.trainAccuracies)]
        if !outcome.testAccuracies.isEmpty { accuracySeries.append(.init("test", values: outcome.testAccuracies, dashed: true)) }
        let accuracy = LineChart(title: "Accuracy", xLabel: unit, yLabel: "accuracy", yRange: 0...1, series: accuracySeries)
        var panels: [any Chart] = [loss, accuracy]
        if let grid = outcome.grid, let points = outcome.points, let labels = outcome.labels {
            let samples = zip(points, labels).map { DecisionBoundaryChart.Sample(x: $0[0], y: $0[1], label: $1) }
            panels.append(DecisionBoundaryChart(title: "Decision boundary (score > 0: class 1)", xLabel: "x₀", yLabel: "x₁",
                                                xs: grid.xs, ys: grid.ys, scores: grid.scores, points: samples,
                                                classNames: ["outer moon (−1)", "inner moon (+1)"]))
        }
        if let confusion = outcome.confusion {
            panels.append(ConfusionMatrixChart(title: "Test set", counts: confusion, classNames: (0..<10).map(String.init)))
        }
        let title = task == .moons
            ? "nabla train moons · \(engine) engine\(engine == .tensor ? ", \(mode)" : "") · final accuracy \(ProgressFormat.percent(outcome.finalTrainAccuracy))"
            : "nabla train digits · \(architecture) · \(mode) · test accuracy \(ProgressFormat.percent(outcome.finalTestAccuracy ?? 0))"
        return Figure(title: title, columns: panels.count, panels: panels).document(panelWidth: 420, panelHeight: 380)
    }
}

extension Experiment {
    /// How many times faster `nabla train` runs in a release build than in a debug build
    /// (SwiftPM's default), rounded down: `nabla train digits` took 7.9 s against 0.30 s (MLP,
    /// 26×) and 37.2 s against 1.76 s (CNN, 21×) on the development machine.
    public static let releaseBuildSpeedup = 20

    /// The one line `nabla train` writes on standard error when it was built for debugging:
    /// that a release build trains about ``releaseBuildSpeedup`` times faster, and the command
    /// that runs the same training in one (`arguments`: the tool's arguments, `train …`; with
    /// `--distributed`, the MPI build and `mpirun`).
    public static func debugBuildNotice(arguments: [String]) -> String {
        var command = (["swift", "run", "-c", "release", "nabla"] + arguments.map(shellQuoted)).joined(separator: " ")
        if arguments.contains("--distributed") {
            command = "swift build -c release --traits MPI, then mpirun -np N "
                + ([".build/release/nabla"] + arguments.map(shellQuoted)).joined(separator: " ")
        }
        return "note: this is a debug build; training runs about \(releaseBuildSpeedup)× faster in a release build: \(command)"
    }

    /// `word` as a shell reads it back: unchanged when it has only safe characters, otherwise
    /// in single quotes.
    static func shellQuoted(_ word: String) -> String {
        let safe = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=,:+@%")
        if !word.isEmpty, word.allSatisfy(safe.contains) { return word }
        return "'" + word.split(separator: "'", omittingEmptySubsequences: false).joined(separator: #"'\''"#) + "'"
    }
}
