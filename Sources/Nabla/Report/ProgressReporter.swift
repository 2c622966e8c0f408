// The progress display of a training run: a bar redrawn in place on a terminal, a line per
// epoch elsewhere, and a summary at the end.

/// Shows a training run's progress as it goes.
///
/// On a terminal, a one-line bar is redrawn in place (`\r` and clear-to-end-of-line) at most
/// ten times a second, and each finished epoch leaves a plain line above it. Into a file or pipe,
/// only the per-epoch lines are written. Time and output are injected, so tests can drive a
/// reporter with a fake clock and collect what it writes.
///
/// ```swift
/// let progress = ProgressReporter(epochs: 20, stepsPerEpoch: batches.count)
/// for epoch in 1...20 {
///     for (step, batch) in batches.enumerated() {
///         let (loss, accuracy) = train(batch)
///         progress.update(epoch: epoch, step: step + 1, loss: loss, accuracy: accuracy)
///     }
///     progress.finishEpoch(epoch, loss: epochLoss, accuracy: epochAccuracy, testAccuracy: evaluate(testSet))
/// }
/// progress.finish()
/// ```
public final class ProgressReporter {
    /// Where the progress goes.
    public enum Mode: Sendable, Equatable {
        /// A terminal: a live bar redrawn in place. `width` in columns, or `nil` to ask the
        /// terminal on each redraw.
        case terminal(width: Int?)
        /// A file or pipe: one plain line per epoch.
        case lines
    }

    /// The number of epochs in the run.
    public let epochs: Int
    /// Steps (batches) per epoch.
    public let stepsPerEpoch: Int
    /// Whether a live bar or plain lines are written.
    public let mode: Mode
    /// The live bar's characters.
    public let barStyle: ProgressFormat.BarStyle
    /// The shortest time between two redraws of the live bar, in seconds.
    public let minimumInterval: Double

    private let clock: () -> Double
    private let output: (String) -> Void
    private let start: Double
    private var lastDraw: Double?
    /// Whether a live bar is on screen, to be cleared before a plain line.
    private var barShown = false
    private var epochsDone = 0
    /// The latest metrics reported, shown until newer ones come.
    private var latest = Metrics()
    private var best: (accuracy: Double, epoch: Int)?

    private struct Metrics {
        var loss: Double?
        var accuracy: Double?
        var testAccuracy: Double?
    }

    /// A reporter for `epochs` epochs of `stepsPerEpoch` steps; it reads the clock once, as
    /// the run's start, and writes nothing until the first update.
    ///
    /// - Parameters:
    ///   - mode: `nil` chooses ``Mode/terminal(width:)`` when standard output is a terminal and
    ///     ``Mode/lines`` otherwise.
    ///   - clock: seconds on a monotonic clock; the default is the system's.
    ///   - output: writes text as it is; the default writes to standard output and flushes.
    public init(epochs: Int, stepsPerEpoch: Int, mode: Mode? = nil, barStyle: ProgressFormat.BarStyle = .blocks,
                minimumInterval: Double = 0.1, clock: @escaping () -> Double = ProgressReporter.systemClock(),
                output: @escaping (String) -> Void = ProgressReporter.writeToStandardOutput) {
        self.epochs = epochs
        self.stepsPerEpoch = stepsPerEpoch
        self.mode = mode ?? (Terminal.standardOutputIsTerminal ? .terminal(width: nil) : .lines)
        self.barStyle = barStyle
        self.minimumInterval = minimumInterval
        self.clock = clock
        self.output = output
        self.start = clock()
    }

    /// A clock reading seconds since it was made, from the system's monotonic clock.
    public static func systemClock() -> () -> Double {
        let clock = ContinuousClock()
        let origin = clock.now
        return {
            let duration = origin.duration(to: clock.now).components
            return Double(duration.seconds) + Double(duration.attoseconds) * 1e-18
        }
    }

    /// Writes `text` to standard output and flushes it, so that it shows at once.
    public static func writeToStandardOutput(_ text: String) {
        Terminal.write(text)
    }

    /// Seconds since the reporter was made.
    public var elapsed: Double {
        clock() - start
    }

    /// Records that `step` steps of `epoch` (from 1) are done, redrawing the live bar if it is
    /// due. Cheap to call every step: between redraws it only reads the clock.
    public func update(epoch: Int, step: Int, loss: Double? = nil, accuracy: Double? = nil) {
        if let loss { latest.loss = loss }
        if let accuracy { latest.accuracy = accuracy }
        guard case .terminal(let width) = mode else { return }
        let now = clock()
        if let lastDraw, now - lastDraw < minimumInterval { return }
        lastDraw = now
        let line = progress(epoch: epoch, step: step, at: now).terminalLine(width: (width ?? Terminal.width) - 1, barStyle: barStyle)
        output("\r" + line + Self.clearToEndOfLine)
        barShown = true
    }

    /// Records a finished epoch and writes its line (replacing the live bar on a terminal).
    public func finishEpoch(_ epoch: Int, loss: Double? = nil, accuracy: Double? = nil, testAccuracy: Double? = nil) {
        if let loss { latest.loss = loss }
        if let accuracy { latest.accuracy = accuracy }
        if let testAccuracy {
            latest.testAccuracy = testAccuracy
            if testAccuracy.isFinite, best.map({ testAccuracy > $0.accuracy }) ?? true { best = (testAccuracy, epoch) }
        }
        epochsDone = Swift.max(epochsDone, epoch)
        // The epoch's line shows its own test accuracy only, not an earlier epoch's.
        var progress = progress(epoch: epoch, step: stepsPerEpoch, at: clock())
        progress.testAccuracy = testAccuracy
        output(clearingBar() + progress.logLine + "\n")
        lastDraw = nil
    }

    /// Writes the summary (after clearing the live bar) and returns it.
    @discardableResult
    public func finish() -> TrainingSummary {
        let summary = TrainingSummary(epochs: epochsDone, elapsed: elapsed, finalLoss: latest.loss,
                                      finalAccuracy: latest.accuracy, bestTestAccuracy: best?.accuracy, bestTestEpoch: best?.epoch)
        output(clearingBar() + summary.description + "\n")
        return summary
    }

    /// ANSI: erase from the cursor to the end of the line.
    static let clearToEndOfLine = "\u{1B}[K"

    private func progress(epoch: Int, step: Int, at now: Double) -> TrainingProgress {
        TrainingProgress(epoch: epoch, epochs: epochs, step: step, stepsPerEpoch: stepsPerEpoch, loss: latest.loss,
                         accuracy: latest.accuracy, testAccuracy: latest.testAccuracy, elapsed: now - start)
    }

    private func clearingBar() -> String {
        guard barShown else { return "" }
        barShown = false
        return "\r" + Self.clearToEndOfLine
    }
}
