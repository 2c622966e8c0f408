/// Validating a model's input before running it: a service turns a bad request into a thrown
/// error instead of stopping the program.
///
/// The layer is traced on a ``TensorGraph`` (symbols, no numbers), where every shape rule and
/// every layer's own shape check record the first mismatch instead of stopping; the trace then
/// throws it. Nothing is computed, so validation costs about one graph build of the model
/// (microseconds to a millisecond for the models in this package).
///
/// ```swift
/// let model = Sequential<Float>.mlp([784, 256, 10], seed: 1)
/// do {
///     let logits = try model(checking: request)        // throws for a [1, 783] request
/// } catch {
///     print(error)   // Linear(784 → 256): [1, 783] — the input does not end in 784 features
/// }
/// ```
extension Layer {
    /// The shape of the layer's output for an input of `shape`, or the first shape mismatch the
    /// input would meet (naming the op or layer and the shapes). The model's current mode
    /// (``Module/train()`` / ``Module/eval()``) is the one checked; nothing is recorded or run.
    public func outputShape(forInput shape: Shape) throws(TensorShapeError) -> Shape {
        let graph = TensorGraph<Scalar>()
        let context = ForwardContext<TensorSymbol<Scalar>>(
            parameter: { graph.constant($0.data) },
            buffer: { graph.constant($0.value) },
            dropoutMask: { shape, _ in graph.constant(NDArray.ones(shape)) },
            observe: { _, _ in })
        let output = forward(graph.input("input", shape: shape), context)
        try graph.check()
        return output.shape
    }

    /// The layer applied to `input` (recording a dynamic graph, as `model(input)`), after
    /// checking that the input's shape fits the model: a mismatch is thrown, not a stop.
    public func callAsFunction(checking input: Tensor<Scalar>) throws(TensorShapeError) -> Tensor<Scalar> {
        _ = try outputShape(forInput: input.shape)
        return self(input)
    }
}
