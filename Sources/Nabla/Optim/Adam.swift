/// Adam, and AdamW (decoupled weight decay), as PyTorch's `torch.optim.Adam` / `AdamW`. At
/// step t (from 1):
///
///     g ← ∇ + λ·w                     (Adam's weight decay: an L2 term in the gradient)
///     w ← w − η·λ·w                   (AdamW's instead: decay applied to the weights directly)
///     m ← β₁·m + (1 − β₁)·g
///     v ← β₂·v + (1 − β₂)·g²
///     w ← w − η · (m / (1 − β₁ᵗ)) / (√(v / (1 − β₂ᵗ)) + ε)
///
/// m and v start at zero for each parameter. Defaults as PyTorch: η = 10⁻³, β₁ = 0.9,
/// β₂ = 0.999, ε = 10⁻⁸, λ = 0.
public final class Adam<Scalar: TensorScalar>: Optimizer {
    /// The leaf tensors updated, in the order gradients are given.
    public let parameters: [Tensor<Scalar>]
    /// η.
    public var learningRate: Double
    /// β₁ and β₂, the decay rates of the moment estimates m and v, and ε, added to the denominator.
    public let beta1: Double, beta2: Double, epsilon: Double
    /// λ, the weight decay.
    public let weightDecay: Double
    /// Whether weight decay is decoupled (AdamW) rather than added to the gradient (Adam).
    public let decoupledWeightDecay: Bool
    /// Steps taken so far (t after a step).
    public private(set) var stepCount = 0
    private var moments: [(m: OptimizerState<Scalar>, v: OptimizerState<Scalar>)?]

    /// An optimiser for `parameters` (PyTorch's `lr`, `betas`, `eps`, `weight_decay`). A
    /// parameter that is not a leaf, a negative η, ε or λ, or a β outside [0, 1) stops (a
    /// programmer error).
    public init(_ parameters: [Tensor<Scalar>], learningRate: Double = 1e-3, beta1: Double = 0.9, beta2: Double = 0.999,
                epsilon: Double = 1e-8, weightDecay: Double = 0, decoupledWeightDecay: Bool = false) {
        require(parameters.allSatisfy(\.isLeaf), "Adam: every parameter must be a leaf (requiresGrad: true)")
        require(learningRate >= 0 && epsilon >= 0 && weightDecay >= 0, "Adam: learning rate, ε and weight decay must be ≥ 0")
        require((0..<1).contains(beta1) && (0..<1).contains(beta2), "Adam: betas must be in [0, 1), got \(beta1), \(beta2)")
        self.parameters = parameters
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        self.decoupledWeightDecay = decoupledWeightDecay
        moments = Array(repeating: nil, count: parameters.count)
    }

    /// One update (t ← t + 1) by the rule above; nil gradients leave their parameters unchanged.
    /// A count or shape that does not match ``parameters`` stops (a programmer error).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func step(gradients: [NDArray<Scalar>?]) {
        checkGradients(gradients, decoupledWeightDecay ? "AdamW" : "Adam")
        stepCount += 1
        let t = Double(stepCount)
        let correction1 = 1 - Double.pow(beta1, t), correction2 = 1 - Double.pow(beta2, t)
        let (b1, b2, eps) = (Scalar(beta1), Scalar(beta2), Scalar(epsilon))
        let stepSize = Scalar(learningRate / correction1), rootCorrection2 = Scalar(correction2.squareRoot())
        let l2 = decoupledWeightDecay ? 0 : Scalar(weightDecay)
        let shrink = decoupledWeightDecay ? Scalar(1 - learningRate * weightDecay) : 1
        for (k, parameter) in parameters.enumerated() {
            guard let gradient = gradients[k] else { continue }
            let state = moments[k] ?? (OptimizerState(count: gradient.count), OptimizerState(count: gradient.count))
            moments[k] = state
            let (m, v) = (state.m.values, state.v.values)
            parameter.update(with: gradient) { w, g in
                for i in 0..<w.count {
                    let d = g[i] + l2 * w[i]
                    w[i] *= shrink
                    m[i] = b1 * m[i] + (1 - b1) * d
                    v[i] = b2 * v[i] + (1 - b2) * d * d
                    w[i] -= stepSize * m[i] / (v[i].squareRoot() / rootCorrection2 + eps)
                }
            }
        }
    }
}

