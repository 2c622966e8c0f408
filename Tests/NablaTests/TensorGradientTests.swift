import Testing
@testable import Nabla

/// Every tensor operation through the library's gradient checker: first and second order
/// against central finite differences in Double, with broadcasting and permuted (copied,
/// non-row-major-origin) inputs where they apply.
@Suite("Tensor gradients")
struct TensorGradientTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var shapes: [Shape]
        /// Inputs are drawn from [low, high).
        var low = -1.5, high = 1.5
        /// Written once over ``AnyTensor``, so it runs on dynamic tensors and static symbols.
        var function: @Sendable ([AnyTensor]) -> AnyTensor
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "add broadcast [3,1]+[4]", shapes: [[3, 1], [4]]) { $0[0] + $0[1] },
        Case(name: "sub broadcast [2,3]-[]", shapes: [[2, 3], []]) { $0[0] - $0[1] },
        Case(name: "mul broadcast [2,1,3]*[4,1]", shapes: [[2, 1, 3], [4, 1]]) { $0[0] * $0[1] },
        Case(name: "div", shapes: [[2, 3], [3]], low: 0.5, high: 2) { $0[0] / $0[1] },
        Case(name: "pow value exponent", shapes: [[3], [3]], low: 0.5, high: 2) { pow($0[0], $0[1]) },
        Case(name: "pow constant", shapes: [[4]]) { pow($0[0], 3) },
        Case(name: "constants on either side", shapes: [[2, 2]], low: 0.5, high: 2) { 2 / $0[0] + ($0[0] * 3 - 1) },
        Case(name: "exp", shapes: [[5]]) { exp($0[0]) },
        Case(name: "log", shapes: [[5]], low: 0.3, high: 3) { log($0[0]) },
        Case(name: "sqrt", shapes: [[5]], low: 0.3, high: 3) { sqrt($0[0]) },
        Case(name: "sin cos", shapes: [[4]]) { sin($0[0]) * cos($0[0]) },
        Case(name: "tanh", shapes: [[2, 3]]) { tanh($0[0]) },
        Case(name: "sigmoid", shapes: [[2, 3]]) { sigmoid($0[0]) },
        Case(name: "erf", shapes: [[2, 3]]) { erf($0[0]) },
        Case(name: "relu abs", shapes: [[6]], low: 0.1, high: 2) { relu($0[0] - 1) + abs($0[0] - 1) },
        Case(name: "min max broadcast", shapes: [[3, 1], [4]]) { min($0[0], $0[1]) + max($0[0], $0[1] * 0.5) },
        Case(name: "sum all", shapes: [[2, 3]]) { ($0[0] * $0[0]).sum() },
        Case(name: "sum axes keep", shapes: [[2, 3, 4]]) { ($0[0] * $0[0]).sum(axes: [0, 2], keepingDimensions: true) },
        Case(name: "sum axis", shapes: [[2, 3, 4]]) { tanh($0[0]).sum(axes: [1], keepingDimensions: false) },
        Case(name: "mean", shapes: [[3, 4]]) { ($0[0] * $0[0]).mean(axes: [1]) },
        Case(name: "broadcast", shapes: [[3, 1]]) { $0[0].broadcast(to: [2, 3, 4]) * $0[0] },
        Case(name: "reshape", shapes: [[2, 6]]) { sin($0[0].reshaped([3, 4])) },
        Case(name: "permute (non-contiguous input)", shapes: [[2, 3, 4]]) { $0[0].permuted([2, 0, 1]) * $0[0].permuted([2, 0, 1]) },
        Case(name: "matmul 2-d", shapes: [[3, 4], [4, 2]]) { $0[0].matmul($0[1]) * $0[0].matmul($0[1]) },
        Case(name: "matmul batched broadcast", shapes: [[2, 1, 3, 4], [3, 4, 2]]) { tanh($0[0].matmul($0[1])) },
        Case(name: "matmul 1-d", shapes: [[4], [4, 3]]) { $0[0].matmul($0[1]) * $0[0].matmul($0[1]) },
        Case(name: "matmul transposed operand", shapes: [[4, 3], [4, 2]]) { $0[0].transposed().matmul($0[1]) * 1.5 },
        Case(name: "matmul Aᵀ B", shapes: [[4, 3], [4, 2]]) { tanh(AnyTensor.matmul($0[0], $0[1], transposingA: true, transposingB: false)) },
        Case(name: "matmul A Bᵀ", shapes: [[3, 4], [2, 4]]) { tanh(AnyTensor.matmul($0[0], $0[1], transposingA: false, transposingB: true)) },
        Case(name: "matmul Aᵀ Bᵀ batched", shapes: [[2, 4, 3], [2, 4]]) { tanh(AnyTensor.matmul($0[0], $0[1], transposingA: true, transposingB: true)) },
        Case(name: "max over an axis", shapes: [[3, 4]]) { $0[0].max(axes: [1], keepingDimensions: false) * 2 },
        Case(name: "min over all, keep", shapes: [[2, 3]]) { $0[0].min(axes: nil, keepingDimensions: true) + $0[0] },
        Case(name: "product over an axis (no zeros)", shapes: [[3, 4]], low: 0.5, high: 1.5) { $0[0].product(axes: [1], keepingDimensions: false) },
        Case(name: "slice", shapes: [[4, 5]]) { sin($0[0].slice([1..<3, 2..<5])) },
        Case(name: "place", shapes: [[2, 2]]) { $0[0].placed(into: [3, 4], at: [1, 1]) * $0[0].placed(into: [3, 4], at: [0, 2]) },
        Case(name: "indexSelect with repeats", shapes: [[4, 3]]) { $0[0].indexSelect([2, 0, 2], axis: 0) * $0[0].indexSelect([1, 1, 0], axis: 1).slice([0..<3]) },
        Case(name: "indexAdding", shapes: [[2, 3]]) { tanh($0[0].indexAdding(into: [2, 4], indices: [3, 0, 3], axis: 1)) },
        Case(name: "select and comparisons", shapes: [[2, 3], [2, 3]]) { AnyTensor.select($0[0].greater(than: $0[1]), $0[0] * $0[0], $0[1] * 3) },
        Case(name: "clamp (away from the bounds)", shapes: [[6]]) { $0[0].clamped(to: -0.75...0.8) * $0[0] },
        Case(name: "clamp min (one-sided)", shapes: [[6]]) { $0[0].clamped(min: 0.1) * $0[0] },
        Case(name: "clamp max (one-sided)", shapes: [[6]]) { $0[0].clamped(max: -0.1) * $0[0] },
        Case(name: "clamp to an unbounded range", shapes: [[2, 3]]) { $0[0].clamped(to: -0.2...Double.infinity) * $0[0] },
        Case(name: "variance", shapes: [[3, 4]]) { $0[0].variance(axes: [1]) },
        Case(name: "squeeze unsqueeze", shapes: [[3, 1]]) { sin($0[0].squeezed().unsqueezed(axis: 0)) },
        Case(name: "concatenate stack split", shapes: [[2, 3], [2, 2]]) {
            let joined = AnyTensor.concatenate([$0[0], $0[1]], axis: 1)
            let parts = joined.split([1, 4], axis: 1)
            return AnyTensor.stack([parts[0] * parts[0], parts[1].slice([0..<2, 0..<1])], axis: 0)
        },
        Case(name: "conv2d padding 1 with bias", shapes: [[2, 2, 4, 4], [3, 2, 3, 3], [3]]) { $0[0].conv2d($0[1], bias: $0[2], padding: (1, 1)) },
        Case(name: "conv2d stride 2", shapes: [[1, 3, 5, 5], [2, 3, 2, 2]]) { tanh($0[0].conv2d($0[1], stride: (2, 2))) },
        Case(name: "maxPool2d", shapes: [[1, 2, 4, 4]]) { $0[0].maxPool2d(kernel: (2, 2)) * 3 },
        Case(name: "maxPool2d overlapping windows, padding, squared", shapes: [[2, 2, 5, 5]]) {
            let y = $0[0].maxPool2d(kernel: (3, 3), stride: (1, 1), padding: (1, 1))
            return y * y
        },
        Case(name: "routedToPoolMaxima (values squared, times the input)", shapes: [[1, 2, 4, 4], [1, 2, 3, 3]]) {
            $0[0].routedToPoolMaxima($0[1] * $0[1], PatchGeometry(kernel: (2, 2))) * $0[0]
        },
        Case(name: "pickedAtPoolMaxima (overlapping windows)", shapes: [[1, 2, 4, 4], [1, 2, 4, 4]]) {
            let g = PatchGeometry(kernel: (2, 2), stride: (1, 1))
            return $0[0].pickedAtPoolMaxima(sin($0[1]), g) * $0[0].maxPooled(g)
        },
        Case(name: "avgPool2d padding", shapes: [[2, 1, 3, 3]]) { $0[0].avgPool2d(kernel: (2, 2), stride: (1, 1), padding: (1, 1)) },
        Case(name: "logSumExp", shapes: [[3, 5]]) { $0[0].logSumExp(axis: 1) },
        Case(name: "softmax", shapes: [[2, 4]]) { $0[0].softmax(axis: -1) * $0[0] },
        Case(name: "logSoftmax", shapes: [[2, 4]]) { $0[0].logSoftmax(axis: 0) },
        Case(name: "crossEntropy", shapes: [[4, 3]]) { $0[0].crossEntropy(labels: [0, 2, 1, 2]) },
        Case(name: "meanSquaredError", shapes: [[3, 2], [3, 2]]) { $0[0].meanSquaredError($0[1]) },
    ]

    @Test("First and second order against finite differences", arguments: cases)
    func gradientCheck(_ c: Case) {
        let inputs = c.shapes.enumerated().map { NDArray<Double>.randomUniform($1, low: c.low, high: c.high, seed: UInt64($0) + 11) }
        let mismatches = GradientChecker.check({ c.function($0.map(AnyTensor.dynamic)).dynamic }, at: inputs, order: 2, tolerance: 1e-6)
        #expect(mismatches.isEmpty, "\(c.name): \(mismatches.prefix(3))")
    }

    @Test func aWrongRuleIsCaught() {
        // The checker itself fails on a wrong derivative: d/dx of a detached square is not 2x.
        let mismatches = GradientChecker.check({ $0[0] * $0[0].detached() }, at: [NDArray<Double>.randomUniform([3], low: 1, high: 2, seed: 3)], order: 1)
        #expect(mismatches.count == 3)
    }

    @Test func pytorchSemantics() throws {
        let w = try Tensor<Double>(shape: [2], scalars: [1, 2], requiresGrad: true)
        let y = (w * w).sum()
        y.backward()
        #expect(try w.grad == NDArray(shape: [2], scalars: [2, 4]))
        y.backward()                                            // accumulates
        #expect(try w.grad == NDArray(shape: [2], scalars: [4, 8]))
        w.zeroGrad()
        #expect(w.grad == nil)
        let v = w * 3                                           // a non-scalar output needs a seed
        v.backward(seed: try NDArray(shape: [2], scalars: [1, -1]))
        #expect(try w.grad == NDArray(shape: [2], scalars: [3, -3]))
        #expect(!withoutRecording { w * 2 }.requiresGrad)
        #expect(!w.detached().requiresGrad)
        // Hessian-vector product: f = Σ w³, H = diag(6w), H·[1, 1] = [6, 12].
        let g = pow(w, 3).sum().differentiableGradients(wrt: [w])[0]
        #expect(try (g * Tensor(shape: [2], scalars: [1, 1])).sum().gradients(wrt: [w])[0] == NDArray(shape: [2], scalars: [6, 12]))
    }

    @Test func convolutionAgainstADirectSum() {
        let x = NDArray<Double>.randomNormal([2, 3, 5, 6], seed: 1), w = NDArray<Double>.randomNormal([4, 3, 3, 2], seed: 2)
        let y = Tensor(x).conv2d(Tensor(w), stride: (2, 1), padding: (1, 0)).data
        #expect(y.shape == [2, 4, 3, 5])
        for (b, o, i, j) in [(0, 0, 0, 0), (1, 3, 2, 4), (1, 2, 1, 3)] {
            var sum = 0.0
            for c in 0..<3 { for p in 0..<3 { for q in 0..<2 {
                let (yy, xx) = (i * 2 - 1 + p, j + q)
                if yy >= 0 && yy < 5 && xx >= 0 && xx < 6 { sum += x[[b, c, yy, xx]] * w[[o, c, p, q]] }
            } } }
            #expect(Swift.abs(y[[b, o, i, j]] - sum) < 1e-12)
        }
        let pooled = Tensor(NDArray<Double>.arange(0, 16).reshaped([1, 1, 4, 4])).maxPool2d(kernel: (2, 2)).data
        #expect(pooled.scalars == [5, 7, 13, 15])
    }

    @Test func selectKeepsTheBranchNotTakenOut() {
        let x = Tensor<Double>([-1, 0.5, 2], requiresGrad: true)
        let positive = x.greater(than: x.constant(0))
        let y = Tensor.select(positive, log(x), x * 3)     // log(-1) is NaN, but not taken
        #expect(y.scalars == [-3, Foundation_log(0.5), Foundation_log(2)])
        #expect(y.sum().gradients(wrt: [x])[0].scalars == [3, 2, 0.5])
    }

    @Test func productGradientsWithZeros() {
        for (values, expected) in [([2.0, 0, 3], [0.0, 6, 0]), ([0.0, 0, 3], [0.0, 0, 0]), ([2.0, 4, 3], [12.0, 6, 8])] {
            let x = Tensor<Double>(values, requiresGrad: true)
            #expect(x.product(axes: nil, keepingDimensions: false).gradients(wrt: [x])[0].scalars == expected, "\(values)")
        }
        let m = Tensor<Double>([[1, 0], [2, 3]], requiresGrad: true)
        #expect(m.product(axes: [1], keepingDimensions: false).sum().gradients(wrt: [m])[0].scalars == [0, 1, 3, 2])
    }

    @Test func clampHasPyTorchsGradientAtTheBounds() {
        let x = Tensor<Double>([-2, -1, 0, 1, 2], requiresGrad: true)
        let y = x.clamped(to: -1...1)
        #expect(y.scalars == [-1, -1, 0, 1, 1])
        #expect(y.sum().gradients(wrt: [x])[0].scalars == [0, 1, 1, 1, 0])
    }

    /// PyTorch (float64), x = [-2, -0.5, 0, 3, inf, -inf]: torch.clamp(x, min=0) is
    /// [0, 0, 0, 3, inf, 0] and the gradient of its sum [0, 0, 1, 1, 1, 0]; torch.clamp(x, max=1)
    /// is [-2, -0.5, 0, 1, 1, -inf], gradient [1, 1, 1, 0, 0, 1]. (Before: NaN everywhere for an
    /// infinite bound, since the bound was multiplied by a 0/1 indicator.)
    @Test func clampTakesInfiniteAndOneSidedBounds() throws {
        let values: [Double] = [-2, -0.5, 0, 3, .infinity, -.infinity]
        let x = Tensor<Double>(values, requiresGrad: true)
        for y in [x.clamped(to: 0...Double.infinity), x.clamped(min: 0)] {
            #expect(y.scalars == [0, 0, 0, 3, .infinity, 0])
            #expect(y.sum().gradients(wrt: [x])[0].scalars == [0, 0, 1, 1, 1, 0])
        }
        for y in [x.clamped(to: -Double.infinity...1), x.clamped(max: 1)] {
            #expect(y.scalars == [-2, -0.5, 0, 1, 1, -.infinity])
            #expect(y.sum().gradients(wrt: [x])[0].scalars == [1, 1, 1, 0, 0, 1])
        }
        #expect(x.clamped(to: -Double.infinity...Double.infinity).scalars == values)
        // NaN stays NaN, as in PyTorch.
        let withNaN = Tensor<Double>([1, .nan, -3]).clamped(to: 0...2).scalars
        #expect(withNaN[0] == 1 && withNaN[1].isNaN && withNaN[2] == 0)
        // The static graph computes the same numbers.
        let graph = TensorGraph<Double>()
        let symbol = graph.input("x", shape: [6])
        let program = try graph.compile([symbol.clamped(min: 0), symbol.clamped(max: 1)])
        let outputs = try program.run(["x": NDArray(values)])
        #expect(outputs[0].scalars == [0, 0, 0, 3, .infinity, 0] && outputs[1].scalars == [-2, -0.5, 0, 1, 1, -.infinity])
    }

    @Test func creationAsPyTorchSpellsIt() {
        let w = Tensor<Float>.randomNormal([3, 2], seed: 4, requiresGrad: true)
        #expect(w.isLeaf && w.data == NDArray.randomNormal([3, 2], seed: 4))
        #expect(Tensor<Double>.zeros([2]).scalars == [0, 0] && Tensor<Double>.ones([2]).scalars == [1, 1])
        #expect(Tensor<Double>.full([2], 7).scalars == [7, 7] && Tensor<Double>.arange(0, 3).scalars == [0, 1, 2])
        #expect(Tensor<Double>.linspace(0, 1, count: 3).scalars == [0, 0.5, 1])
        #expect(Tensor<Float>.identity(2).scalars == [1, 0, 0, 1])
        #expect(Tensor<Double>.randomUniform([100], low: 2, high: 3, seed: 1).scalars.allSatisfy { $0 >= 2 && $0 < 3 })
    }

    @Test func creationAndReadingValues() {
        let m = Tensor<Float>([[1, 2, 3], [4, 5, 6]])
        #expect(m.shape == [2, 3] && m.data.rows == [[1, 2, 3], [4, 5, 6]])
        #expect(Tensor<Double>([[[1, 2]], [[3, 4]]]).shape == [2, 1, 2])
        #expect(Tensor<Double>([1, 2, 3]).sum().scalar == 6)
        #expect("\(m)" == "Tensor<float32>[2, 3] [[1., 2., 3.],\n [4., 5., 6.]]")
        #expect("\(Tensor<Double>([0.5], requiresGrad: true))" == "Tensor<float64>[1] [0.5], requiresGrad")
    }

    @Test func everyStepsTensorGraphIsFreed() {
        let w = Tensor<Float>(NDArray.zeros([3, 1]), requiresGrad: true)
        let x = Tensor<Float>(NDArray.randomUniform([8, 3], low: -1, high: 1, seed: 2))
        var tapes: [() -> TensorTape<Float>?] = []
        for _ in 0..<200 {
            let loss = (x.matmul(w) - 1).meanSquaredError(Tensor(NDArray.zeros([8, 1])))
            weak let tape = loss.tape
            tapes.append { tape }
            w.zeroGrad()
            loss.backward()
            withoutRecording { w.data = w.data.adding(w.grad!, scaledBy: -0.1) }
        }
        #expect(tapes.allSatisfy { $0() == nil }, "some steps' tensor graphs are still alive")
    }

    @Test func floatTensorsTrainALinearModel() throws {
        let x = Tensor<Float>(NDArray.randomUniform([32, 3], low: -1, high: 1, seed: 1))
        let trueW = try NDArray<Float>(shape: [3, 1], scalars: [2, -1, 0.5])
        let y = Tensor<Float>(NDArray.matmul(x.data, trueW) + NDArray(Float(0.25)))
        let w = Tensor<Float>(NDArray.zeros([3, 1]), requiresGrad: true)
        let b = Tensor<Float>(NDArray.zeros([1]), requiresGrad: true)
        for _ in 0..<300 {
            let loss = (x.matmul(w) + b).meanSquaredError(y)
            w.zeroGrad(); b.zeroGrad()
            loss.backward()
            withoutRecording {
                w.data = w.data - w.grad! * 0.3
                b.data = b.data - b.grad! * 0.3
            }
        }
        #expect(zip(w.data.scalars, trueW.scalars).allSatisfy { Swift.abs($0 - $1) < 1e-3 })
        #expect(Swift.abs(b.data.scalars[0] - 0.25) < 1e-3)
    }
}

import Foundation
private func Foundation_log(_ x: Double) -> Double { Foundation.log(x) }
