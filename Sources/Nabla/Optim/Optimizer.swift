/// Updates parameters from their gradients. Each optimiser keeps its per-parameter state
/// (momentum, moment estimates) and follows PyTorch's update rules and defaults, so the same
/// gradients give the same steps.
///
/// ```swift
/// let optimizer = Adam(model.parameters, learningRate: 1e-3)
/// optimizer.zeroGrad()
/// loss.backward()
/// optimizer.step()              // reads each parameter's grad
/// ```
/// In the static mode the gradients come out of a compiled program: `step(gradients:)`.
public protocol Optimizer<Scalar>: AnyObject {
    /// The element type of the parameters.
    associatedtype Scalar: TensorScalar
    /// The parameters, in the order gradients are given.
    var parameters: [Tensor<Scalar>] { get }
    /// The step size; learning-rate schedules set it before each step.
    var learningRate: Double { get set }
    /// One update from `gradients`, one per parameter (nil: that parameter has no gradient and
    /// is left unchanged, as PyTorch skips parameters whose grad is None).
    func step(gradients: [NDArray<Scalar>?])
}

extension Optimizer {
    /// One update from each parameter's accumulated `grad`.
    public func step() { step(gradients: parameters.map(\.grad)) }

    /// Clears every parameter's gradient.
    public func zeroGrad() { for parameter in parameters { parameter.zeroGrad() } }

    func checkGradients(_ gradients: [NDArray<Scalar>?], _ name: String) {
        require(gradients.count == parameters.count, "\(name): \(gradients.count) gradients for \(parameters.count) parameters")
        for (k, (gradient, parameter)) in zip(gradients, parameters).enumerated() {
            if let gradient {
                require(gradient.shape == parameter.shape, "\(name): gradient \(k) has shape \(gradient.shape), its parameter \(parameter.shape)")
            }
        }
    }
}

/// Per-parameter optimiser state (a momentum buffer, a moment estimate): zeros of the
/// parameter's size in memory of its own, so an update loop can read and write it beside the
/// parameter without copies.
final class OptimizerState<Scalar: TensorScalar> {
    let values: UnsafeMutableBufferPointer<Scalar>
    init(count: Int) {
        values = .allocate(capacity: count)
        values.initialize(repeating: 0)
    }
    deinit { values.deallocate() }
    var array: [Scalar] { Array(values) }
}

extension Tensor {
    /// Runs `body` over this leaf's values (mutable) and `gradient`, in place.
    @inline(__always)
    func update(with gradient: NDArray<Scalar>, _ body: (UnsafeMutableBufferPointer<Scalar>, UnsafeBufferPointer<Scalar>) -> Void) {
        updateData { data in
            data.scalars.withUnsafeMutableBufferPointer { w in
                gradient.scalars.withUnsafeBufferPointer { g in body(w, g) }
            }
        }
    }
}
