// JAX's function transforms for functions of scalars (`Value`s): jvp, vjp, jacobian, hessian.
//
// `f` is a function of `Value`s, not a generic one, so it cannot be re-run on dual numbers: each
// transform runs it once on new leaves, recording it on the dynamic tape, and then sweeps the
// tape: forward (one loop up the tape per input direction, `Tape.tangents(through:seeds:)`) or
// reverse (one loop down per output, as `backward()`). Both loops are iterative, whatever the
// graph's depth, and both use each primitive's one declaration (forward through its derived
// tangent rule). For a function written generically over `DifferentiableScalar`, evaluating it on
// `Dual` numbers does the same without a tape.

/// The value of `f` at `point` and its directional derivative along `direction`: f(x) and
/// ∇f(x)·v, in one forward sweep (JAX's `jax.jvp`, PyTorch's `torch.func.jvp`).
///
/// ```swift
/// let (value, derivative) = jvp(at: [1, 2], along: [1, 0]) { x in x[0] * x[1] + sin(x[0]) }
/// // value = 2 + sin 1, derivative = ∂f/∂x₀ = x₁ + cos x₀ = 2 + cos 1
/// ```
public func jvp(at point: [Double], along direction: [Double], _ f: ([Value]) -> Value) -> (value: Double, derivative: Double) {
    require(point.count == direction.count,
            "Nabla: jvp was given \(point.count) inputs but \(direction.count) tangents")
    let (leaves, output) = recordingOnLeaves(point, f)
    return (output.data, Value.directionalDerivatives(of: [output], wrt: leaves, along: direction)[0])
}

/// The value of `f` at `point` and its pullback v ↦ v·∇f(x), which can be called as many times
/// as wanted (one reverse sweep of the recorded graph each): JAX's `jax.vjp`, PyTorch's
/// `torch.func.vjp`. Call the pullback on the thread that called `vjp`.
///
/// ```swift
/// let (value, pullback) = vjp(at: [3, 4]) { x in sqrt(x[0] * x[0] + x[1] * x[1]) }
/// pullback(1)    // [0.6, 0.8]: x/‖x‖
/// pullback(10)   // [6.0, 8.0]
/// ```
public func vjp(at point: [Double], _ f: ([Value]) -> Value) -> (value: Double, pullback: (Double) -> [Double]) {
    let (leaves, output) = recordingOnLeaves(point, f)
    return (output.data, { seed in output.gradients(wrt: leaves, seed: seed) })
}

/// The Jacobian ∂fᵢ/∂xⱼ of `f` at `point`: one row per output, one column per input (JAX's
/// `jax.jacfwd`/`jax.jacrev`, PyTorch's `torch.func.jacfwd`/`jacrev`). `f` is recorded once;
/// `.forward` then sweeps the tape once per input (a Jacobian-vector product with each basis
/// vector, giving a column), `.reverse` once per output (a row), and `.automatic` picks forward
/// when there are fewer inputs than outputs. Both give the same numbers up to rounding.
public func jacobian(at point: [Double], mode: JacobianMode = .automatic, _ f: ([Value]) -> [Value]) -> [[Double]] {
    let (leaves, outputs) = recordingOnLeaves(point, f)
    let forward = switch mode {
    case .forward: true
    case .reverse: false
    case .automatic: leaves.count < outputs.count
    }
    if !forward { return outputs.map { $0.gradients(wrt: leaves, seed: 1) } }
    var rows = [[Double]](repeating: [Double](repeating: 0, count: leaves.count), count: outputs.count)
    for j in leaves.indices {
        let column = Value.directionalDerivatives(of: outputs, wrt: [leaves[j]], along: [1])
        for i in outputs.indices { rows[i][j] = column[i] }
    }
    return rows
}

/// The Hessian ∂²f/∂xᵢ∂xⱼ of `f` at `point`, forward-over-reverse (JAX's `jax.hessian`,
/// PyTorch's `torch.func.hessian`): the gradient ∇f is recorded as values
/// (`differentiableGradients(wrt:)`), then column j is one forward sweep of the tape seeded with
/// the j-th basis vector, the Hessian-vector product H·eⱼ. The Hessian of a function with
/// continuous second derivatives is symmetric; rounding may make it so only to the last digit.
public func hessian(at point: [Double], _ f: ([Value]) -> Value) -> [[Double]] {
    let (leaves, gradient) = recordingOnLeaves(point) { x in f(x).differentiableGradients(wrt: x) }
    var rows = [[Double]](repeating: [Double](repeating: 0, count: leaves.count), count: leaves.count)
    for j in leaves.indices {
        let column = Value.directionalDerivatives(of: gradient, wrt: [leaves[j]], along: [1])
        for i in leaves.indices { rows[i][j] = column[i] }
    }
    return rows
}

/// The Hessian-vector product H(x)·v of `f` at `point`, forward-over-reverse: one forward sweep
/// through the recorded gradient, without forming the Hessian (JAX's `jvp(grad(f), (x,), (v,))`).
public func hessianVectorProduct(at point: [Double], along direction: [Double], _ f: ([Value]) -> Value) -> [Double] {
    require(point.count == direction.count,
            "Nabla: hessianVectorProduct was given \(point.count) inputs but \(direction.count) tangents")
    let (leaves, gradient) = recordingOnLeaves(point) { x in f(x).differentiableGradients(wrt: x) }
    return Value.directionalDerivatives(of: gradient, wrt: leaves, along: direction)
}
