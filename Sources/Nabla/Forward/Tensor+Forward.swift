// Forward mode over a tensor tape: one loop from the leaves up, each node's tangent given by its
// operation's tangent rule (`TensorOperation.tangent`), the forward face of the declaration that
// also gives its pullback.

extension TensorTape {
    /// The tangent of every node up to `root`, the nodes in `seeds` having the given tangents
    /// (nil: zero). Values are read from the tape; nothing is recorded. Specialised for `Float`
    /// and `Double`, as the backward sweep is: unspecialised, each tangent rule's elementwise
    /// arithmetic ran through generic witnesses per element (the sweep cost twice the streaming
    /// `DualTensor`'s time on the mlp-jvp benchmark).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func tangents(upTo root: Int32, seeds: [Int32: NDArray<Scalar>]) -> [NDArray<Scalar>?] {
        var tangents = [NDArray<Scalar>?](repeating: nil, count: Int(root) + 1)
        for i in 0...Int(root) {
            if let seed = seeds[Int32(i)] {
                tangents[i] = seed
                continue
            }
            if let custom = extras?.customFunctions[Int32(i)] {
                tangents[i] = custom.tangent(at: Int32(i), on: self, tangents: custom.inputs.map { tangents[Int($0)] })
                continue
            }
            if let fused = extras?.fusedProducts[Int32(i)] {
                tangents[i] = fused.tangent(at: Int32(i), on: self, tangents: tangents)
                continue
            }
            let node = nodes[i]
            guard node.operation.arity > 0, node.requiresGrad else { continue }
            let binary = node.operation.arity == 2
            let dx = tangents[Int(node.x)], dy = binary ? tangents[Int(node.y)] : nil
            guard dx != nil || dy != nil else { continue }
            tangents[i] = node.operation.tangent(nodes[Int(node.x)].value, nodes[Int(node.y)].value, output: node.value, tangents: (dx, dy))
        }
        return tangents
    }
}

extension Tensor {
    /// The directional derivative of this tensor along `directions`: Σₖ ∂self/∂tensorsₖ · directionsₖ,
    /// a Jacobian-vector product computed in forward mode, by one sweep up the recorded graph
    /// (PyTorch's `torch.func.jvp`, evaluated on a recorded graph). `tensors` are leaves or
    /// computed tensors of this tensor's graph (a tensor it does not depend on contributes
    /// nothing); each direction has its tensor's shape. Callable many times: nothing is consumed.
    public func tangent(wrt tensors: [Tensor], along directions: [NDArray<Scalar>]) -> NDArray<Scalar> {
        require(tensors.count == directions.count, "Tensor.tangent(wrt:along:): \(tensors.count) tensors but \(directions.count) directions")
        for (t, d) in zip(tensors, directions) {
            require(t.shape == d.shape, "Tensor.tangent(wrt:along:): a direction of shape \(d.shape) for a tensor of shape \(t.shape)")
        }
        guard let tape else {
            var total: NDArray<Scalar>?
            for (t, d) in zip(tensors, directions) where t.leaf != nil && t.leaf === leaf { total = total.map { $0 + d } ?? d }
            return total ?? NDArray.zeros(shape)
        }
        var seeds: [Int32: NDArray<Scalar>] = [:]
        for (t, d) in zip(tensors, directions) {
            guard let i = t.index(in: tape), i <= index else { continue }
            seeds[i] = seeds[i].map { $0 + d } ?? d
        }
        return tape.tangents(upTo: index, seeds: seeds)[Int(index)] ?? NDArray.zeros(shape)
    }
}

// MARK: Function transforms (JAX's jvp, vjp, jacfwd/jacrev, hessian)

/// The value of `f` at `inputs` and its directional derivative along `directions`: the
/// Jacobian-vector product Σₖ ∂f/∂xₖ · directionsₖ, in forward mode (JAX's `jax.jvp`, PyTorch's
/// `torch.func.jvp`). `f` is recorded once on leaves holding `inputs`; the tangent is then
/// computed by one sweep up that graph with each operation's tangent rule. Each direction has its
/// input's shape.
public func jvp<S: TensorScalar>(at inputs: [NDArray<S>], along directions: [NDArray<S>],
                                 _ f: ([Tensor<S>]) -> Tensor<S>) -> (value: NDArray<S>, derivative: NDArray<S>) {
    require(inputs.count == directions.count, "jvp(at:along:): \(inputs.count) inputs but \(directions.count) directions")
    let leaves = inputs.map { Tensor($0, requiresGrad: true) }
    let output = f(leaves)
    return (output.data, output.tangent(wrt: leaves, along: directions))
}

