// Progress as text: a live line for terminals that fits their width, and a plain line per epoch
// for logs and pipes.

extension TrainingProgress {
    /// The live one-line display for a terminal `width` columns wide, never wider:
    ///
    ///     epoch  3/20 [██████▍       ] 120/500  loss 0.1234  acc 97.2%  412 steps/s  0:02 eta 0:05
    ///
    /// The bar shows the current epoch; the time left is for the whole run. Fields are padded to
    /// steady widths so that the bar keeps its length as the numbers change. On narrow terminals
    /// the least useful fields go first (speed, test accuracy, step count, times, accuracy),
    /// then the bar.
    public func terminalLine(width: Int, barStyle: ProgressFormat.BarStyle = .blocks) -> String {
        // Fields in display order, each with its rank: the lowest rank is dropped first.
        var fields: [(text: String, rank: Int)] = [
            ("epoch " + ProgressFormat.counter(epoch, of: epochs), 9),
            (ProgressFormat.counter(step, of: stepsPerEpoch), 3),
            // Losses from 0.001 to 9999 take at most 8 characters: pad after, so the number reads on.
            ("loss " + ProgressFormat.padded(ProgressFormat.loss(loss), to: 8, after: true), 8),
        ]
        if accuracy != nil { fields.append(("acc " + ProgressFormat.padded(ProgressFormat.percent(accuracy), to: 6), 5)) }
        if testAccuracy != nil { fields.append(("test " + ProgressFormat.padded(ProgressFormat.percent(testAccuracy), to: 6), 2)) }
        fields.append((ProgressFormat.padded(ProgressFormat.speed(stepsPerSecond), to: 12), 1))
        fields.append((ProgressFormat.padded(ProgressFormat.duration(elapsed), to: 5) + " eta "
            + ProgressFormat.padded(ProgressFormat.duration(estimatedTimeLeft), to: 5), 4))
        let separator = "  "
        let minimumBar = 10
        let width = Swift.max(0, width)
        // The text without the bar, which sits after the first field between single spaces.
        func textWidth() -> Int {
            fields.map(\.text.count).reduce(0, +) + separator.count * Swift.max(0, fields.count - 2)
        }
        while fields.count > 2, textWidth() + 2 + minimumBar > width,
              let lowest = fields.indices.dropFirst().min(by: { fields[$0].rank < fields[$1].rank }) {
            fields.remove(at: lowest)
        }
        let barWidth = Swift.min(width - textWidth() - 2, 32)
        let rest = fields.dropFirst().map(\.text).joined(separator: separator)
        let line = barWidth >= minimumBar
            ? fields[0].text + " " + ProgressFormat.bar(epochFractionDone, width: barWidth, style: barStyle) + " " + rest
            : fields[0].text + separator + rest
        return String(line.prefix(width))
    }

    /// A plain line for one finished epoch, for logs and pipes:
    ///
    ///     epoch  3/20  loss 0.1234  accuracy 97.2%  test accuracy 96.9%  412 steps/s  0:02 elapsed
    ///
    /// Fields that are not known (no test set, say) are left out.
    public var logLine: String {
        var fields = ["epoch " + ProgressFormat.counter(epoch, of: epochs)]
        if let loss { fields.append("loss " + ProgressFormat.loss(loss)) }
        if let accuracy { fields.append("accuracy " + ProgressFormat.percent(accuracy)) }
        if let testAccuracy { fields.append("test accuracy " + ProgressFormat.percent(testAccuracy)) }
        if let stepsPerSecond { fields.append(ProgressFormat.speed(stepsPerSecond)) }
        fields.append(ProgressFormat.duration(elapsed) + " elapsed")
        return fields.joined(separator: "  ")
    }
}
