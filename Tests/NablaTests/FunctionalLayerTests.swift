import Testing
@testable import Nabla

/// Layers as functions (PyTorch's torch.nn.functional): `layerNorm`, `batchNorm`, `dropout`,
/// `embedding`, `conv2d` with dilation and groups, `maxPool2d` with dilation and
/// `adaptiveAvgPool2d`. Values by hand from PyTorch's definitions, first and second derivatives
/// through the gradient checker, static equal to dynamic bit for bit, bad shapes named, and the
/// modules giving the functions' numbers.
@Suite("Functional layers")
struct FunctionalLayerTests {
    static let cases: [TensorGradientTests.Case] = [
        .init(name: "layerNorm over [3, 4] with weight and bias", shapes: [[2, 3, 4], [3, 4], [3, 4]]) {
            tanh(layerNorm($0[0], shape: [3, 4], weight: $0[1], bias: $0[2]))
        },
        .init(name: "layerNorm without affine", shapes: [[3, 4]]) { layerNorm($0[0], shape: [4]) * $0[0] },
        .init(name: "batchNorm training [N, C], batch statistics only", shapes: [[4, 3], [3], [3]]) {
            tanh(batchNorm($0[0], weight: $0[1], bias: $0[2]))
        },
        .init(name: "batchNorm training [N, C, H, W] with running statistics", shapes: [[2, 2, 2, 3], [2]]) {
            var mean: AnyTensor? = $0[0].constant(NDArray([0.5, -1])), variance: AnyTensor? = $0[0].constant(NDArray([2, 0.5]))
            return tanh(batchNorm($0[0], runningMean: &mean, runningVar: &variance, weight: $0[1], training: true, momentum: 0.2))
        },
        .init(name: "batchNorm evaluation, gradients into the running statistics", shapes: [[3, 2, 4], [2], [2], [2], [2]]) {
            var mean: AnyTensor? = $0[1], variance: AnyTensor? = $0[2] * $0[2] + 0.5
            return tanh(batchNorm($0[0], runningMean: &mean, runningVar: &variance, weight: $0[3], bias: $0[4], training: false))
        },
        .init(name: "dropout (seeded mask)", shapes: [[3, 4]]) {
            var generator = SeededGenerator(seed: 3)
            return tanh(dropout($0[0], probability: 0.4, generator: &generator)) * $0[0]
        },
        .init(name: "embedding with a repeated index", shapes: [[4, 3]]) {
            let rows = embedding([2, 0, 2, 3], weight: $0[0])
            return rows * rows
        },
        .init(name: "conv2d dilation 2 padding 1 with bias", shapes: [[1, 2, 5, 6], [3, 2, 2, 3], [3]]) {
            tanh($0[0].conv2d($0[1], bias: $0[2], padding: (1, 1), dilation: (2, 2)))
        },
        .init(name: "conv2d groups 2 stride (2, 1) padding (1, 0)", shapes: [[1, 4, 4, 4], [4, 2, 3, 3], [4]]) {
            tanh($0[0].conv2d($0[1], bias: $0[2], stride: (2, 1), padding: (1, 0), groups: 2))
        },
        .init(name: "conv2d depthwise (groups = C), multiplier 2, dilation (1, 2)", shapes: [[2, 3, 4, 4], [6, 1, 2, 2]]) {
            tanh($0[0].conv2d($0[1], dilation: (1, 2), groups: 3))
        },
        .init(name: "maxPool2d dilation 2 padding 1", shapes: [[1, 2, 5, 5]]) {
            $0[0].maxPool2d(kernel: (2, 2), stride: (1, 1), padding: (1, 1), dilation: (2, 2)) * 3
        },
        .init(name: "adaptiveAvgPool2d 5×7 → 3×4", shapes: [[2, 2, 5, 7]]) { tanh($0[0].adaptiveAvgPool2d(outputSize: (3, 4))) },
        .init(name: "adaptiveAvgPool2d [C, H, W] 2×3 → 3×5 (overlapping windows)", shapes: [[2, 2, 3]]) {
            let y = $0[0].adaptiveAvgPool2d(outputSize: (3, 5))
            return y * y
        },
    ]

    @Test("First and second order against finite differences", arguments: cases)
    func gradientCheck(_ c: TensorGradientTests.Case) {
        TensorGradientTests().gradientCheck(c)
    }