/// The value of `f` at `inputs` and its pullback: the vector-Jacobian product
/// v ↦ (vᵀ ∂f/∂x₀, vᵀ ∂f/∂x₁, …), in reverse mode (JAX's `jax.vjp`, PyTorch's `torch.func.vjp`).
/// `f` is recorded once; the pullback may be called any number of times (one backward sweep each),
/// with a cotangent `v` of the output's shape.
public func vjp<S: TensorScalar>(at inputs: [NDArray<S>],
                                 _ f: ([Tensor<S>]) -> Tensor<S>) -> (value: NDArray<S>, pullback: (NDArray<S>) -> [NDArray<S>]) {
    let leaves = inputs.map { Tensor($0, requiresGrad: true) }
    let output = f(leaves)
    return (output.data, { cotangent in output.gradients(wrt: leaves, seed: cotangent) })
}

/// The Jacobian of `f` at `input`, of shape `f`'s output shape followed by the input's shape:
/// J[i…, j…] = ∂f(x)[i…]/∂x[j…] (JAX's `jacfwd`/`jacrev`, PyTorch's
/// `torch.autograd.functional.jacobian`). `f` is recorded once; then `.forward` sweeps it once per
/// input entry (a Jacobian-vector product along each basis vector: a column), `.reverse` once
/// per output entry (a vector-Jacobian product: a row), and `.automatic` (the default) takes
/// forward when the input has fewer entries than the output, as JAX advises.
public func jacobian<S: TensorScalar>(at input: NDArray<S>, mode: JacobianMode = .automatic,
                                      _ f: (Tensor<S>) -> Tensor<S>) -> NDArray<S> {
    let leaf = Tensor(input, requiresGrad: true)
    let output = f(leaf)
    return jacobian(of: output, wrt: leaf, mode: mode)
}

/// The Hessian of a scalar function `f` at `input`, of shape input shape + input shape:
/// H[i…, j…] = ∂²f/∂x[i…]∂x[j…] (JAX's `hessian`, PyTorch's `torch.func.hessian`), computed
/// forward-over-reverse: the gradient is recorded as a differentiable graph, then each column is
/// the Jacobian-vector product of that gradient along a basis vector. `f` must return one element.
public func hessian<S: TensorScalar>(at input: NDArray<S>, _ f: (Tensor<S>) -> Tensor<S>) -> NDArray<S> {
    let leaf = Tensor(input, requiresGrad: true)
    let output = f(leaf)
    require(output.shape.count == 1, "hessian(at:): f returns shape \(output.shape); it must return one element")
    let gradient = output.differentiableGradients(wrt: [leaf])[0]
    return jacobian(of: gradient, wrt: leaf, mode: .forward)
}

/// The Jacobian of a recorded `output` with respect to `leaf`, rows by reverse sweeps or
/// columns by forward sweeps.
func jacobian<S: TensorScalar>(of output: Tensor<S>, wrt leaf: Tensor<S>, mode: JacobianMode) -> NDArray<S> {
    let (m, n) = (output.shape.count, leaf.shape.count)
    let forward = switch mode {
    case .automatic: n < m
    case .forward: true
    case .reverse: false
    }
    var entries = [S](repeating: 0, count: m * n)
    if forward {
        for j in 0..<n {
            var basis = NDArray<S>.zeros(leaf.shape)
            basis.scalars[j] = 1
            let column = output.tangent(wrt: [leaf], along: [basis]).scalars
            for i in 0..<m { entries[i * n + j] = column[i] }
        }
    } else {
        for i in 0..<m {
            var basis = NDArray<S>.zeros(output.shape)
            basis.scalars[i] = 1
            let row = output.gradients(wrt: [leaf], seed: basis)[0].scalars
            for j in 0..<n { entries[i * n + j] = row[j] }
        }
    }
    return NDArray(shape: Shape(output.shape.dimensions + leaf.shape.dimensions), checkedScalars: entries)
}
