import Testing
@testable import Nabla

/// Optimiser steps against updates computed by hand from PyTorch's documented rules, with
/// numbers written out; losses against finite differences; schedules and clipping.
@Suite("Optimisers and losses")
struct OptimizerTests {
    static func parameter(_ values: [Double]) -> Tensor<Double> { Tensor(NDArray(values), requiresGrad: true) }
    static func close(_ a: [Double], _ b: [Double], _ tolerance: Double = 1e-12) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { Swift.abs($0 - $1) <= tolerance * Swift.max(1, Swift.abs($1)) }
    }

    @Test func plainSGDWithWeightDecay() {
        let w = Self.parameter([1, -2])
        let sgd = SGD([w], learningRate: 0.1, weightDecay: 0.5)
        sgd.step(gradients: [NDArray([0.2, 0.4])])
        // w − 0.1·(g + 0.5·w) = [1 − 0.1·0.7, −2 − 0.1·(0.4 − 1)]
        #expect(Self.close(w.scalars, [0.93, -1.94]))
    }

    @Test func momentumAndNesterov() {
        let w = Self.parameter([1]), v = Self.parameter([1])
        let momentum = SGD([w], learningRate: 0.1, momentum: 0.9)
        let nesterov = SGD([v], learningRate: 0.1, momentum: 0.9, nesterov: true)
        for g in [0.5, -0.25] {
            momentum.step(gradients: [NDArray([g])])
            nesterov.step(gradients: [NDArray([g])])
        }
        // Momentum: b₁ = 0.5, w = 1 − 0.05 = 0.95; b₂ = 0.45 − 0.25 = 0.2, w = 0.95 − 0.02 = 0.93.
        #expect(Self.close(w.scalars, [0.93]))
        // Nesterov: b₁ = 0.5, step g + 0.9·b = 0.95, w = 0.905; b₂ = 0.2, step −0.25 + 0.18 = −0.07, w = 0.912.
        #expect(Self.close(v.scalars, [0.912]))
    }

    @Test func adamWithBiasCorrection() {
        let w = Self.parameter([0.5])
        let adam = Adam([w], learningRate: 0.01)
        adam.step(gradients: [NDArray([2.0])])
        // t = 1: m = 0.2, v = 0.004; m̂ = 2, v̂ = 4; step 0.01·2/(2 + 1e-8).
        let first = 0.5 - 0.01 * 2 / (2 + 1e-8)
        #expect(Self.close(w.scalars, [first]))
        adam.step(gradients: [NDArray([-1.0])])
        // t = 2: m = 0.18 − 0.1 = 0.08, v = 0.003996 + 0.001 = 0.004996; m̂ = 0.08/0.19, v̂ = 0.004996/0.001999.
        let mHat = 0.08 / (1 - 0.81), vHat = 0.004996 / (1 - 0.998001)
        #expect(Self.close(w.scalars, [first - 0.01 * mHat / (vHat.squareRoot() + 1e-8)], 1e-10))
    }

    @Test func adamWeightDecayCoupledAndDecoupled() {
        let a = Self.parameter([2]), b = Self.parameter([2])
        Adam([a], learningRate: 0.1, weightDecay: 0.5).step(gradients: [NDArray([1.0])])
        AdamW([b], learningRate: 0.1, weightDecay: 0.5).step(gradients: [NDArray([1.0])])
        // Adam: g = 1 + 0.5·2 = 2; first step moves by lr·ĝ/(|ĝ| + ε) ≈ 0.1.
        #expect(Self.close(a.scalars, [2 - 0.1 * 2 / (2 + 1e-8)]))
        // AdamW: w·(1 − 0.1·0.5) = 1.9, then the unit step 0.1·1/(1 + ε).
        #expect(Self.close(b.scalars, [1.9 - 0.1 / (1 + 1e-8)]))
    }

    @Test func rmsprop() {
        let w = Self.parameter([1])
        let rms = RMSprop([w], learningRate: 0.01, alpha: 0.9)
        rms.step(gradients: [NDArray([2.0])])
        // v = 0.1·4 = 0.4; w = 1 − 0.01·2/(√0.4 + 1e-8).
        #expect(Self.close(w.scalars, [1 - 0.02 / (0.4.squareRoot() + 1e-8)]))
    }

    @Test func stepReadsGradsAndSkipsParametersWithout() {
        let w = Self.parameter([1, 2]), unused = Self.parameter([3])
        let sgd = SGD([w, unused], learningRate: 0.5)
        (w * w).sum().backward()
        sgd.step()
        #expect(w.scalars == [0, 0] && unused.scalars == [3])
        sgd.zeroGrad()
        #expect(w.grad == nil)
    }

    @Test func schedules() {
        #expect(StepDecay(initial: 1, stepSize: 2, gamma: 0.5).learningRate(at: 5) == 0.25)
        let cosine = CosineAnnealing(initial: 1, period: 10, minimum: 0.1)
        #expect(cosine.learningRate(at: 0) == 1 && Swift.abs(cosine.learningRate(at: 5) - 0.55) < 1e-15 && cosine.learningRate(at: 20) == 0.1)
        #expect(LinearDecay(initial: 1, by: 0.9, over: 100).learningRate(at: 50) == MicrogradDemo.learningRate(step: 50))
        let warm = LinearWarmup(warmupSteps: 4, then: ConstantRate(0.2))
        #expect((0..<6).map { warm.learningRate(at: $0) } == [0.05, 0.1, 0.15000000000000002, 0.2, 0.2, 0.2])
    }

    @Test func schedulesHoldTheirFinalRateAfterTheirEnd() {
        // micrograd's decay over 100 steps went negative after step 111 and diverged; past its
        // end a schedule keeps its last rate.
        let linear = LinearDecay(initial: 1, by: 0.9, over: 100)
        #expect(linear.learningRate(at: 100) == 0.09999999999999998)
        #expect([101, 112, 400, Int.max].allSatisfy { linear.learningRate(at: $0) == linear.learningRate(at: 100) })
        #expect(MicrogradDemo.learningRate(step: 543) == linear.learningRate(at: 100))
        let cosine = CosineAnnealing(initial: 0.5, period: 10)
        #expect(cosine.learningRate(at: 11) == 0 && cosine.learningRate(at: .max) == 0)
        #expect(StepDecay(initial: 1, stepSize: 3, gamma: 0.5).learningRate(at: .max) >= 0)
        // Before step 0 (never asked by a trainer): the initial rate.
        #expect(linear.learningRate(at: -5) == 1 && cosine.learningRate(at: -5) == 0.5)
    }

    @Test func anExperimentsScheduleSpansItsRealLength() throws {
        for epochs in [3, 100, 400, 1_000_000] {
            var moons = Experiment(task: .moons)
            moons.epochs = epochs
            let schedule = try #require(moons.learningRateSchedule(stepsPerEpoch: 1))
            let rates = [0, epochs / 2, epochs - 1].map(schedule.learningRate(at:))
            #expect(rates[0] == 1 && rates[0] > rates[1] && rates[1] > rates[2] && rates[2] > 0.1, "\(epochs): \(rates)")
        }
        var digits = Experiment(task: .digits)
        digits.epochs = 20
        let cosine = try #require(digits.learningRateSchedule(stepsPerEpoch: 45) as? CosineAnnealing)
        #expect(cosine.period == 20 * 45 && cosine.initial == digits.learningRate)
        var adam = Experiment(task: .moons)
        adam.use(.adam)
        #expect(adam.learningRateSchedule(stepsPerEpoch: 1) == nil)
    }

    @Test func clippingByGlobalNorm() {
        var gradients: [NDArray<Double>?] = [NDArray([3, 0]), nil, NDArray([4])]
        let norm = clipGradientNorm(&gradients, maxNorm: 1)
        #expect(norm == 5)
        #expect(Self.close(gradients[0]!.scalars, [3 / (5 + 1e-6), 0]) && gradients[1] == nil)
        var small: [NDArray<Double>?] = [NDArray([0.3])]
        #expect(clipGradientNorm(&small, maxNorm: 1) == 0.3 && small[0]!.scalars == [0.3])
        var bad: [NDArray<Double>?] = [NDArray([.nan])]
        #expect(clipGradientNorm(&bad, maxNorm: 1).isNaN)
    }

    struct LossCase: CustomTestStringConvertible, Sendable {
        var name: String
        var shapes: [Shape]
        var function: @Sendable ([Tensor<Double>]) -> Tensor<Double>
        var testDescription: String { name }
    }

    static let losses: [LossCase] = [
        LossCase(name: "cross-entropy, label smoothing 0.1", shapes: [[3, 4]]) { $0[0].crossEntropy(labels: [0, 3, 1], labelSmoothing: 0.1) },
        LossCase(name: "cross-entropy against targets", shapes: [[3, 4], [3, 4]]) { $0[0].crossEntropy(targets: $0[1].softmax()) },
        LossCase(name: "binary cross-entropy with logits", shapes: [[5], [5]]) { $0[0].binaryCrossEntropy(logitsAgainst: sigmoid($0[1])) },
        LossCase(name: "hinge", shapes: [[6]]) { $0[0].hingeLoss(labels: $0[0].constant(NDArray([1, -1, 1, 1, -1, -1]))) },
        LossCase(name: "L2 regularisation", shapes: [[2, 2], [3]]) { l2Regularization($0, alpha: 1e-2) },
    ]

    @Test("Loss gradients, first and second order", arguments: losses)
    func lossGradients(_ c: LossCase) {
        let inputs = c.shapes.enumerated().map { NDArray<Double>.randomUniform($1, low: -2, high: 2, seed: UInt64($0) + 3) }
        let mismatches = GradientChecker.check(c.function, at: inputs, order: 2)
        #expect(mismatches.isEmpty, "\(c.name): \(mismatches.prefix(3))")
    }

    @Test func lossValuesByHand() {
        // Smoothing 0.2 over 2 classes: targets (0.9, 0.1); logits (0, ln 3): log-softmax (ln ¼, ln ¾).
        let logits = Tensor<Double>([[0, Double.log(3)]])
        let smoothed = logits.crossEntropy(labels: [0], labelSmoothing: 0.2).scalar
        #expect(Swift.abs(smoothed - -(0.9 * Double.log(0.25) + 0.1 * Double.log(0.75))) < 1e-15)
        // BCE with logits at x = 0: log 2 whatever the target; at large |x| no overflow.
        #expect(Swift.abs(Tensor<Double>([0]).binaryCrossEntropy(logitsAgainst: Tensor([1])).scalar - Double.log(2)) < 1e-15)
        #expect(Tensor<Double>([800]).binaryCrossEntropy(logitsAgainst: Tensor([0])).scalar == 800)
        // Hinge: mean(max(0, 1 − y·s)) for s = (2, 0.5), y = (1, 1): (0 + 0.5)/2.
        #expect(Tensor<Double>([2, 0.5]).hingeLoss(labels: Tensor([1, 1])).scalar == 0.25)
    }
}
