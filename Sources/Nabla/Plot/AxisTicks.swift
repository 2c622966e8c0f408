// Round tick values for axes: steps of 1, 2 or 5 times a power of ten, as people label axes by
// hand.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Evenly spaced ticks at round values (multiples of 1, 2 or 5 × 10ⁿ) for an axis over an
/// interval, with their labels.
///
/// ```swift
/// let ticks = AxisTicks(covering: PlotInterval(0.0013, 0.0071))
/// ticks.values   // [0.001, 0.002, ..., 0.008]
/// ticks.labels   // ["0.001", "0.002", ..., "0.008"]
/// ```
public struct AxisTicks: Hashable, Sendable {
    /// The interval the axis shows.
    public private(set) var interval: PlotInterval
    /// The distance between neighbouring ticks; 0 only when the interval is too narrow for its
    /// magnitude to be divided (then the ticks are just its ends).
    public private(set) var step: Double
    /// The tick positions, ascending, all inside ``interval``.
    public private(set) var values: [Double]
    /// Whether the axis is logarithmic: then ``interval``, ``step`` and ``values`` are base-10
    /// logarithms of the data, and the labels show the data (`0.01`, `0.1`, `1`).
    public private(set) var isLogarithmic = false

    /// Ticks about `count` apart across `interval`, which is widened to whole steps so that the
    /// axis starts and ends on a tick: for an axis scaled to its data.
    /// - Parameters:
    ///   - interval: the data's range.
    ///   - count: about how many parts to divide it into.
    ///   - minimumStep: the smallest step allowed, e.g. 1 for epochs.
    public init(covering interval: PlotInterval, count: Int = 5, minimumStep: Double = 0) {
        let step = Self.niceStep(for: interval, count: count, minimumStep: minimumStep)
        guard let step else {
            self.init(interval: interval, step: 0, values: [interval.lower, interval.upper])
            return
        }
        let lower = floor(interval.lower / step) * step
        let upper = ceil(interval.upper / step) * step
        // Near the largest Double, rounding out could overflow: keep the interval then.
        let widened = (upper - lower).isFinite ? PlotInterval(lower, upper) : interval
        self.init(interval: widened, step: step, values: Self.multiples(of: step, in: widened))
    }

    /// Ticks about `count` apart inside `interval`, which stays as it is: for an axis whose
    /// range is fixed, such as accuracy from 0 to 1 or a region of the plane.
    public init(within interval: PlotInterval, count: Int = 5, minimumStep: Double = 0) {
        guard let step = Self.niceStep(for: interval, count: count, minimumStep: minimumStep) else {
            self.init(interval: interval, step: 0, values: [interval.lower, interval.upper])
            return
        }
        self.init(interval: interval, step: step, values: Self.multiples(of: step, in: interval))
    }

    private init(interval: PlotInterval, step: Double, values: [Double]) {
        self.interval = interval
        self.step = step
        self.values = values
    }

    /// The labels of ``values``.
    public var labels: [String] {
        values.map(label)
    }

    /// A value written with as many decimals as the step needs: `0.25`, `100`, `0.002`; in
    /// scientific notation for very large or small steps.
    public func label(_ value: Double) -> String {
        if isLogarithmic { return Self.powerOfTenLabel(value) }
        let value = abs(value) < step * 1e-9 ? 0 : value
        guard step > 0, step >= 1e-4, step < 1e6, abs(value) < 1e9 else {
            return NumberFormat.significant(value, digits: 3)
        }
        return NumberFormat.fixed(value, decimals: Swift.max(0, -NumberFormat.decimalExponent(of: step)))
    }

    /// Ticks for a logarithmic axis over `interval`, given as base-10 logarithms of the data:
    /// at every power of ten (every second, fifth... over many decades), and at 2 and 5 times
    /// the powers of ten when the data spans less than two decades. The interval is widened to
    /// whole decades.
    public init(logarithmicCovering interval: PlotInterval, count: Int = 5) {
        guard let decades = Self.niceStep(for: interval, count: count, minimumStep: 1) else {
            self.init(covering: interval, count: count)
            return
        }
        let widened = PlotInterval(floor(interval.lower / decades) * decades, ceil(interval.upper / decades) * decades)
        var values = Self.multiples(of: decades, in: widened)
        if widened.span <= 2, decades == 1 {
            let between = values.dropLast().flatMap { [$0 + log10(2.0), $0 + log10(5.0)] }
            values = (values + between).sorted()
        }
        self.init(interval: widened, step: decades, values: values)
        isLogarithmic = true
    }

    /// 10^`exponent` written plainly from 0.0001 to 100000 (`0.02`, `500`), in scientific notation
    /// beyond.
    private static func powerOfTenLabel(_ exponent: Double) -> String {
        let value = pow(10, exponent)
        let whole = exponent.rounded(.down)
        guard whole >= -4, whole <= 5 else { return NumberFormat.significant(value, digits: 1) }
        return NumberFormat.compact(value, decimals: Swift.max(0, Int(-whole)))
    }

    /// The round step closest to dividing `interval` into `count` parts, or `nil` when the
    /// interval is too narrow for its magnitude to hold distinct ticks.
    static func niceStep(for interval: PlotInterval, count: Int, minimumStep: Double) -> Double? {
        let raw = interval.span / Double(Swift.max(1, count))
        guard raw.isFinite, raw > 0 else { return nil }
        let magnitude = pow(10, floor(log10(raw)))
        let residual = raw / magnitude
        // Thresholds at the geometric means between 1, 2, 5 and 10 pick the closest round step.
        let factor: Double = residual >= 50.squareRoot() ? 10 : residual >= 10.squareRoot() ? 5 : residual >= 2.squareRoot() ? 2 : 1
        var step = factor * magnitude
        if minimumStep > 0, minimumStep.isFinite { step = Swift.max(step, minimumStep) }
        let extent = Swift.max(abs(interval.lower), abs(interval.upper))
        guard step.isFinite, step > 0, extent / step < 1e12, interval.span / step <= 1000 else { return nil }
        return step
    }

    /// The multiples of `step` inside `interval` (allowing for rounding at the ends).
    private static func multiples(of step: Double, in interval: PlotInterval) -> [Double] {
        let tolerance = 1e-9
        let first = ceil(interval.lower / step - tolerance)
        let last = floor(interval.upper / step + tolerance)
        guard first <= last else { return [] }
        var values: [Double] = []
        var k = first
        while k <= last, values.count <= 1000 {
            values.append(k == 0 ? 0 : k * step)
            k += 1
        }
        return values
    }
}
