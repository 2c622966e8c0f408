// The fields of progress lines, each a pure function from numbers to text of a steady width,
// so that a line redrawn in place does not jitter.

/// Text for each field of a progress line.
public enum ProgressFormat {
    /// How a progress bar is drawn.
    public enum BarStyle: Sendable {
        /// `[#########.........]`: plain ASCII, for any terminal.
        case ascii
        /// `[████████▍         ]`: Unicode blocks with eighths, for smooth progress.
        case blocks
    }

    /// A duration as `m:ss`, or `h:mm:ss` from an hour on: `0:02`, `12:34`, `1:02:03`. Unknown,
    /// negative or absurd durations read `--:--`.
    public static func duration(_ seconds: Double?) -> String {
        guard let seconds, seconds.isFinite, seconds >= 0, seconds < 360_000_000 else { return "--:--" }
        let total = Int(seconds.rounded())
        let (hours, minutes, secs) = (total / 3600, total / 60 % 60, total % 60)
        let twoDigits = { (n: Int) in n < 10 ? "0\(n)" : "\(n)" }
        return hours > 0 ? "\(hours):\(twoDigits(minutes)):\(twoDigits(secs))" : "\(minutes):\(twoDigits(secs))"
    }

    /// A loss to 4 significant digits, keeping trailing zeros: `0.1234`, `1.500`, `2.346e-05`;
    /// `-` when unknown.
    public static func loss(_ value: Double?) -> String {
        value.map { NumberFormat.significantFixed($0, digits: 4) } ?? "-"
    }

    /// An accuracy (a fraction) as a percentage with one decimal: `97.2%`; `-` when unknown.
    public static func percent(_ fraction: Double?) -> String {
        fraction.map { NumberFormat.percent($0, decimals: 1) } ?? "-"
    }

    /// A speed: `412 steps/s`, `41.2 steps/s`, `3.52 steps/s`, or seconds per step below one step
    /// a second (`2.50 s/step`); `- steps/s` when unknown.
    public static func speed(_ stepsPerSecond: Double?) -> String {
        guard let rate = stepsPerSecond, rate.isFinite, rate > 0 else { return "- steps/s" }
        if rate >= 100 { return NumberFormat.fixed(rate, decimals: 0) + " steps/s" }
        if rate >= 10 { return NumberFormat.fixed(rate, decimals: 1) + " steps/s" }
        if rate >= 1 { return NumberFormat.fixed(rate, decimals: 2) + " steps/s" }
        return NumberFormat.significantFixed(1 / rate, digits: 3) + " s/step"
    }

    /// `count/total` with `count` padded to the width of `total`, so that `  7/500` keeps its
    /// place as the count grows.
    public static func counter(_ count: Int, of total: Int) -> String {
        let text = String(count)
        let width = String(total).count
        return String(repeating: " ", count: Swift.max(0, width - text.count)) + text + "/" + String(total)
    }

    /// A bar `width` characters wide, brackets included, filled to `fraction` (clamped to 0...1;
    /// NaN reads as 0). Widths under 3 give an empty string.
    public static func bar(_ fraction: Double, width: Int, style: BarStyle = .ascii) -> String {
        let inner = width - 2
        guard inner > 0 else { return "" }
        let f = fraction.isNaN ? 0 : Swift.min(1, Swift.max(0, fraction))
        switch style {
        case .ascii:
            let full = Int((f * Double(inner)).rounded(.down))
            return "[" + String(repeating: "#", count: full) + String(repeating: ".", count: inner - full) + "]"
        case .blocks:
            let eighths = Int((f * Double(inner * 8)).rounded(.down))
            let (full, partial) = (eighths / 8, eighths % 8)
            let partials: [Character] = ["▏", "▎", "▍", "▌", "▋", "▊", "▉"]
            var text = "[" + String(repeating: "█", count: full)
            if partial > 0 { text.append(partials[partial - 1]) }
            return text + String(repeating: " ", count: inner - full - (partial > 0 ? 1 : 0)) + "]"
        }
    }

    /// `text` padded with spaces to `width` characters, before it (right-aligned) or after it.
    static func padded(_ text: String, to width: Int, after: Bool = false) -> String {
        let padding = String(repeating: " ", count: Swift.max(0, width - text.count))
        return after ? text + padding : padding + text
    }
}
