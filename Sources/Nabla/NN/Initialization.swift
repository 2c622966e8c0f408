/// How layers draw their initial parameters: PyTorch's defaults, from a seedable generator so
/// the same seed gives the same model on every machine.
public enum Initialization {
    /// Uniform on [−bound, bound] with bound = 1/√fanIn. This is PyTorch's default for `Linear`
    /// and `Conv2d` weights: Kaiming-uniform with a = √5, whose bound gain·√(3/fanIn) with
    /// gain = √(2/(1 + a²)) = √(1/3) reduces to 1/√fanIn; and the same bound for their biases.
    public static func kaimingUniform<Scalar: TensorScalar>(_ shape: Shape, fanIn: Int, generator: inout SeededGenerator) -> NDArray<Scalar> {
        let bound = fanIn > 0 ? 1 / Double(fanIn).squareRoot() : 0
        return uniform(shape, bound: bound, generator: &generator)
    }

    /// Uniform on [−bound, bound], drawn row-major.
    public static func uniform<Scalar: TensorScalar>(_ shape: Shape, bound: Double, generator: inout SeededGenerator) -> NDArray<Scalar> {
        NDArray(shape: shape, checkedScalars: (0..<shape.count).map { _ in Scalar(-bound + 2 * bound * generator.nextUnit()) })
    }

    /// Standard normal (Box–Muller), as PyTorch initialises `Embedding`.
    public static func normal<Scalar: TensorScalar>(_ shape: Shape, generator: inout SeededGenerator) -> NDArray<Scalar> {
        var values: [Scalar] = []
        values.reserveCapacity(shape.count)
        while values.count < shape.count {
            let (z0, z1) = generator.nextNormalPair()
            values.append(Scalar(z0))
            if values.count < shape.count { values.append(Scalar(z1)) }
        }
        return NDArray(shape: shape, checkedScalars: values)
    }
}
