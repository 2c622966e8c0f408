import Testing
@testable import Nabla

/// The training progress display: each field's text, the time-left arithmetic, the live line's
/// fit to the terminal, throttled redraws on a fake clock, and the plain lines for logs.
@Suite("Training progress")
struct ProgressTests {
    // MARK: Fields

    @Test("Durations read m:ss, or h:mm:ss from an hour", arguments: [
        (0, "0:00"), (2.4, "0:02"), (59.6, "1:00"), (754, "12:34"), (3723, "1:02:03"), (36000, "10:00:00"),
        (-1, "--:--"), (.nan, "--:--"), (.infinity, "--:--"), (1e300, "--:--"),
    ] as [(Double, String)])
    func durations(seconds: Double, text: String) {
        #expect(ProgressFormat.duration(seconds) == text)
    }

    @Test("Losses keep 4 significant digits and their width", arguments: [
        (0.12344, "0.1234"), (0.1, "0.1000"), (1.5, "1.500"), (12.3456, "12.35"), (1234.4, "1234"), (12345, "1.235e+04"),
        (0.0023456, "0.002346"), (0.000023456, "2.346e-05"), (9.99996, "10.00"), (0, "0.000"), (-0.5, "-0.5000"),
        (.nan, "nan"), (.infinity, "inf"),
    ] as [(Double, String)])
    func losses(value: Double, text: String) {
        #expect(ProgressFormat.loss(value) == text)
    }

    @Test("Percentages, speeds and counters")
    func otherFields() {
        #expect(ProgressFormat.percent(0.9723) == "97.2%")
        #expect(ProgressFormat.percent(1) == "100.0%")
        #expect(ProgressFormat.percent(nil) == "-")
        #expect(ProgressFormat.loss(nil) == "-")
        #expect(ProgressFormat.speed(412.3) == "412 steps/s")
        #expect(ProgressFormat.speed(41.23) == "41.2 steps/s")
        #expect(ProgressFormat.speed(3.5) == "3.50 steps/s")
        #expect(ProgressFormat.speed(0.4) == "2.50 s/step")
        #expect(ProgressFormat.speed(nil) == "- steps/s")
        #expect(ProgressFormat.speed(0) == "- steps/s")
        #expect(ProgressFormat.counter(7, of: 500) == "  7/500")
        #expect(ProgressFormat.counter(500, of: 500) == "500/500")
    }

    @Test("Bars fill to the fraction, in ASCII or in eighths of a block")
    func bars() {
        #expect(ProgressFormat.bar(0.5, width: 12, style: .ascii) == "[#####.....]")
        #expect(ProgressFormat.bar(0, width: 6, style: .ascii) == "[....]")
        #expect(ProgressFormat.bar(2, width: 6, style: .ascii) == "[####]")
        #expect(ProgressFormat.bar(.nan, width: 6, style: .ascii) == "[....]")
        #expect(ProgressFormat.bar(0.5, width: 10, style: .blocks) == "[████    ]")
        #expect(ProgressFormat.bar(1.0 / 16, width: 10, style: .blocks) == "[▌       ]")
        #expect(ProgressFormat.bar(1, width: 10, style: .blocks) == "[████████]")
        #expect(ProgressFormat.bar(0.5, width: 2) == "")
        for width in 3...40 {
            for fraction in stride(from: 0.0, through: 1, by: 0.05) {
                #expect(ProgressFormat.bar(fraction, width: width, style: .blocks).count == width)
            }
        }
    }

    // MARK: Arithmetic

    @Test("Steps done, speed and time left follow from epoch, step and time")
    func arithmetic() {
        let progress = TrainingProgress(epoch: 2, epochs: 4, step: 50, stepsPerEpoch: 100, elapsed: 15)
        #expect(progress.totalSteps == 400)
        #expect(progress.completedSteps == 150)
        #expect(progress.fractionDone == 0.375)
        #expect(progress.epochFractionDone == 0.5)
        #expect(progress.stepsPerSecond == 10)
        #expect(progress.estimatedTimeLeft == 25)
        let finished = TrainingProgress(epoch: 4, epochs: 4, step: 100, stepsPerEpoch: 100, elapsed: 40)
        #expect(finished.estimatedTimeLeft == 0)
    }

