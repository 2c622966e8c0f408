/// A learning rate as a function of the step (or epoch) number, from 0. Set it on the
/// optimiser before each step: `optimizer.learningRate = schedule.learningRate(at: step)`.
///
/// Schedules with an end (``CosineAnnealing``'s period, ``LinearDecay``'s steps) hold their
/// final rate for any later step, so a run longer than its schedule keeps training at the last
/// rate; none of them gives a negative rate from a non-negative one. Build a schedule from the
/// run's real length (``Experiment`` does: its schedules span its epochs × steps per epoch).
public protocol LearningRateSchedule: Sendable {
    /// The rate for `step` (counted from 0).
    func learningRate(at step: Int) -> Double
}

/// The rate multiplied by γ every `stepSize` steps (PyTorch's `StepLR`): η·γ^⌊t/stepSize⌋
/// (η for a negative t). It has no end; γ is at least 0, so the rate keeps η's sign.
public struct StepDecay: LearningRateSchedule {
    /// η, the rate at step 0; the steps between decays; γ, the factor applied at each.
    public let initial: Double, stepSize: Int, gamma: Double
    /// A schedule with PyTorch's default γ = 0.1. A step size ≤ 0 or a negative γ stops (a
    /// programmer error).
    public init(initial: Double, stepSize: Int, gamma: Double = 0.1) {
        require(stepSize > 0, "StepDecay: step size must be positive, got \(stepSize)")
        require(gamma >= 0, "StepDecay: gamma must be ≥ 0, got \(gamma)")
        (self.initial, self.stepSize, self.gamma) = (initial, stepSize, gamma)
    }
    /// η·γ^⌊t/stepSize⌋ for t ≥ 0; η before 0.
    public func learningRate(at step: Int) -> Double { initial * Double.pow(gamma, Double(Swift.max(0, step) / stepSize)) }
}

/// Cosine annealing from η to η_min over `period` steps (PyTorch's `CosineAnnealingLR`, without
/// restarts): η_min + (η − η_min)(1 + cos(πt/T))/2 for t in 0...T, η_min for every later step
/// (and η before 0).
public struct CosineAnnealing: LearningRateSchedule {
    /// η, the rate at step 0; η_min, the final rate (PyTorch's `eta_min`); T, the steps to reach
    /// it (PyTorch's `T_max`).
    public let initial: Double, minimum: Double, period: Int
    /// A schedule from `initial` down to `minimum` (0 by default, as PyTorch). A period ≤ 0 stops
    /// (a programmer error).
    public init(initial: Double, period: Int, minimum: Double = 0) {
        require(period > 0, "CosineAnnealing: period must be positive, got \(period)")
        (self.initial, self.period, self.minimum) = (initial, period, minimum)
    }
    /// η_min + (η − η_min)(1 + cos(π·t/T))/2, with t clamped to 0...T.
    public func learningRate(at step: Int) -> Double {
        let t = Double(Swift.min(Swift.max(0, step), period)) / Double(period)
        return minimum + (initial - minimum) * (1 + Double.cos(Double.pi * t)) / 2
    }
}

/// A linear decay from η to η·(1 − fraction) over `steps` steps: η − η·fraction·t/steps for t
/// in 0...steps, and the final rate η·(1 − fraction) for every later step (η before 0), so the
/// rate never crosses zero. micrograd's demo uses 1.0 − 0.9·t/100 over its 100 steps.
public struct LinearDecay: LearningRateSchedule {
    /// η, the rate at step 0; the fraction of η removed by the end; the steps it takes.
    public let initial: Double, fraction: Double, steps: Int
    /// A decay of `fraction` of `initial` over `steps` steps. Steps ≤ 0 or a fraction outside
    /// 0...1 stop (a programmer error).
    public init(initial: Double, by fraction: Double, over steps: Int) {
        require(steps > 0, "LinearDecay: steps must be positive, got \(steps)")
        require((0...1).contains(fraction), "LinearDecay: the fraction decayed must be in 0...1, got \(fraction)")
        (self.initial, self.fraction, self.steps) = (initial, fraction, steps)
    }
    /// η − η·fraction·t/steps, with t clamped to 0...steps.
    public func learningRate(at step: Int) -> Double {
        initial - initial * fraction * Double(Swift.min(Swift.max(0, step), steps)) / Double(steps)
    }
}

/// A linear warm-up from 0 over `warmupSteps` steps (step t gets η·(t + 1)/warmupSteps), then
/// `schedule` from its own step 0.
public struct LinearWarmup<Schedule: LearningRateSchedule>: LearningRateSchedule {
    /// The warm-up's length in steps, and the schedule that follows it.
    public let warmupSteps: Int, schedule: Schedule
    /// A warm-up towards `schedule`'s rate at its step 0; negative warm-up steps stop (a
    /// programmer error).
    public init(warmupSteps: Int, then schedule: Schedule) {
        require(warmupSteps >= 0, "LinearWarmup: warm-up steps must be ≥ 0")
        (self.warmupSteps, self.schedule) = (warmupSteps, schedule)
    }
    /// η₀·(t + 1)/warmupSteps for t < warmupSteps (η₀ the schedule's rate at its step 0), then
    /// the schedule's rate at t − warmupSteps.
    public func learningRate(at step: Int) -> Double {
        step < warmupSteps ? schedule.learningRate(at: 0) * Double(step + 1) / Double(warmupSteps)
                           : schedule.learningRate(at: step - warmupSteps)
    }
}

/// The same rate at every step.
public struct ConstantRate: LearningRateSchedule {
    /// The rate returned for every step.
    public let rate: Double
    /// A schedule that always gives `rate`.
    public init(_ rate: Double) { self.rate = rate }
    /// ``rate``, whatever the step.
    public func learningRate(at step: Int) -> Double { rate }
}
