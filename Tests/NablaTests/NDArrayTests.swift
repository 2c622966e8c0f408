import Testing
import NablaKernels

@Suite("NDArray storage and kernels")
struct NDArrayTests {
    @Test func broadcastingFollowsNumPy() throws {
        #expect(Shape.broadcast([3, 1], [4]) == [3, 4])
        #expect(Shape.broadcast([2, 1, 5], [3, 1]) == [2, 3, 5])
        #expect(Shape.broadcast([], [2, 2]) == [2, 2])
        #expect(Shape.broadcast([3], [4]) == nil)
        let a = try NDArray<Double>(shape: [2, 1], scalars: [1, 2])
        let b = try NDArray<Double>(shape: [3], scalars: [10, 20, 30])
        #expect(try NDArray.combine(a, b, +) == NDArray(shape: [2, 3], scalars: [11, 21, 31, 12, 22, 32]))
        #expect(try NDArray.combine(b, a, -) == NDArray(shape: [2, 3], scalars: [9, 19, 29, 8, 18, 28]))
        #expect(try NDArray.combine(a, NDArray(5), *) == NDArray(shape: [2, 1], scalars: [5, 10]))
    }

    @Test(arguments: [([2, 3, 4, 5], [1, 3, 1, 1]), ([1, 3, 1, 1], [2, 3, 4, 5]), ([2, 3, 4], [2, 1, 4]),
                      ([3, 1], [1, 4]), ([4, 1, 3], [2, 1]), ([2, 1, 3, 1], [1, 4, 1, 5])] as [([Int], [Int])])
    func broadcastRowsOfEveryKindMatchAnIndexLoop(shapes: ([Int], [Int])) throws {
        // The general broadcast (a per-channel operand, either side constant along rows, both
        // contiguous, rows spanning merged axes), element by element against the definition:
        // result[i] = a[i with a's size-1 axes at 0] − 2·b[likewise].
        let (aShape, bShape) = (Shape(shapes.0), Shape(shapes.1))
        let a = NDArray<Double>.arange(0, Double(aShape.count)).reshaped(aShape)
        let b = NDArray<Double>.arange(100, 100 + Double(bShape.count)).reshaped(bShape)
        let shape = try #require(Shape.broadcast(aShape, bShape))
        let result = NDArray.combine(a, b) { $0 - 2 * $1 }
        #expect(result.shape == shape)
        func element(_ x: NDArray<Double>, at index: [Int]) -> Double {
            let offset = shape.rank - x.rank
            return x[(0..<x.rank).map { x.shape[$0] == 1 ? 0 : index[$0 + offset] }]
        }
        for flat in 0..<shape.count {
            var index = [Int](repeating: 0, count: shape.rank), rest = flat
            for axis in stride(from: shape.rank - 1, through: 0, by: -1) {
                index[axis] = rest % shape[axis]
                rest /= shape[axis]
            }
            #expect(result.scalars[flat] == element(a, at: index) - 2 * element(b, at: index))
        }
    }

    @Test func reductionsOverAnyAxes() throws {
        let x = NDArray<Double>.arange(0, 24).reshaped([2, 3, 4])
        #expect(x.sum().scalar == 276)
        #expect(x.sum(axes: [0]).shape == [3, 4] && x.sum(axes: [0]).scalars[0] == 12)
        #expect(x.sum(axes: [1], keepingDimensions: true).shape == [2, 1, 4])
        #expect(x.sum(axes: [-1]).scalars == [6, 22, 38, 54, 70, 86])
        #expect(x.reduce(axes: [0, 2], keepingDimensions: false, initial: -.infinity, Swift.max).scalars == [15, 19, 23])
        // The inverse of broadcasting sums the repeated axes.
        let g = NDArray<Double>.ones([2, 3, 4])
        #expect(try g.unbroadcast(to: [3, 1]) == NDArray(shape: [3, 1], scalars: [8, 8, 8]))
        #expect(try g.unbroadcast(to: [4]) == NDArray(shape: [4], scalars: [6, 6, 6, 6]))
    }

    @Test func permutationsAndTransposes() throws {
        let x = NDArray<Float>.arange(0, 6).reshaped([2, 3])
        #expect(try x.transposed() == NDArray(shape: [3, 2], scalars: [0, 3, 1, 4, 2, 5]))
        let y = NDArray<Float>.arange(0, 24).reshaped([2, 3, 4]).permuted([2, 0, 1])
        #expect(y.shape == [4, 2, 3] && y[[1, 1, 2]] == 21)
    }