    @Test("Unknown or odd progress gives no speed or time left rather than a trap")
    func oddArithmetic() {
        #expect(TrainingProgress(epoch: 1, epochs: 3, step: 0, stepsPerEpoch: 10, elapsed: 5).estimatedTimeLeft == nil)
        #expect(TrainingProgress(epoch: 1, epochs: 3, step: 4, stepsPerEpoch: 10, elapsed: 0).stepsPerSecond == nil)
        let overshoot = TrainingProgress(epoch: 9, epochs: 3, step: 99, stepsPerEpoch: 10, elapsed: 3)
        #expect(overshoot.completedSteps == 30 && overshoot.fractionDone == 1)
        let empty = TrainingProgress(epoch: 0, epochs: 0, step: -1, stepsPerEpoch: 0, elapsed: .nan)
        #expect(empty.fractionDone == 0 && empty.stepsPerSecond == nil)
        let huge = TrainingProgress(epoch: .max, epochs: .max, step: .max, stepsPerEpoch: .max, elapsed: 1)
        #expect(huge.completedSteps == huge.totalSteps)
        for progress in [overshoot, empty, huge] {
            #expect(progress.terminalLine(width: 80).count <= 80)
            #expect(!progress.logLine.isEmpty)
        }
    }

    // MARK: Lines

    @Test("The live line has every field when the terminal is wide enough")
    func terminalLine() {
        let progress = TrainingProgress(epoch: 3, epochs: 20, step: 120, stepsPerEpoch: 500, loss: 0.12344,
                                        accuracy: 0.9723, elapsed: 2.4)
        // 1120 steps in 2.4 s: 467 steps/s; 8880 left: 19 s.
        // The bar takes the room left, 22 columns (20 inside), and is 24% full: 4.8 rounds down to 4.
        let line = progress.terminalLine(width: 100, barStyle: .ascii)
        #expect(line == "epoch  3/20 [####................] 120/500  loss 0.1234    acc  97.2%   467 steps/s   0:02 eta  0:19")
        #expect(line.count == 100)
        var later = progress
        later.step = 125
        #expect(later.terminalLine(width: 100).contains("[█████               ]"))
        // Steady widths: other sizes of loss, speed and time leave the bar as long.
        var changed = progress
        (changed.loss, changed.elapsed) = (0.0012345, 59.5)
        let changedLine = changed.terminalLine(width: 100, barStyle: .ascii)
        #expect(changedLine.count == 100)
        #expect(changedLine.hasPrefix("epoch  3/20 [####................] 120/500  loss 0.001235  acc  97.2%  18.8 steps/s"))
        // The bar is at most 32 columns wide however wide the terminal.
        #expect(progress.terminalLine(width: 300, barStyle: .ascii).contains("[#######......................."+"]"))
    }

    @Test("On narrow terminals fields drop in order and the line never overflows")
    func narrowTerminal() {
        let progress = TrainingProgress(epoch: 3, epochs: 20, step: 120, stepsPerEpoch: 500, loss: 0.12344,
                                        accuracy: 0.9723, testAccuracy: 0.969, elapsed: 2.4)
        let wide = progress.terminalLine(width: 200)
        #expect(wide.contains("test  96.9%") && wide.contains("steps/s"))
        let medium = progress.terminalLine(width: 70)
        #expect(!medium.contains("steps/s") && !medium.contains("test") && medium.contains("eta") && medium.contains("["))
        let narrow = progress.terminalLine(width: 40)
        #expect(narrow.hasPrefix("epoch  3/20 [") && narrow.contains("loss 0.1234"))
        for width in 0...160 {
            #expect(progress.terminalLine(width: width).count <= width)
        }
    }

    @Test("A log line per epoch, leaving out what is unknown")
    func logLine() {
        let progress = TrainingProgress(epoch: 3, epochs: 20, step: 500, stepsPerEpoch: 500, loss: 0.12344,
                                        accuracy: 0.9723, testAccuracy: 0.969, elapsed: 2.4)
        #expect(progress.logLine == "epoch  3/20  loss 0.1234  accuracy 97.2%  test accuracy 96.9%  625 steps/s  0:02 elapsed")
        let bare = TrainingProgress(epoch: 1, epochs: 1, step: 0, stepsPerEpoch: 10, elapsed: 0)
        #expect(bare.logLine == "epoch 1/1  0:00 elapsed")
    }