    @Test("Static and dynamic agree", arguments: cases)
    func staticMatchesDynamic(_ c: TensorGradientTests.Case) throws {
        try TensorGraphTests().staticMatchesDynamic(c)
    }

    /// The modules with the new options, through NNTests' table helpers: gradients with respect
    /// to input and parameters, and a compiled training step equal to the dynamic one.
    static let layers: [NNTests.LayerCase] = [
        .init(name: "Conv2d dilation 2, groups 2", make: { Conv2d<Double>(4, 2, kernelSize: 2, padding: 1, dilation: 2, groups: 2, seed: 3) },
              input: [1, 4, 4, 4]),
        .init(name: "Conv2d depthwise", make: { Conv2d<Double>(3, 3, kernelSize: 3, padding: 1, groups: 3, seed: 4) }, input: [2, 3, 3, 3]),
        .init(name: "MaxPool2d dilation 2", make: { MaxPool2d<Double>(kernelSize: 2, stride: 1, dilation: 2) }, input: [1, 2, 4, 4]),
        .init(name: "AdaptiveAvgPool2d", make: { AdaptiveAvgPool2d<Double>(outputSize: (2, 3)) }, input: [2, 2, 5, 4]),
    ]

    @Test("Module gradients, first and second order", arguments: layers)
    func moduleGradients(_ c: NNTests.LayerCase) {
        let mismatches = NNTests.check(c.make(), input: c.input, low: c.low, high: c.high)
        #expect(mismatches.isEmpty, "\(c.name): \(mismatches.prefix(3))")
    }

    @Test("A compiled training step gives the dynamic step's numbers", arguments: layers)
    func moduleStaticMatchesDynamic(_ c: NNTests.LayerCase) throws {
        try NNTests().staticMatchesDynamic(c)
    }

    static func close(_ a: NDArray<Double>, _ b: NDArray<Double>, _ tolerance: Double = 1e-12) -> Bool {
        a.shape == b.shape && zip(a.scalars, b.scalars).allSatisfy { Swift.abs($0 - $1) <= tolerance }
    }

    // MARK: Normalisation

    @Test func layerNormAsPyTorch() {
        // F.layer_norm(tensor([[1., 3.], [0., 4.]]), (2,), weight=tensor([2., 1.]), bias=tensor([.5, 0.]), eps=0):
        // row means 2 and 2, biased variances 1 and 4, so both rows normalise to [-1, 1]; then ·w + b.
        let x = Tensor<Double>([[1, 3], [0, 4]])
        let y = layerNorm(x, shape: [2], weight: Tensor([2, 1]), bias: Tensor([0.5, 0]), eps: 0)
        #expect(y.data == NDArray([[-1.5, 1], [-1.5, 1]]))
        // Over two trailing axes: F.layer_norm(tensor([[[1., 1.], [3., 3.]]]), (2, 2), eps=0) = [[[-1, -1], [1, 1]]].
        #expect(layerNorm(Tensor<Double>([[[1, 1], [3, 3]]]), shape: [2, 2], eps: 0).data == NDArray([[[-1, -1], [1, 1]]]))
        // The LayerNorm module is this function with its γ and β.
        let layer = LayerNorm<Double>([3, 4])
        let input = Tensor(NDArray<Double>.randomNormal([2, 3, 4], seed: 4))
        #expect(layer(input).data == layerNorm(input, shape: [3, 4], weight: layer.weight, bias: layer.bias).data)
    }

    @Test func batchNormTrainingAsPyTorch() throws {
        // F.batch_norm(x, rm, rv, training=True, momentum=0.1, eps=0) with x = [[1, 10], [3, 14]],
        // rm = [0, 0], rv = [1, 1]: channel means (2, 12), biased variances (1, 4), so the output
        // is [[-1, -1], [1, 1]]; the unbiased variances (n = 2) are (2, 8), and then
        // rm = 0.9·0 + 0.1·(2, 12) = (0.2, 1.2), rv = 0.9·1 + 0.1·(2, 8) = (1.1, 1.7).
        let x = Tensor<Double>([[1, 10], [3, 14]])
        var mean: Tensor<Double>? = Tensor([0, 0]), variance: Tensor<Double>? = Tensor([1, 1])
        let y = batchNorm(x, runningMean: &mean, runningVar: &variance, training: true, momentum: 0.1, eps: 0)
        #expect(y.data == NDArray([[-1, -1], [1, 1]]))
        #expect(Self.close(try #require(mean).data, NDArray([0.2, 1.2])))
        #expect(Self.close(try #require(variance).data, NDArray([1.1, 1.7])))
        // Without running statistics: the same output (F.batch_norm(x, None, None, training=True)).
        #expect(batchNorm(x, eps: 0).data == y.data)
        // Weight and bias per channel: ·(2, 1) + (0, 5).
        #expect(batchNorm(x, weight: Tensor([2, 1]), bias: Tensor([0, 5]), eps: 0).data == NDArray([[-2, 4], [2, 6]]))
    }

