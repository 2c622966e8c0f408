/// Scales gradients so that their joint Euclidean norm (over every element of every gradient)
/// is at most `maxNorm`, as PyTorch's `clip_grad_norm_`: when the norm ‖g‖ exceeds it, each
/// gradient is multiplied by maxNorm/(‖g‖ + 1e-6). Returns the norm before clipping. A
/// non-finite norm is returned as is and the gradients are left unchanged, so the caller can
/// see it and stop.
@discardableResult
@_specialize(where Scalar == Float)
@_specialize(where Scalar == Double)
public func clipGradientNorm<Scalar: TensorScalar>(_ gradients: inout [NDArray<Scalar>?], maxNorm: Double) -> Double {
    require(maxNorm > 0, "clipGradientNorm: maxNorm must be positive, got \(maxNorm)")
    var sum = 0.0
    for gradient in gradients {
        guard let gradient else { continue }
        gradient.scalars.withUnsafeBufferPointer { g in for x in g { sum += Double(x) * Double(x) } }
    }
    let norm = sum.squareRoot()
    guard norm.isFinite, norm > maxNorm else { return norm }
    let scale = Scalar(maxNorm / (norm + 1e-6))
    for k in gradients.indices where gradients[k] != nil {
        gradients[k]!.updateEach { $0 * scale }
    }
    return norm
}

/// Clips the accumulated `grad` of each parameter in place (see the function above).
@discardableResult
public func clipGradientNorm<Scalar: TensorScalar>(_ parameters: [Tensor<Scalar>], maxNorm: Double) -> Double {
    var gradients = parameters.map(\.grad)
    let norm = clipGradientNorm(&gradients, maxNorm: maxNorm)
    for (parameter, gradient) in zip(parameters, gradients) where gradient != nil { parameter.grad = gradient }
    return norm
}
