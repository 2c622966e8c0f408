/// Stochastic gradient descent with optional momentum, Nesterov momentum and weight decay,
/// as PyTorch's `torch.optim.SGD`:
///
///     g ← ∇ + λ·w                       (weight decay λ)
///     b ← μ·b + (1 − τ)·g               (momentum μ, dampening τ; b ← g on the first step)
///     g ← g + μ·b  (Nesterov)  or  g ← b
///     w ← w − η·g
///
/// Defaults as PyTorch: μ = 0, τ = 0, λ = 0, no Nesterov; the learning rate has no default.
public final class SGD<Scalar: TensorScalar>: Optimizer {
    /// The leaf tensors updated, in the order gradients are given.
    public let parameters: [Tensor<Scalar>]
    /// η.
    public var learningRate: Double
    /// μ; 0 is plain gradient descent, with no momentum buffer.
    public let momentum: Double
    /// τ, the fraction of each new gradient left out of the momentum buffer.
    public let dampening: Double
    /// Whether the step uses g + μ·b (Nesterov) rather than b.
    public let nesterov: Bool
    /// λ, the weight decay.
    public let weightDecay: Double
    private var buffers: [OptimizerState<Scalar>?]

    /// An optimiser for `parameters` (PyTorch's `lr`, `momentum`, `dampening`, `nesterov`,
    /// `weight_decay`). A parameter that is not a leaf, a negative η, μ or λ, or Nesterov
    /// without μ > 0 and τ = 0 stops (a programmer error).
    public init(_ parameters: [Tensor<Scalar>], learningRate: Double, momentum: Double = 0, dampening: Double = 0,
                nesterov: Bool = false, weightDecay: Double = 0) {
        require(parameters.allSatisfy(\.isLeaf), "SGD: every parameter must be a leaf (requiresGrad: true)")
        require(learningRate >= 0 && momentum >= 0 && weightDecay >= 0, "SGD: learning rate, momentum and weight decay must be ≥ 0")
        require(!nesterov || (momentum > 0 && dampening == 0), "SGD: Nesterov momentum needs momentum > 0 and no dampening")
        self.parameters = parameters
        self.learningRate = learningRate
        self.momentum = momentum
        self.dampening = dampening
        self.nesterov = nesterov
        self.weightDecay = weightDecay
        buffers = Array(repeating: nil, count: parameters.count)
    }

    /// One update by the rule above; nil gradients leave their parameters unchanged. A count or
    /// shape that does not match ``parameters`` stops (a programmer error).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func step(gradients: [NDArray<Scalar>?]) {
        checkGradients(gradients, "SGD")
        let (lr, mu, tau, decay) = (Scalar(learningRate), Scalar(momentum), Scalar(1 - dampening), Scalar(weightDecay))
        for (k, parameter) in parameters.enumerated() {
            guard let gradient = gradients[k] else { continue }
            guard momentum != 0 else {
                parameter.update(with: gradient) { w, g in
                    for i in 0..<w.count { w[i] -= lr * (g[i] + decay * w[i]) }
                }
                continue
            }
            let first = buffers[k] == nil
            let buffer = buffers[k] ?? OptimizerState(count: gradient.count)
            buffers[k] = buffer
            let b = buffer.values, nesterov = self.nesterov
            parameter.update(with: gradient) { w, g in
                for i in 0..<w.count {
                    let d = g[i] + decay * w[i]
                    b[i] = first ? d : mu * b[i] + tau * d
                    w[i] -= lr * (nesterov ? d + mu * b[i] : b[i])
                }
            }
        }
    }
}