    @Test func batchNormEvaluationAsPyTorch() {
        // F.batch_norm(tensor([[3., 8.]]), rm=tensor([1., 2.]), rv=tensor([4., 9.]), weight=tensor([2., 1.]),
        // bias=tensor([0., 1.]), training=False, eps=0) = [[(3 − 1)/2·2 + 0, (8 − 2)/3·1 + 1]] = [[2, 3]];
        // the running statistics are not changed.
        var mean: Tensor<Double>? = Tensor([1, 2]), variance: Tensor<Double>? = Tensor([4, 9])
        let y = batchNorm(Tensor<Double>([[3, 8]]), runningMean: &mean, runningVar: &variance,
                          weight: Tensor([2, 1]), bias: Tensor([0, 1]), training: false, eps: 0)
        #expect(y.data == NDArray([[2, 3]]))
        #expect(mean?.data == NDArray([1, 2]) && variance?.data == NDArray([4, 9]))
        // [N, C, L]: every position of a channel uses that channel's statistics.
        var m3: Tensor<Double>? = Tensor([1, -1]), v3: Tensor<Double>? = Tensor([1, 4])
        let z = batchNorm(Tensor<Double>([[[1, 2], [3, 5]]]), runningMean: &m3, runningVar: &v3, eps: 0)
        #expect(z.data == NDArray([[[0, 1], [2, 3]]]))
    }