    @Test("The summary line")
    func summary() {
        let summary = TrainingSummary(epochs: 20, elapsed: 41, finalLoss: 0.01234, finalAccuracy: 0.99,
                                      bestTestAccuracy: 0.975, bestTestEpoch: 14)
        #expect(summary.description == "trained 20 epochs in 0:41  final loss 0.01234  accuracy 99.0%  best test accuracy 97.5% (epoch 14)")
        #expect(TrainingSummary(epochs: 1, elapsed: 0).description == "trained 1 epoch in 0:00")
    }

    // MARK: Reporter

    /// A clock the test moves by hand, and everything a reporter writes.
    final class Recorder {
        var now = 0.0
        var writes: [String] = []

        func reporter(mode: ProgressReporter.Mode, epochs: Int = 2, steps: Int = 64) -> ProgressReporter {
            ProgressReporter(epochs: epochs, stepsPerEpoch: steps, mode: mode, barStyle: .ascii, minimumInterval: 0.125,
                             clock: { [unowned self] in now }, output: { [unowned self] in writes.append($0) })
        }
    }

    @Test("On a terminal the bar is redrawn in place at most every minimum interval")
    func throttling() {
        let recorder = Recorder()
        let reporter = recorder.reporter(mode: .terminal(width: 100))
        // 64 steps, one every 1/64 s: redraws at 0, 0.125, 0.25, ..., 0.875 s.
        for step in 1...64 {
            reporter.update(epoch: 1, step: step, loss: 1 / Double(step), accuracy: 0.5)
            recorder.now += 1.0 / 64
        }
        #expect(recorder.writes.count == 8)
        #expect(recorder.writes.allSatisfy { $0.hasPrefix("\r") && $0.hasSuffix("\u{1B}[K") && !$0.contains("\n") })
        #expect(recorder.writes.allSatisfy { $0.count <= 100 + 1 + 3 })
        #expect(recorder.writes[1].contains("loss 0.1111"))  // step 9, at 0.125 s
        // The epoch's line replaces the bar and stays; the next update draws at once.
        reporter.finishEpoch(1, loss: 0.5, accuracy: 0.75, testAccuracy: 0.7)
        #expect(recorder.writes.last == "\r\u{1B}[Kepoch 1/2  loss 0.5000  accuracy 75.0%  test accuracy 70.0%  64.0 steps/s  0:01 elapsed\n")
        reporter.update(epoch: 2, step: 1)
        #expect(recorder.writes.count == 10)
        #expect(recorder.writes.last?.contains("test  70.0%") == true)
        recorder.now += 1
        reporter.finishEpoch(2, loss: 0.25, accuracy: 0.875, testAccuracy: 0.65)
        #expect(recorder.writes.last?.contains("accuracy 87.5%  test accuracy 65.0%") == true)
        let summary = reporter.finish()
        #expect(recorder.writes.last == "trained 2 epochs in 0:02  final loss 0.2500  accuracy 87.5%  best test accuracy 70.0% (epoch 1)\n")
        #expect(summary.bestTestEpoch == 1 && summary.finalLoss == 0.25)
    }

    @Test("Into a pipe only the epoch lines and the summary are written")
    func plainLines() {
        let recorder = Recorder()
        let reporter = recorder.reporter(mode: .lines, epochs: 3, steps: 10)
        for epoch in 1...3 {
            for step in 1...10 {
                reporter.update(epoch: epoch, step: step, loss: 0.1)
                recorder.now += 0.5
            }
            reporter.finishEpoch(epoch, accuracy: 0.9, testAccuracy: epoch == 2 ? 0.8 : nil)
        }
        reporter.finish()
        #expect(recorder.writes == [
            "epoch 1/3  loss 0.1000  accuracy 90.0%  2.00 steps/s  0:05 elapsed\n",
            "epoch 2/3  loss 0.1000  accuracy 90.0%  test accuracy 80.0%  2.00 steps/s  0:10 elapsed\n",
            "epoch 3/3  loss 0.1000  accuracy 90.0%  2.00 steps/s  0:15 elapsed\n",
            "trained 3 epochs in 0:15  final loss 0.1000  accuracy 90.0%  best test accuracy 80.0% (epoch 2)\n",
        ])
    }

    @Test("The system clock runs forwards from zero")
    func systemClock() {
        let clock = ProgressReporter.systemClock()
        let first = clock()
        let second = clock()
        #expect(first >= 0 && first < 1 && second >= first)
    }
}
