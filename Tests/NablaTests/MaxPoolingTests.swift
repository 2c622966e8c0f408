import Testing
@testable import Nabla

/// Max pooling's own kernel and the two linear maps its derivatives are made of, on values
/// worked out by hand (the gradient checks against finite differences are in
/// `TensorGradientTests` and `FunctionalLayerTests`).
@Suite("Max pooling")
struct MaxPoolingTests {
    /// The gradient of Σ maxPool(x) with respect to x, in the dynamic engine.
    static func gradientOfSum(_ x: NDArray<Double>, kernel: (Int, Int), stride: (Int, Int)? = nil,
                              padding: (Int, Int) = (0, 0), dilation: (Int, Int) = (1, 1)) -> NDArray<Double> {
        let input = Tensor(x, requiresGrad: true)
        return input.maxPool2d(kernel: kernel, stride: stride, padding: padding, dilation: dilation).sum().gradients(wrt: [input])[0]
    }

    @Test func tiedMaximaGiveTheGradientToTheFirstAsPyTorch() {
        // One 2×2 window [[1, 3], [3, 2]]: the maximum 3 twice; PyTorch's max_pool2d routes the
        // gradient to the first in row-major order, (0, 1).
        let x = NDArray<Double>([1, 3, 3, 2]).reshaped([1, 1, 2, 2])
        #expect(Tensor(x).maxPool2d(kernel: (2, 2)).scalars == [3])
        #expect(Self.gradientOfSum(x, kernel: (2, 2)).scalars == [0, 1, 0, 0])
    }

    @Test func windowsSharingTheirMaximumAddUp() {
        // A 3×3 image with its largest value in the middle: the four 2×2 windows at stride 1 all
        // pick it, so its gradient is 4 (and 0 elsewhere).
        let x = NDArray<Double>([1, 2, 3, 4, 9, 5, 6, 7, 8]).reshaped([1, 1, 3, 3])
        #expect(Tensor(x).maxPool2d(kernel: (2, 2), stride: (1, 1)).scalars == [9, 9, 9, 9])
        #expect(Self.gradientOfSum(x, kernel: (2, 2), stride: (1, 1)).scalars == [0, 0, 0, 0, 4, 0, 0, 0, 0])
    }

