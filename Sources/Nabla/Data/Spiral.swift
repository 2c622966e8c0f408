/// Interleaved spirals, one arm per class, as in Stanford's CS231n notes: a small problem that
/// needs a non-linear classifier. Deterministic: the same arguments give the same points on
/// every machine.
///
/// With K classes and N points per class, point i (0..<N) of class j (0..<K) is
///
///     r = i / (N − 1)              (0 when N = 1): the radius, evenly from 0 to 1
///     t = 4j + 4r + noise · z      the angle in radians, z a standard normal value
///     (x0, x1) = (r sin t, r cos t)
///
/// where z is the (jN + i)-th value of `NDArray<Double>.randomNormal` with the same seed
/// (Box–Muller pairs from `SeededGenerator`, taken in order). Classes come one after another,
/// in order; the points are not shuffled.
public enum Spiral {
    /// `classes × pointsPerClass` points, each [x0, x1], with labels 0..<classes. Invalid
    /// arguments are programming errors and stop the program.
    public static func generate(
        classes: Int = 3, pointsPerClass: Int = 100, noise: Double = 0.2, seed: UInt64 = 42
    ) -> (points: [[Double]], labels: [Int]) {
        require(classes >= 1, "Spiral: classes must be at least 1, not \(classes)")
        require(pointsPerClass >= 1, "Spiral: pointsPerClass must be at least 1, not \(pointsPerClass)")
        require(noise >= 0 && noise.isFinite, "Spiral: noise must be finite and not negative, not \(noise)")
        let normals = NDArray<Double>.randomNormal([classes * pointsPerClass], seed: seed).scalars
        var points: [[Double]] = []
        var labels: [Int] = []
        points.reserveCapacity(classes * pointsPerClass)
        labels.reserveCapacity(classes * pointsPerClass)
        for j in 0..<classes {
            for i in 0..<pointsPerClass {
                let r = pointsPerClass == 1 ? 0 : Double(i) / Double(pointsPerClass - 1)
                let t = 4 * Double(j) + 4 * r + noise * normals[j * pointsPerClass + i]
                points.append([r * Double.sin(t), r * Double.cos(t)])
                labels.append(j)
            }
        }
        return (points, labels)
    }

    /// The same points as a dataset: inputs [classes × pointsPerClass, 2], class labels.
    public static func dataset<Scalar: TensorScalar>(
        classes: Int = 3, pointsPerClass: Int = 100, noise: Double = 0.2, seed: UInt64 = 42,
        as scalar: Scalar.Type = Scalar.self
    ) -> Dataset<Scalar> {
        let (points, labels) = generate(classes: classes, pointsPerClass: pointsPerClass, noise: noise, seed: seed)
        return Dataset(
            checkedInputs: NDArray(shape: [labels.count, 2], checkedScalars: points.flatMap { $0.map { Scalar($0) } }),
            labels: labels,
            targets: nil
        )
    }
}
