/// Two interleaving half circles in the plane, a classic small problem that no straight line
/// separates. Deterministic: the same arguments give the same points, bit for bit, everywhere.
///
/// With half = count / 2, t_i = π·i / (half − 1) for i in 0..<half, and the generator
/// `SeededGenerator(seed:)` drawing nx then ny for each point, each uniform in [−noise, noise)
/// as (2u − 1)·noise:
///
/// - the outer moon, label −1, comes first: (cos t_i + nx, sin t_i + ny);
/// - then the inner moon, label +1, continuing the same draws: (1 − cos t_i + nx, 1 − sin t_i − 0.5 + ny).
///
/// The points are not shuffled.
public enum TwoMoons {
    /// `count` points (an even number, at least 4), each [x0, x1], with labels −1 (outer moon)
    /// and +1 (inner moon). Invalid arguments are programming errors and stop the program.
    public static func generate(count: Int = 100, noise: Double = 0.1, seed: UInt64 = 42) -> (points: [[Double]], labels: [Double]) {
        require(count >= 4 && count.isMultiple(of: 2), "TwoMoons: count must be even and at least 4, not \(count)")
        require(noise >= 0 && noise.isFinite, "TwoMoons: noise must be finite and not negative, not \(noise)")
        var generator = SeededGenerator(seed: seed)
        let half = count / 2
        var points: [[Double]] = []
        points.reserveCapacity(count)
        for moon in 0..<2 {
            for i in 0..<half {
                let t = Double.pi * Double(i) / Double(half - 1)
                let nx = (2.0 * generator.nextUnit() - 1.0) * noise
                let ny = (2.0 * generator.nextUnit() - 1.0) * noise
                let (cosT, sinT) = (Double.cos(t), Double.sin(t))
                points.append(moon == 0 ? [cosT + nx, sinT + ny] : [1.0 - cosT + nx, ((1.0 - sinT) - 0.5) + ny])
            }
        }
        let labels = [Double](repeating: -1, count: half) + [Double](repeating: 1, count: half)
        return (points, labels)
    }

    /// The same points as a dataset: inputs [count, 2], class labels 0 (outer moon) and 1 (inner
    /// moon), and targets [count, 1] holding −1 and +1 (for a tanh output or a hinge loss).
    public static func dataset<Scalar: TensorScalar>(
        count: Int = 100, noise: Double = 0.1, seed: UInt64 = 42, as scalar: Scalar.Type = Scalar.self
    ) -> Dataset<Scalar> {
        let (points, signs) = generate(count: count, noise: noise, seed: seed)
        return Dataset(
            checkedInputs: NDArray(shape: [count, 2], checkedScalars: points.flatMap { $0.map { Scalar($0) } }),
            labels: signs.map { $0 > 0 ? 1 : 0 },
            targets: NDArray(shape: [count, 1], checkedScalars: signs.map { Scalar($0) })
        )
    }
}
