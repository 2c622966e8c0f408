/// micrograd's demo (its `demo.ipynb`, WORKLOADS.md's W3): a 2-16-16-1 network separating two
/// moons with the max-margin loss plus L2 regularisation, trained by full-batch SGD with a
/// linearly decaying rate. Written once for the scalar algebras, so it runs on ``Value`` (one
/// graph node per number, as micrograd), on a ``GradientTape``, and, as
/// ``Sequential`` layers, on tensors.
public enum MicrogradDemo {
    /// The regularisation strength α in α·Σp².
    public static let alpha = 1e-4

    /// The demo's loss: (Σᵢ relu(1 − yᵢ·scoreᵢ))·(1/n) + α·Σ p², summed left to right.
    public static func loss<V: DifferentiableScalar>(scores: [V], labels: [Double], parameters: [V]) -> V {
        require(!scores.isEmpty && scores.count == labels.count, "MicrogradDemo: \(scores.count) scores for \(labels.count) labels")
        var margins = relu(scores[0] * -labels[0] + 1)
        for i in 1..<scores.count { margins = margins + relu(scores[i] * -labels[i] + 1) }
        var squares = parameters[0] * parameters[0]
        for p in parameters.dropFirst() { squares = squares + p * p }
        return margins * (1 / Double(scores.count)) + squares * alpha
    }

    /// The fraction of points whose score has the sign of their label.
    public static func accuracy(scores: [Double], labels: [Double]) -> Double {
        Double(zip(scores, labels).filter { ($1 > 0) == ($0 > 0) }.count) / Double(labels.count)
    }

    /// micrograd's schedule: 1.0 − 0.9·k/100 at step k of its 100 steps, holding 0.1 after
    /// them (``LinearDecay`` over 100 steps; a run of another length builds its own).
    public static func learningRate(step: Int) -> Double { LinearDecay(initial: 1, by: 0.9, over: 100).learningRate(at: step) }

    /// Which scalar engine runs a step.
    public enum ScalarEngine: String, Sendable, CaseIterable {
        /// ``Value``: reference-counted nodes, freed with the graph (micrograd's model).
        case value
        /// ``GradientTape``: the same graph on a scoped tape, without reference counting.
        case tape
    }

    /// One training step on the scalar engine: the loss and accuracy before the update, then
    /// zero the gradients, backward, and p ← p − lr·∂loss/∂p for every parameter, with lr the
    /// demo's ``learningRate(step:)`` unless `learningRate` is given.
    @discardableResult
    public static func step(_ model: ScalarMLP, points: [[Double]], labels: [Double], step k: Int,
                            engine: ScalarEngine = .value, learningRate rate: Double? = nil) -> (loss: Double, accuracy: Double) {
        let result: (loss: Double, scores: [Double])
        for p in model.parameters { p.zeroGrad() }
        switch engine {
        case .value:
            let scores = points.map { model($0.map { Value($0) })[0] }
            let total = loss(scores: scores, labels: labels, parameters: model.parameters)
            total.backward()
            result = (total.data, scores.map(\.data))
        case .tape:
            result = GradientTape.record { tape in
                let parameters = model.parameters.map { tape.track($0) }
                let scores = points.map { model.forward($0.map { tape.constant($0) }, parameters: parameters)[0] }
                let total = loss(scores: scores, labels: labels, parameters: parameters)
                tape.backward(total)
                return (total.data, scores.map(\.data))
            }
        }
        let rate = rate ?? learningRate(step: k)
        for p in model.parameters { p.data -= rate * p.grad }
        return (result.loss, accuracy(scores: result.scores, labels: labels))
    }

    /// The same network as tensor layers (Linear weights [out, in] taken from `model`), for the
    /// tensor engine.
    public static func tensorModel<Scalar: TensorScalar>(from model: ScalarMLP, as _: Scalar.Type = Double.self) -> Sequential<Scalar> {
        var layers: [any Layer<Scalar>] = []
        for k in 0..<model.sizes.count - 1 {
            if k > 0 { layers.append(ReLU<Scalar>()) }
            let (weight, bias) = model.layer(k)
            layers.append(Linear(weight: NDArray(weight.map { $0.map { Scalar($0) } }), bias: NDArray(bias.map { Scalar($0) })))
        }
        return Sequential(layers)
    }
}