    @Test func matmulIn1DAnd2DAndBatched() throws {
        let a = NDArray<Double>.arange(0, 6).reshaped([2, 3])
        let b = NDArray<Double>.arange(0, 12).reshaped([3, 4])
        #expect(try NDArray.matmul(a, b) == NDArray(shape: [2, 4], scalars: [20, 23, 26, 29, 56, 68, 80, 92]))
        let v = try NDArray<Double>(shape: [3], scalars: [1, 0, -1])
        #expect(try NDArray.matmul(a, v) == NDArray(shape: [2], scalars: [-2, -2]))
        #expect(try NDArray.matmul(v, b) == NDArray(shape: [4], scalars: [-8, -8, -8, -8]))
        #expect(NDArray.matmul(v, v).shape == [] && NDArray.matmul(v, v).scalar == 2)
        // Batch axes broadcast: [2, 1, 2, 3] @ [4, 3, 4] → [2, 4, 2, 4].
        let batchA = NDArray<Double>.randomNormal([2, 1, 2, 3], seed: 1)
        let batchB = NDArray<Double>.randomNormal([4, 3, 4], seed: 2)
        let product = NDArray.matmul(batchA, batchB)
        #expect(product.shape == [2, 4, 2, 4])
        var expected = 0.0
        for p in 0..<3 { expected += batchA[[1, 0, 1, p]] * batchB[[3, p, 2]] }
        #expect(Swift.abs(product[[1, 3, 1, 2]] - expected) < 1e-12)
        // Every element, against a naive product over the broadcast indices; and a matrix
        // against a batch (a filter bank against images), both ways and transposed.
        for i in 0..<2 { for j in 0..<4 { for r in 0..<2 { for c in 0..<4 {
            let naive = (0..<3).reduce(0.0) { $0 + batchA[[i, 0, r, $1]] * batchB[[j, $1, c]] }
            #expect(Swift.abs(product[[i, j, r, c]] - naive) < 1e-12)
        } } } }
        let filters = NDArray<Double>.randomNormal([5, 3], seed: 3), images = NDArray<Double>.randomNormal([4, 3, 6], seed: 4)
        let applied = NDArray.matmul(filters, images)
        for n in 0..<4 {
            let single = NDArray.matmul(filters, images.slice([n..<n + 1]).reshaped([3, 6]))
            #expect(applied.slice([n..<n + 1]).reshaped([5, 6]) == single)
        }
        let back = NDArray.matmul(images, filters, transposingA: true, transposingB: true)     // [4, 6, 5]
        #expect(back == NDArray.matmul(images.permuted([0, 2, 1]), filters.transposed().broadcast(to: [4, 3, 5])))
    }

    @Test func transposedOperandsNeedNoCopies() {
        for (m, n, k) in [(3, 5, 4), (37, 70, 300), (1, 2, 3)] {
            let a = NDArray<Double>.randomNormal([k, m], seed: 1), b = NDArray<Double>.randomNormal([n, k], seed: 2)
            let expected = NDArray.matmul(a.transposed(), b.transposed())
            let got = NDArray.matmul(a, b, transposingA: true, transposingB: true)
            #expect(zip(got.scalars, expected.scalars).allSatisfy { Swift.abs($0 - $1) < 1e-12 })
            for threads in [1, 2] {
                let ab = NDArray.matmul(a.transposed(), NDArray<Double>.randomNormal([k, n], seed: 3), threads: threads)
                let abFlag = NDArray.matmul(a, NDArray<Double>.randomNormal([k, n], seed: 3), transposingA: true, transposingB: false, threads: threads)
                #expect(zip(ab.scalars, abFlag.scalars).allSatisfy { Swift.abs($0 - $1) < 1e-12 })
                let f = NDArray<Float>.randomNormal([m, k], seed: 4), g = NDArray<Float>.randomNormal([n, k], seed: 5)
                let fg = NDArray.matmul(f, g.transposed(), threads: threads)
                let fgFlag = NDArray.matmul(f, g, transposingA: false, transposingB: true, threads: threads)
                #expect(zip(fg.scalars, fgFlag.scalars).allSatisfy { Swift.abs($0 - $1) < 1e-4 })
            }
        }
    }