    @Test func paddingIsNegativeInfinity() {
        // A 2×2 image of negative values, 2×2 windows at stride 1 with padding 1: nine windows,
        // each the largest of the pixels it covers; the padding never wins.
        let x = NDArray<Double>([-4, -3, -2, -1]).reshaped([1, 1, 2, 2])
        #expect(Tensor(x).maxPool2d(kernel: (2, 2), stride: (1, 1), padding: (1, 1)).scalars
                    == [-4, -3, -3, -2, -1, -1, -2, -1, -1])
        // Pixel (1, 1) = −1 is the maximum of the four windows covering it; (0, 1) = −3 of two
        // (the top row's middle and right); (1, 0) = −2 of two; (0, 0) of one.
        #expect(Self.gradientOfSum(x, kernel: (2, 2), stride: (1, 1), padding: (1, 1)).scalars == [1, 2, 2, 4])
    }

    @Test func aNaNWinsAndTakesTheGradient() {
        // The first window holds two NaNs: as in PyTorch's kernel (a tap replaces the maximum
        // when larger or NaN), the last one, (1, 1), takes the gradient.
        let x = NDArray<Double>([1, .nan, 5, 2, 7, .nan, 3, 4]).reshaped([1, 1, 2, 4])
        let pooled = Tensor(x).maxPool2d(kernel: (2, 2)).scalars
        #expect(pooled[0].isNaN && pooled[1] == 5)
        #expect(Self.gradientOfSum(x, kernel: (2, 2)).scalars == [0, 0, 1, 0, 0, 1, 0, 0])
    }

    @Test func aWindowWithNoTapInTheImageIsNegativeInfinityWithNoGradient() {
        // A 2×2 image, a 2×2 window with dilation 3 and padding 1: its taps are rows and columns
        // −1 and 2, all in the padding (PyTorch gives −∞ too).
        let x = NDArray<Double>([1, 2, 3, 4]).reshaped([1, 1, 2, 2])
        #expect(Tensor(x).maxPool2d(kernel: (2, 2), padding: (1, 1), dilation: (3, 3)).scalars == [-.infinity])
        #expect(Self.gradientOfSum(x, kernel: (2, 2), padding: (1, 1), dilation: (3, 3)).scalars == [0, 0, 0, 0])
    }

    @Test(arguments: [PatchGeometry(kernel: (2, 2), stride: (2, 2)), PatchGeometry(kernel: (3, 2), stride: (1, 2), dilation: (2, 1)),
                      PatchGeometry(kernel: (2, 3), stride: (2, 1), padding: (1, 1)), PatchGeometry(kernel: (3, 3), stride: (2, 2), padding: (1, 0), dilation: (1, 2))])
    func theKernelChoosesAsAPlainScanOfEachWindow(geometry g: PatchGeometry) {
        // Windows with and without padding (the kernel has a path for each) over a [2, 3, 7, 6]
        // batch of small integers (many ties) with two NaNs, against the rule applied tap by tap:
        // scan the window's taps inside the image in row-major order, and take a tap when it is
        // larger than the maximum so far or NaN.
        let (h, w) = (7, 6)
        var values = (0..<(2 * 3 * h * w)).map { Double(($0 * 7 + 3) % 5) }
        values[10] = .nan
        values[100] = .nan
        let x = NDArray<Double>(values).reshaped([2, 3, h, w])
        let (oh, ow) = g.outputSize(height: h, width: w)!
        var expected: [Double] = [], gradient = [Double](repeating: 0, count: values.count)
        for plane in 0..<6 {
            for y in 0..<oh {
                for xo in 0..<ow {
                    var chosen: Int?
                    for i in 0..<g.kernel.height {
                        for j in 0..<g.kernel.width {
                            let (row, column) = (y * g.stride.height - g.padding.height + i * g.dilation.height,
                                                 xo * g.stride.width - g.padding.width + j * g.dilation.width)
                            guard (0..<h).contains(row) && (0..<w).contains(column) else { continue }
                            let index = plane * h * w + row * w + column
                            if let best = chosen, !(values[index] > values[best] || values[index].isNaN) { continue }
                            chosen = index
                        }
                    }
                    expected.append(values[chosen!])
                    gradient[chosen!] += 1
                }
            }
        }
        let pooled = x.maxPooled(g).scalars
        #expect(pooled.count == expected.count)
        #expect(zip(pooled, expected).allSatisfy { $0 == $1 || ($0.isNaN && $1.isNaN) })
        #expect(x.routedToPoolMaxima(NDArray(repeating: 1, shape: [2, 3, oh, ow]), g).scalars == gradient)
    }

    @Test func routingAndPickingAreEachOthersTranspose() {
        // ⟨route_x(v), u⟩ = ⟨v, pick_x(u)⟩ for any v (one per window) and u (the input's shape),
        // with overlapping windows, padding and dilation.
        let g = PatchGeometry(kernel: (3, 2), stride: (1, 2), padding: (1, 1), dilation: (2, 1))
        let x = NDArray<Double>.randomNormal([2, 3, 6, 7], seed: 5)
        let pooled = x.maxPooled(g)
        let v = NDArray<Double>.randomNormal(pooled.shape, seed: 6), u = NDArray<Double>.randomNormal(x.shape, seed: 7)
        let left = zip(x.routedToPoolMaxima(v, g).scalars, u.scalars).reduce(0) { $0 + $1.0 * $1.1 }
        let right = zip(v.scalars, x.pickedAtPoolMaxima(u, g).scalars).reduce(0) { $0 + $1.0 * $1.1 }
        #expect(Swift.abs(left - right) <= 1e-12 * Swift.max(1, Swift.abs(left)))
        // Max pooling is the input picked at its own maxima.
        #expect(x.pickedAtPoolMaxima(x, g) == pooled)
    }

    @Test func theHessianOfTheSquaredMaximaIsTwoAtEachMaximum() {
        // f = Σ maxPool(x)² over non-overlapping 2×2 windows: ∂f/∂x = 2·max at each window's
        // maximum, and H = diag(2 at the maxima), so H·v is 2v there and 0 elsewhere.
        let values: [Double] = [1, 5, 2, 0, 3, 4, 8, 1, -1, -2, 6, 6, -3, -0.5, 7, 2]
        let x = Tensor(NDArray(values).reshaped([1, 1, 4, 4]), requiresGrad: true)
        let pooled = x.maxPool2d(kernel: (2, 2))
        #expect(pooled.scalars == [5, 8, -0.5, 7])
        let gradient = (pooled * pooled).sum().differentiableGradients(wrt: [x])[0]
        #expect(gradient.scalars == [0, 10, 0, 0, 0, 0, 16, 0, 0, 0, 0, 0, 0, -1, 14, 0])
        let v = NDArray<Double>.arange(1, 17).reshaped([1, 1, 4, 4])
        let hessianTimesV = (gradient * Tensor(v)).sum().gradients(wrt: [x])[0]
        #expect(hessianTimesV.scalars == [0, 4, 0, 0, 0, 0, 14, 0, 0, 0, 0, 0, 0, 28, 30, 0])
    }

    @Test func theCompiledGraphRejectsValuesOfTheWrongShape() {
        let graph = TensorGraph<Double>()
        let x = graph.input("x", shape: [1, 2, 4, 4])
        _ = x.routedToPoolMaxima(graph.input("v", shape: [1, 2, 3, 3]), PatchGeometry(kernel: (2, 2), stride: (2, 2)))
        #expect(throws: TensorShapeError.self) { try graph.check() }
    }
}
