/// A model, or a part of one: an object whose trainable parameters (leaf ``Tensor``s) and
/// buffers (``Buffer``s, such as batch-norm's running statistics) are found by reflection over
/// its stored properties, nested modules included: nothing is listed by hand.
///
/// ```swift
/// final class Classifier: Layer {
///     let hidden = Linear<Float>(64, 128, seed: 1)
///     let output = Linear<Float>(128, 10, seed: 2)
///     func forward<T: DifferentiableTensor>(_ x: T, _ context: ForwardContext<T>) -> T where T.Scalar == Float {
///         output.forward(relu(hidden.forward(x, context)), context)
///     }
/// }
/// let model = Classifier()
/// model.parameterCount              // 9,610
/// model.namedParameters.map(\.name) // ["hidden.weight", "hidden.bias", "output.weight", "output.bias"]
/// ```
///
/// Names follow PyTorch's `state_dict`: property names joined by dots, elements of arrays by
/// their index (`layers.0.weight`), camel case written as snake case (`runningMean` becomes
/// `running_mean`), so weights saved by one load in the other.
public protocol Module<Scalar>: AnyObject {
    /// The element type of the module's parameters and buffers.
    associatedtype Scalar: TensorScalar
}

/// A module with a forward pass written once for every algebra: run on ``Tensor`` it records a
/// dynamic graph, on ``TensorSymbol`` it builds a static one, as a `jax.jit` trace does.
public protocol Layer<Scalar>: Module {
    /// The layer applied to `input`. Parameters enter through `context.parameter(_:)`.
    func forward<T: DifferentiableTensor>(_ input: T, _ context: ForwardContext<T>) -> T where T.Scalar == Scalar
}

extension Layer {
    /// The layer applied to a tensor, recording a dynamic graph (PyTorch's `model(x)`).
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        forward(input, .dynamic())
    }
}

/// A module whose behaviour differs between training and evaluation (dropout, batch
/// normalisation). ``Module/train()`` and ``Module/eval()`` set the flag on every such module in
/// a model.
public protocol TrainingModeDependent: AnyObject {
    /// True in training mode, false in evaluation mode.
    var isTraining: Bool { get set }
}

/// A module's state that is not trained by gradients but saved with it, such as batch-norm's
/// running mean (PyTorch's buffers). A reference, so a loaded model updates in place.
public final class Buffer<Scalar: TensorScalar> {
    /// The current value; loading and batch-norm updates replace it.
    public var value: NDArray<Scalar>
    /// A buffer holding `value`.
    public init(_ value: NDArray<Scalar>) { self.value = value }
}