/// AdamW: Adam with decoupled weight decay (PyTorch's default decay 0.01); see ``Adam``.
public final class AdamW<Scalar: TensorScalar>: Optimizer {
    private let adam: Adam<Scalar>

    /// An optimiser for `parameters` with PyTorch's `AdamW` defaults (η = 10⁻³, β₁ = 0.9,
    /// β₂ = 0.999, ε = 10⁻⁸, λ = 0.01): w ← w − η·λ·w, then Adam's step. Invalid settings stop
    /// as ``Adam``'s do.
    public init(_ parameters: [Tensor<Scalar>], learningRate: Double = 1e-3, beta1: Double = 0.9, beta2: Double = 0.999,
                epsilon: Double = 1e-8, weightDecay: Double = 0.01) {
        adam = Adam(parameters, learningRate: learningRate, beta1: beta1, beta2: beta2, epsilon: epsilon,
                    weightDecay: weightDecay, decoupledWeightDecay: true)
    }

    /// The leaf tensors updated, in the order gradients are given.
    public var parameters: [Tensor<Scalar>] { adam.parameters }
    /// η.
    public var learningRate: Double {
        get { adam.learningRate }
        set { adam.learningRate = newValue }
    }
    /// λ, applied to the weights directly.
    public var weightDecay: Double { adam.weightDecay }
    /// One AdamW update; nil gradients leave their parameters unchanged. A count or shape that
    /// does not match ``parameters`` stops (a programmer error).
    public func step(gradients: [NDArray<Scalar>?]) { adam.step(gradients: gradients) }
}

/// RMSprop, as PyTorch's `torch.optim.RMSprop` (not centred, no momentum):
///
///     g ← ∇ + λ·w;   v ← α·v + (1 − α)·g²;   w ← w − η·g / (√v + ε)
///
/// v starts at zero. Defaults as PyTorch: η = 10⁻², α = 0.99, ε = 10⁻⁸, λ = 0.
public final class RMSprop<Scalar: TensorScalar>: Optimizer {
    /// The leaf tensors updated, in the order gradients are given.
    public let parameters: [Tensor<Scalar>]
    /// η.
    public var learningRate: Double
    /// α, the decay rate of v; ε, added to √v; λ, the weight decay.
    public let alpha: Double, epsilon: Double, weightDecay: Double
    private var squares: [OptimizerState<Scalar>?]

    /// An optimiser for `parameters` (PyTorch's `lr`, `alpha`, `eps`, `weight_decay`). A
    /// parameter that is not a leaf, a negative η, ε or λ, or α outside [0, 1] stops (a
    /// programmer error).
    public init(_ parameters: [Tensor<Scalar>], learningRate: Double = 1e-2, alpha: Double = 0.99, epsilon: Double = 1e-8,
                weightDecay: Double = 0) {
        require(parameters.allSatisfy(\.isLeaf), "RMSprop: every parameter must be a leaf (requiresGrad: true)")
        require(learningRate >= 0 && (0...1).contains(alpha) && epsilon >= 0 && weightDecay >= 0,
                     "RMSprop: learning rate, ε, weight decay must be ≥ 0 and α in [0, 1]")
        self.parameters = parameters
        self.learningRate = learningRate
        self.alpha = alpha
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        squares = Array(repeating: nil, count: parameters.count)
    }

    /// One update by the rule above; nil gradients leave their parameters unchanged. A count or
    /// shape that does not match ``parameters`` stops (a programmer error).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func step(gradients: [NDArray<Scalar>?]) {
        checkGradients(gradients, "RMSprop")
        let (lr, a, eps, decay) = (Scalar(learningRate), Scalar(alpha), Scalar(epsilon), Scalar(weightDecay))
        for (k, parameter) in parameters.enumerated() {
            guard let gradient = gradients[k] else { continue }
            let state = squares[k] ?? OptimizerState(count: gradient.count)
            squares[k] = state
            let v = state.values
            parameter.update(with: gradient) { w, g in
                for i in 0..<w.count {
                    let d = g[i] + decay * w[i]
                    v[i] = a * v[i] + (1 - a) * d * d
                    w[i] -= lr * d / (v[i].squareRoot() + eps)
                }
            }
        }
    }
}