    @Test func batchNormStatisticsStaticEqualDynamic() throws {
        // The updated running statistics are values of the algebra: a compiled program gives them
        // bit for bit as the dynamic call does.
        let x = NDArray<Double>.randomNormal([3, 2, 2, 2], seed: 7)
        let (rm, rv) = (NDArray<Double>([0.3, -0.2]), NDArray<Double>([1.5, 0.7]))
        var mean: Tensor<Double>? = Tensor(rm), variance: Tensor<Double>? = Tensor(rv)
        let y = batchNorm(Tensor(x), runningMean: &mean, runningVar: &variance, training: true, momentum: 0.3)
        let graph = TensorGraph<Double>()
        let input = graph.input("x", shape: x.shape)
        var symbolMean: TensorSymbol<Double>? = graph.input("rm", shape: [2]), symbolVariance: TensorSymbol<Double>? = graph.input("rv", shape: [2])
        let output = batchNorm(input, runningMean: &symbolMean, runningVar: &symbolVariance, training: true, momentum: 0.3)
        let results = try graph.compile([output, try #require(symbolMean), try #require(symbolVariance)]).run(["x": x, "rm": rm, "rv": rv])
        for (s, d) in zip(results, [y.data, try #require(mean).data, try #require(variance).data]) {
            #expect(s.shape == d.shape && zip(s.scalars, d.scalars).allSatisfy { $0.bitPattern == $1.bitPattern })
        }
    }

    @Test func batchNormModuleKeepsItsFloatNumbers() {
        // The module's running statistics in Float, PyTorch's update computed in Float:
        // (1 − m)·r + m·mean and (1 − m)·r + (m·u)·var, u = n/(n − 1) = 2, batch means (2, 12),
        // biased variances (1, 4).
        let norm = BatchNorm<Float>(2, momentum: 0.1)
        _ = norm(Tensor<Float>([[1, 10], [3, 14]]))
        let m = Float(0.1), u = Float(2)
        #expect(norm.runningMean.value.scalars == [(1 - m) * 0 + m * 2, (1 - m) * 0 + m * 12])
        #expect(norm.runningVar.value.scalars == [(1 - m) * 1 + m * u * 1, (1 - m) * 1 + m * u * 4])
        // In evaluation the module uses them, as the function does.
        norm.eval()
        let x = Tensor<Float>([[0.5, 3]])
        var mean: Tensor<Float>? = Tensor(norm.runningMean.value), variance: Tensor<Float>? = Tensor(norm.runningVar.value)
        #expect(norm(x).data == batchNorm(x, runningMean: &mean, runningVar: &variance, weight: norm.weight, bias: norm.bias).data)
    }

    // MARK: Dropout and embedding

    @Test func dropoutAsPyTorch() {
        let x = Tensor(NDArray<Double>.randomUniform([1000], low: 1, high: 2, seed: 2))
        var generator = SeededGenerator(seed: 7)
        let y = dropout(x, probability: 0.25, generator: &generator)
        // Inverted dropout: each element kept when its draw is below 1 − p = 0.75, then scaled by 1/0.75.
        var draws = SeededGenerator(seed: 7)
        let expected = x.scalars.map { value in draws.nextUnit() < 0.75 ? value * (1 / 0.75) : 0 }
        #expect(y.scalars == expected)
        let kept = Double(y.scalars.filter { $0 != 0 }.count) / 1000
        #expect(Swift.abs(kept - 0.75) < 0.05)
        // Not training, or p = 0: the input itself (F.dropout(x, p, training=False)).
        #expect(dropout(x, probability: 0.25, training: false, generator: &generator).data == x.data)
        #expect(dropout(x, probability: 0, generator: &generator).data == x.data)
        // p = 1: zeros (PyTorch multiplies by 0, so a NaN stays NaN), gradient 0.
        let w = Tensor<Double>([1, -2, .nan], requiresGrad: true)
        let zeroed = dropout(w, probability: 1, generator: &generator)
        #expect(Array(zeroed.scalars.prefix(2)) == [0, 0] && zeroed.scalars[2].isNaN)
        #expect(Array(zeroed.sum().gradients(wrt: [w])[0].scalars) == [0, 0, 0])
        // The Dropout module with p = 1, as nn.Dropout(1.0).
        #expect(Dropout<Double>(probability: 1)(Tensor<Double>([3, 4])).data == NDArray([0, 0]))
    }

    @Test func embeddingAsPyTorch() throws {
        // F.embedding(tensor([2, 0, 2]), W) with W = [[0, 1], [2, 3], [4, 5]]: rows 2, 0, 2;
        // the gradient of the sum adds one per lookup: rows (1, 0, 2) times ones.
        let weight = Tensor<Double>([[0, 1], [2, 3], [4, 5]], requiresGrad: true)
        let rows = embedding([2, 0, 2], weight: weight)
        #expect(rows.data == NDArray([[4, 5], [0, 1], [4, 5]]))
        #expect(rows.sum().gradients(wrt: [weight])[0] == NDArray([[1, 1], [0, 0], [2, 2]]))
        // The Embedding module is this function on its table.
        let module = Embedding<Double>(5, 3, seed: 2)
        #expect(module([4, 1]).data == embedding([4, 1], weight: module.weight).data)
    }

    @Test func anEmbeddingIndexOutOfRangeStopsNamingIt() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = embedding([1, 3], weight: Tensor<Double>.zeros([3, 2]))
        }
        let text = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
        #expect(text.contains("embedding: index 3 at position 1 is out of range 0..<3"), "\(text)")
    }

    // MARK: Convolution and pooling

    @Test func dilatedConvolutionByHand() {
        // F.conv2d(x, ones(1, 1, 2, 2), dilation=2) with x[r, c] = 5r + c on 5×5: the taps are
        // (0, 0), (0, 2), (2, 0), (2, 2), so y[i, j] = 4·(5i + j) + (0 + 2 + 10 + 12) = 20i + 4j + 24.
        let x = Tensor(NDArray<Double>.arange(0, 25).reshaped([1, 1, 5, 5]))
        let y = x.conv2d(Tensor(NDArray.ones([1, 1, 2, 2])), dilation: (2, 2))
        #expect(y.data == NDArray([[24, 28, 32], [44, 48, 52], [64, 68, 72]]).reshaped([1, 1, 3, 3]))
    }

    @Test func groupedAndDepthwiseConvolutionByHand() {
        // F.conv2d(x, w, b, groups=2), x channels [1, 2], [3, 4], [5, 6], [7, 8] (1×2 images),
        // w [2, 2, 1, 1] = [[1, 10], [100, 1000]], b = [0.5, -1]: output 0 sees channels 0–1,
        // 1·[1, 2] + 10·[3, 4] + 0.5 = [31.5, 42.5]; output 1 sees channels 2–3,
        // 100·[5, 6] + 1000·[7, 8] − 1 = [7499, 8599].
        let x = Tensor(NDArray<Double>.arange(1, 9).reshaped([1, 4, 1, 2]))
        let w = Tensor(NDArray<Double>([1, 10, 100, 1000]).reshaped([2, 2, 1, 1]))
        #expect(x.conv2d(w, bias: Tensor([0.5, -1]), groups: 2).data == NDArray([31.5, 42.5, 7499, 8599]).reshaped([1, 2, 1, 2]))
        // Depthwise, F.conv2d(x, w, groups=2) with channels [[1, 2], [3, 4]] and [[5, 6], [7, 8]],
        // filters ones and [[1, 0], [0, -1]]: 1 + 2 + 3 + 4 = 10 and 5 − 8 = −3.
        let image = Tensor(NDArray<Double>.arange(1, 9).reshaped([1, 2, 2, 2]))
        let filters = Tensor(NDArray<Double>([1, 1, 1, 1, 1, 0, 0, -1]).reshaped([2, 1, 2, 2]))
        #expect(image.conv2d(filters, groups: 2).data == NDArray([10, -3]).reshaped([1, 2, 1, 1]))
    }

    @Test func convolutionAgainstPyTorchsDefinition() {
        // F.conv2d(x, w, stride=(2, 1), padding=(1, 2), dilation=(2, 1), groups=2), written out:
        // y[b, o, i, j] = Σ_{c < C/G, p, q} x[b, g·C/G + c, 2i − 1 + 2p, j − 2 + q]·w[o, c, p, q],
        // g = o / (O/G), zero outside the image.
        let x = NDArray<Double>.randomNormal([2, 4, 6, 5], seed: 1), w = NDArray<Double>.randomNormal([6, 2, 2, 3], seed: 2)
        let y = Tensor(x).conv2d(Tensor(w), stride: (2, 1), padding: (1, 2), dilation: (2, 1), groups: 2).data
        // OH = ⌊(6 + 2 − 2·1 − 1)/2⌋ + 1 = 3, OW = ⌊(5 + 4 − 1·2 − 1)/1⌋ + 1 = 7.
        #expect(y.shape == [2, 6, 3, 7])
        for b in 0..<2 { for o in 0..<6 { for i in 0..<3 { for j in 0..<7 {
            var sum = 0.0
            let g = o / 3
            for c in 0..<2 { for p in 0..<2 { for q in 0..<3 {
                let (r, s) = (2 * i - 1 + 2 * p, j - 2 + q)
                if r >= 0 && r < 6 && s >= 0 && s < 5 { sum += x[[b, g * 2 + c, r, s]] * w[[o, c, p, q]] }
            } } }
            #expect(Swift.abs(y[[b, o, i, j]] - sum) < 1e-12)
        } } } }
    }

    @Test func dilatedPatchesAgainstANaiveReference() {
        // im2col and col2im with dilation, against loops from the definition: tap (i, j) of the
        // window at (y, x) reads (y·sh − ph + i·dh, x·sw − pw + j·dw).
        let image = NDArray<Double>.randomNormal([1, 2, 6, 7], seed: 6)
        for (kernel, stride, padding, dilation) in [((2, 3), (1, 2), (1, 1), (2, 3)), ((3, 2), (2, 1), (0, 2), (2, 1)), ((1, 2), (1, 1), (0, 0), (1, 4))] {
            let g = PatchGeometry(kernel: kernel, stride: stride, padding: padding, dilation: dilation)
            let oh = (6 + 2 * padding.0 - dilation.0 * (kernel.0 - 1) - 1) / stride.0 + 1
            let ow = (7 + 2 * padding.1 - dilation.1 * (kernel.1 - 1) - 1) / stride.1 + 1
            #expect(g.outputSize(height: 6, width: 7)! == (oh, ow))
            let patches = image.unfolded(g, padValue: -9)
            var folded = [Double](repeating: 0, count: image.count)
            for c in 0..<2 { for i in 0..<kernel.0 { for j in 0..<kernel.1 { for y in 0..<oh { for x in 0..<ow {
                let (iy, ix) = (y * stride.0 - padding.0 + i * dilation.0, x * stride.1 - padding.1 + j * dilation.1)
                let inside = iy >= 0 && iy < 6 && ix >= 0 && ix < 7
                let row = (c * kernel.0 + i) * kernel.1 + j
                #expect(patches[[0, row, y * ow + x]] == (inside ? image[[0, c, iy, ix]] : -9))
                if inside { folded[(c * 6 + iy) * 7 + ix] += patches[[0, row, y * ow + x]] }
            } } } } }
            #expect(patches.folded(into: image.shape, g).scalars == folded)
        }
        // The dilation is part of a geometry's identity.
        let dense = PatchGeometry(kernel: (3, 3)), dilated = PatchGeometry(kernel: (3, 3), dilation: (2, 2))
        #expect(dense != dilated && dense == PatchGeometry(kernel: (3, 3), dilation: (1, 1)))
        #expect(Set([dense, dilated, PatchGeometry(kernel: (3, 3))]).count == 2)
        // A window 2·(3 − 1) + 1 = 5 wide does not fit 4 columns.
        #expect(dilated.outputSize(height: 5, width: 4) == nil && dilated.outputSize(height: 5, width: 5)! == (1, 1))
    }

    @Test func dilatedMaxPoolingByHand() {
        // F.max_pool2d(arange(16).view(1, 1, 4, 4), 2, stride=1, dilation=2): the window at (i, j)
        // holds (i, j), (i, j + 2), (i + 2, j), (i + 2, j + 2); the largest is 4(i + 2) + j + 2.
        let x = Tensor(NDArray<Double>.arange(0, 16).reshaped([1, 1, 4, 4]))
        #expect(x.maxPool2d(kernel: (2, 2), stride: (1, 1), dilation: (2, 2)).data == NDArray([[10, 11], [14, 15]]).reshaped([1, 1, 2, 2]))
        #expect(MaxPool2d<Double>(kernelSize: 2, stride: 1, dilation: 2)(x).data == NDArray([[10, 11], [14, 15]]).reshaped([1, 1, 2, 2]))
    }

    @Test func adaptiveAveragePoolingAsPyTorch() {
        // F.adaptive_avg_pool2d(arange(12).view(1, 1, 3, 4), (2, 2)): rows ⌊i·3/2⌋ ..< ⌈(i + 1)·3/2⌉
        // = 0..<2, 1..<3, columns 0..<2, 2..<4: (0+1+4+5)/4 = 2.5, (2+3+6+7)/4 = 4.5,
        // (4+5+8+9)/4 = 6.5, (6+7+10+11)/4 = 8.5.
        let x = Tensor(NDArray<Double>.arange(0, 12).reshaped([1, 1, 3, 4]))
        #expect(x.adaptiveAvgPool2d(outputSize: (2, 2)).data == NDArray([[2.5, 4.5], [6.5, 8.5]]).reshaped([1, 1, 2, 2]))
        // (1, 1): the global mean 5.5 (up to rounding: the weights are 1/3 and 1/4).
        #expect(Self.close(x.adaptiveAvgPool2d(outputSize: 1).data, NDArray([5.5]).reshaped([1, 1, 1, 1])))
        // Upsampling [[1, 2], [3, 4]] to 3×3: windows [0], [0, 1], [1] on each axis.
        let small = Tensor<Double>([[[1, 2], [3, 4]]])
        #expect(small.adaptiveAvgPool2d(outputSize: (3, 3)).data == NDArray([[[1, 1.5, 2], [2, 2.5, 3], [3, 3.5, 4]]]))
        // Rows 0…4 to 3: windows 0..<2, 1..<4, 3..<5 (overlapping): means 0.5, 2, 3.5.
        let column = Tensor(NDArray<Double>.arange(0, 5).reshaped([1, 1, 5, 1]))
        #expect(Self.close(column.adaptiveAvgPool2d(outputSize: (3, 1)).data, NDArray([0.5, 2, 3.5]).reshaped([1, 1, 3, 1])))
        // The module is the function.
        let image = Tensor(NDArray<Double>.randomNormal([2, 3, 7, 6], seed: 3))
        #expect(AdaptiveAvgPool2d<Double>(outputSize: (4, 2))(image).data == image.adaptiveAvgPool2d(outputSize: (4, 2)).data)
    }

    @Test func conv2dModuleTakesDilationAndGroups() {
        // nn.Conv2d(4, 6, 3, groups=2): weight [6, 2, 3, 3], bound 1/√(2·3·3) = 1/√18.
        let conv = Conv2d<Double>(4, 6, kernelSize: 3, padding: 2, dilation: 2, groups: 2, seed: 5)
        #expect(conv.weight.shape == [6, 2, 3, 3] && conv.bias!.shape == [6])
        #expect(conv.weight.scalars.allSatisfy { Swift.abs($0) <= 1 / 18.0.squareRoot() })
        let x = Tensor(NDArray<Double>.randomNormal([1, 4, 5, 5], seed: 6))
        let y = conv(x)
        #expect(y.shape == [1, 6, 5, 5])
        #expect(y.data == x.conv2d(conv.weight, bias: conv.bias, padding: (2, 2), dilation: (2, 2), groups: 2).data)
    }

    // MARK: Bad shapes

    @Test func badShapesAreNamed() {
        func error(_ build: (TensorGraph<Double>) -> Void) -> TensorShapeError? {
            let graph = TensorGraph<Double>()
            build(graph)
            do { try graph.check(); return nil } catch { return error }
        }
        #expect(error { _ = layerNorm($0.input("x", shape: [4, 6]), shape: [5]) }
                == TensorShapeError(operation: "layerNorm", shapes: [[4, 6]],
                                    reason: "expected an input ending in [5] (at least one axis), and a weight and bias of that shape"))
        #expect(error { _ = batchNorm($0.input("x", shape: [4, 2]), weight: $0.input("w", shape: [3])) }
                == TensorShapeError(operation: "batchNorm", shapes: [[4, 2], [3]],
                                    reason: "expected an input [N, C, …] and running statistics, weight and bias of shape [C]"))
        #expect(error { _ = batchNorm($0.input("x", shape: [1, 3])) }
                == TensorShapeError(operation: "batchNorm", shapes: [[1, 3]], reason: "training needs more than one value per channel"))
        #expect(error { _ = embedding([0], weight: $0.input("w", shape: [4])) }
                == TensorShapeError(operation: "embedding", shapes: [[4]], reason: "expected a weight [count, dimension]"))
        #expect(error { _ = $0.input("x", shape: [1, 4, 5, 5]).conv2d($0.input("w", shape: [3, 2, 3, 3]), groups: 2) }
                == TensorShapeError(operation: "conv2d", shapes: [[1, 4, 5, 5], [3, 2, 3, 3]],
                                    reason: "expected an input [N, C, H, W] and filters [O, C/groups, kh, kw] with C and O divisible by groups = 2"))
        #expect(error { _ = $0.input("x", shape: [1, 2, 5, 5]).conv2d($0.input("w", shape: [3, 2, 3, 3]), bias: $0.input("b", shape: [2])) }
                == TensorShapeError(operation: "conv2d", shapes: [[1, 2, 5, 5], [3, 2, 3, 3], [2]], reason: "the bias must be [O] = [3]"))
        #expect(error { _ = $0.input("x", shape: [1, 2, 4, 4]).conv2d($0.input("w", shape: [3, 2, 3, 3]), dilation: (2, 2)) }
                == TensorShapeError(operation: "conv2d", shapes: [[1, 2, 4, 4], [3, 2, 3, 3]],
                                    reason: "a 3×3 filter does not fit the input with padding (0, 0) and dilation (2, 2)"))
        // As PyTorch's pooling, a padding above half the kernel (rounded down) is refused.
        #expect(error { _ = $0.input("x", shape: [1, 1, 6, 6]).maxPool2d(kernel: (3, 3), padding: (2, 1)) }
                == TensorShapeError(operation: "pool2d", shapes: [[1, 1, 6, 6]],
                                    reason: "kernel (3, 3), stride (3, 3) and dilation (1, 1) must be positive, and padding (2, 1) at most half the kernel"))
        #expect(error { _ = $0.input("x", shape: [4, 4]).adaptiveAvgPool2d(outputSize: 2) }
                == TensorShapeError(operation: "adaptiveAvgPool2d", shapes: [[4, 4]],
                                    reason: "expected a non-empty input [N, C, H, W] or [C, H, W] and a positive output size, got (2, 2)"))
        // Modules trace the same checks: a grouped Conv2d fed the wrong channel count.
        #expect(throws: TensorShapeError.self) { try Conv2d<Double>(4, 4, kernelSize: 1, groups: 4, seed: 1).outputShape(forInput: [1, 2, 3, 3]) }
    }
}