    @Test func creationAndSeededRandomness() {
        #expect(NDArray<Double>.linspace(0, 1, count: 5).scalars == [0, 0.25, 0.5, 0.75, 1])
        #expect(NDArray<Float>.identity(3).scalars == [1, 0, 0, 0, 1, 0, 0, 0, 1])
        // WORKLOADS.md's test vectors for the LCG.
        var generator = SeededGenerator(seed: 42)
        #expect(generator.nextUnit() == 0.5682303266439076)
        #expect(generator.state == 10481999410520546993)
        #expect(generator.nextUnit() == 0.2254634289477513)
        #expect(NDArray<Double>.randomNormal([5], seed: 7) == NDArray<Double>.randomNormal([5], seed: 7))
        let sample = NDArray<Double>.randomNormal([10_000], seed: 3)
        let mean = sample.sum().scalar / 10_000
        #expect(Swift.abs(mean) < 0.05)
        #expect(NDArray<Float>.randomUniform([1000], low: -1, high: 1, seed: 4).scalars.allSatisfy { $0 >= -1 && $0 < 1 })
    }

    @Test func description() {
        #expect("\(NDArray<Float>.arange(0, 6).reshaped([2, 3]))" == "NDArray<float32>[2, 3] [[0., 1., 2.],\n [3., 4., 5.]]")
        #expect("\(NDArray<Double>.arange(0, 10))" == "NDArray<float64>[10] [0., 1., 2., …, 7., 8., 9.]")
        #expect("\(NDArray<Double>(2.5))" == "NDArray<float64>[] 2.5")
    }

    @Test func patchesAgainstANaiveReference() {
        // im2col and col2im on every combination of kernel, stride and padding that exercises
        // the edges, against loops written directly from the definition.
        let image = NDArray<Double>.randomNormal([2, 2, 5, 7], seed: 6)
        for (kernel, stride, padding) in [((3, 3), (1, 1), (1, 1)), ((3, 2), (2, 3), (2, 1)), ((2, 2), (2, 2), (0, 0)),
                                          ((1, 3), (3, 1), (0, 2)), ((5, 7), (1, 1), (0, 0))] {
            let g = PatchGeometry(kernel: kernel, stride: stride, padding: padding)
            let (oh, ow) = g.outputSize(height: 5, width: 7)!
            let patches = image.unfolded(g, padValue: -9)
            var folded = [Double](repeating: 0, count: image.count)
            for b in 0..<2 { for c in 0..<2 { for i in 0..<kernel.0 { for j in 0..<kernel.1 {
                for y in 0..<oh { for x in 0..<ow {
                    let (iy, ix) = (y * stride.0 - padding.0 + i, x * stride.1 - padding.1 + j)
                    let inside = iy >= 0 && iy < 5 && ix >= 0 && ix < 7
                    let row = (c * kernel.0 + i) * kernel.1 + j
                    #expect(patches[[b, row, y * ow + x]] == (inside ? image[[b, c, iy, ix]] : -9))
                    if inside { folded[((b * 2 + c) * 5 + iy) * 7 + ix] += patches[[b, row, y * ow + x]] }
                } }
            } } } }
            #expect(patches.folded(into: image.shape, g).scalars == folded)
        }
    }

    @Test func patchesWithDilationAndOfAnEmptyImage() {
        // Dilation 2 across: tap j of the window at output x reads column x·1 − 1 + 2j.
        let image = NDArray<Double>.arange(0, 8).reshaped([1, 2, 1, 4])
        let g = PatchGeometry(kernel: (1, 2), padding: (0, 1), dilation: (1, 2))
        #expect(image.unfolded(g, padValue: -1).scalars == [-1, 0, 1, 2, 1, 2, 3, -1, -1, 4, 5, 6, 5, 6, 7, -1])
        // An image with no pixels and padding 1: every tap reads padding, and nothing comes back.
        let empty = NDArray<Double>(repeating: 0, shape: [1, 1, 0, 2])
        let window = PatchGeometry(kernel: (1, 1), padding: (1, 0))
        #expect(empty.unfolded(window, padValue: 3).scalars == [3, 3, 3, 3])
        #expect(NDArray<Double>(repeating: 3, shape: [1, 1, 4]).folded(into: [1, 1, 0, 2], window).scalars.isEmpty)
    }

    @Test func foldingDropsPaddingReadAsNaN() {
        // Padding read as NaN is dropped on the way back: each pixel is the sum of its own patch
        // entries alone (both pixels are covered by both windows).
        let image = NDArray<Float>([1, 2]).reshaped([1, 1, 1, 2])
        let g = PatchGeometry(kernel: (1, 3), padding: (0, 1))
        #expect(image.unfolded(g, padValue: .nan).folded(into: image.shape, g).scalars == [2, 4])
    }
}
