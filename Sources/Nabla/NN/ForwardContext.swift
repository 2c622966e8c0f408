import Synchronization

/// What a layer's forward pass needs besides its input, for the algebra `T` it runs in: its
/// parameters as values of `T`, random dropout masks, and a way to report statistics (batch
/// norm's running mean) once they are known.
///
/// The dynamic context (``dynamic()``) uses each parameter's own leaf tensor, draws masks at once
/// and reports statistics immediately. A static context (made by ``CompiledModel``) turns each
/// parameter into a graph input, each mask into an input fed fresh on every run, and each
/// statistic into an extra output applied after the run.
public struct ForwardContext<T: DifferentiableTensor> {
    let lift: (Tensor<T.Scalar>) -> T
    let liftBuffer: (Buffer<T.Scalar>) -> T
    let makeMask: (Shape, Double) -> T
    let observe: (T, @escaping (NDArray<T.Scalar>) -> Void) -> Void

    /// A context from its four operations: how a parameter and a buffer become values of `T`,
    /// how a dropout mask of a shape and keep probability is made, and how a statistic's update
    /// is scheduled. ``dynamic()`` and ``CompiledModel`` make the usual ones.
    public init(parameter lift: @escaping (Tensor<T.Scalar>) -> T,
                buffer liftBuffer: @escaping (Buffer<T.Scalar>) -> T,
                dropoutMask makeMask: @escaping (Shape, Double) -> T,
                observe: @escaping (T, @escaping (NDArray<T.Scalar>) -> Void) -> Void) {
        self.lift = lift
        self.liftBuffer = liftBuffer
        self.makeMask = makeMask
        self.observe = observe
    }

    /// A parameter (a leaf tensor of the model) as a value in this context.
    public func parameter(_ tensor: Tensor<T.Scalar>) -> T { lift(tensor) }

    /// A buffer's current value as a constant of this context (in a static graph, an input fed
    /// with the value it has when the program runs).
    public func buffer(_ buffer: Buffer<T.Scalar>) -> T { liftBuffer(buffer) }

    /// A mask of `shape` whose entries are 1/keep with probability `keep` and 0 otherwise
    /// (inverted dropout: the expected value of mask·x is x).
    public func dropoutMask(_ shape: Shape, keep: Double) -> T { makeMask(shape, keep) }

    /// Calls `update` with the value of `statistic` once it is computed (at once in the dynamic
    /// mode; after the run in the static mode). Batch norm updates its running averages so.
    public func observe(_ statistic: T, _ update: @escaping (NDArray<T.Scalar>) -> Void) { observe(statistic, update) }
}

extension ForwardContext {
    /// The dynamic context: parameters are their own leaf tensors, masks are drawn from
    /// ``DropoutRandomness/shared``, statistics are reported at once. `layer.forward(x, .dynamic())`.
    public static func dynamic<Scalar>() -> ForwardContext<Tensor<Scalar>> {
        ForwardContext<Tensor<Scalar>>(
            parameter: { $0 },
            buffer: { Tensor($0.value) },
            dropoutMask: { shape, keep in Tensor(DropoutRandomness.shared.mask(shape, keep: keep)) },
            observe: { statistic, update in update(statistic.data) })
    }
}

/// Where dropout masks come from: a seedable generator, so training runs repeat exactly.
public final class DropoutRandomness: Sendable {
    let generator: Mutex<SeededGenerator>

    /// A source whose sequence of masks is fixed by `seed`.
    public init(seed: UInt64) { generator = Mutex(SeededGenerator(seed: seed)) }

    /// The generator the dynamic context draws from; ``reseed(_:)`` it for reproducible runs.
    public static let shared = DropoutRandomness(seed: 0x5EED)

    /// Restarts the sequence of masks from `seed`.
    public func reseed(_ seed: UInt64) { generator.withLock { $0 = SeededGenerator(seed: seed) } }

    /// 1/keep with probability `keep`, else 0, for each of `shape`'s elements.
    public func mask<Scalar: TensorScalar>(_ shape: Shape, keep: Double) -> NDArray<Scalar> {
        generator.withLock { Self.mask(shape, keep: keep, generator: &$0) }
    }

    /// 1/keep with probability `keep`, else 0, for each of `shape`'s elements in row-major order:
    /// an element is kept when `generator.nextUnit()` is below `keep`. A keep probability outside
    /// (0, 1] stops (a programmer error).
    public static func mask<Scalar: TensorScalar>(_ shape: Shape, keep: Double, generator: inout SeededGenerator) -> NDArray<Scalar> {
        require(keep > 0 && keep <= 1, "dropout: keep probability \(keep) is not in (0, 1]")
        let scale = Scalar(1 / keep)
        return NDArray(shape: shape, checkedScalars: (0..<shape.count).map { _ in generator.nextUnit() < keep ? scale : 0 })
    }
}
