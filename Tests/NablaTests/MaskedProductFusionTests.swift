import Testing
@testable import Nabla

/// The gradient flowing back into a relu layer, masked(h, g·Wᵀ), computed by one pass of the
/// matrix kernel that zeroes each tile's elements where the mask is not > 0 as it writes the tile:
/// the same numbers as the product and the `masked` operation, bit for bit, on any number of
/// threads; and the compiler's pass that fuses it in training steps, shown in its log.
@Suite("Masked products")
struct MaskedProductFusionTests {
    /// masked(mask, op(a)·op(b)) as two operations: the product, then the `masked` primitive.
    static func unfused<T: TensorScalar>(_ a: NDArray<T>, _ b: NDArray<T>, _ ta: Bool, _ tb: Bool, mask: NDArray<T>) -> NDArray<T> {
        TensorOperation.elementwise(.masked, constant: 0).forward(mask, NDArray.matmul(a, b, transposingA: ta, transposingB: tb))
    }

    /// A mask with every kind of element `masked` tells apart: positive, negative, ±0, ±∞, NaN.
    static func mask<T: TensorScalar>(_ shape: Shape, seed: UInt64) -> NDArray<T> {
        var mask = NDArray<T>.randomNormal(shape, seed: seed)
        let specials: [T] = [0, -0.0, .infinity, -.infinity, .nan]
        mask.scalars.withUnsafeMutableBufferPointer { m in
            for i in stride(from: 0, to: m.count, by: 7) { m[i] = specials[(i / 7) % specials.count] }
        }
        return mask
    }

    func kernelMatchesUnfused<T: TensorScalar>(_: T.Type) {
        var seed: UInt64 = 40
        // Odd sizes around the register tiles (6×16, 8×32, 6×8), two k-slices (300), k = 0.
        for (m, k, n) in [(1, 1, 1), (5, 3, 7), (9, 17, 33), (13, 300, 37), (4, 0, 5), (64, 10, 128)] {
            for (ta, tb) in [(false, false), (false, true), (true, false), (true, true)] {
                seed += 3
                let a = NDArray<T>.randomNormal(ta ? [k, m] : [m, k], seed: seed)
                var b = NDArray<T>.randomNormal(tb ? [n, k] : [k, n], seed: seed + 1)
                if k > 0 { b.scalars[0] = .nan }   // a NaN in the product: kept or zeroed as `masked` says
                let mask: NDArray<T> = Self.mask([m, n], seed: seed + 2)
                let expected = Self.unfused(a, b, ta, tb, mask: mask)
                for threads in [1, 3] {
                    let fused = NDArray.maskedProduct(a, b, transposingA: ta, transposingB: tb, mask: mask, threads: threads)
                    #expect(FusedMatmulTests.same(fused, expected), "\(T.self) \(m)×\(k)×\(n) ta \(ta) tb \(tb) threads \(threads)")
                }
            }
        }
    }

    @Test func kernelMatchesTheUnfusedOperationsBitForBit() {
        kernelMatchesUnfused(Float.self)
        kernelMatchesUnfused(Double.self)
    }

    @Test func handDerivedValues() {
        // [[1, 2], [3, 4]]·[[1, 0], [1, 1]] = [[3, 2], [7, 4]], kept where the mask is > 0.
        let a = NDArray<Double>([[1, 2], [3, 4]]), b = NDArray<Double>([[1, 0], [1, 1]])
        let mask = NDArray<Double>([[1, -1], [0, 0.5]])
        let product = NDArray.maskedProduct(a, b, transposingA: false, transposingB: false, mask: mask, threads: 1)
        #expect(product.scalars == [3, 0, 0, 4])
    }

    /// Two relu layers and a loss: backward's masked(h₁, g·W₂ᵀ) is one step.
    static func twoLayerStep() throws -> (graph: TensorGraph<Float>, outputs: [TensorSymbol<Float>], feeds: [String: NDArray<Float>]) {
        let graph = TensorGraph<Float>()
        let x = graph.input("x", shape: [13, 9]), w1 = graph.input("w1", shape: [9, 37]), b1 = graph.input("b1", shape: [37])
        let w2 = graph.input("w2", shape: [37, 5])
        let h1 = relu(x.matmul(w1) + b1)
        let loss = (relu(h1.matmul(w2)) * 0.5).sum()
        let outputs = [loss] + (try graph.gradients(of: loss, wrt: [x, w1, b1, w2]))
        let feeds = ["x": NDArray<Float>.randomNormal([13, 9], seed: 5), "w1": .randomNormal([9, 37], seed: 6),
                     "b1": .randomNormal([37], seed: 7), "w2": .randomNormal([37, 5], seed: 8)]
        return (graph, outputs, feeds)
    }

    @Test func trainingStepsFuseTheReluMaskIntoTheBackwardProduct() throws {
        let (graph, outputs, feeds) = try Self.twoLayerStep()
        let (program, log) = try graph.compileWithLog(outputs)
        let fusion = try #require(log.pass("fusion")).changes
        #expect(fusion.contains { $0.contains(": masked(") && $0.contains("the mask applied by the matrix kernel as it writes each tile [13×37]") },
                "\(fusion)")
        #expect(program.steps.contains { ($0.epilogue?.mask ?? -1) >= 0 })
        // The same numbers as the dynamic, unfused step.
        let results = try program.run(feeds)
        let x = Tensor(feeds["x"]!, requiresGrad: true), w1 = Tensor(feeds["w1"]!, requiresGrad: true)
        let b1 = Tensor(feeds["b1"]!, requiresGrad: true), w2 = Tensor(feeds["w2"]!, requiresGrad: true)
        let loss = (relu(relu(x.matmul(w1) + b1).matmul(w2)) * 0.5).sum()
        let expected = [loss.data] + loss.gradients(wrt: [x, w1, b1, w2])
        for (k, (s, d)) in zip(results, expected).enumerated() {
            #expect(FusedMatmulTests.same(s, d), "output \(k) differs")
        }
    }

    @Test func productsReadElsewhereOrBatchedAreNotMasked() throws {
        // The product is an output too: it must be stored unmasked.
        let graph = TensorGraph<Float>()
        let g = graph.input("g", shape: [3, 4]), w = graph.input("w", shape: [5, 4]), h = graph.input("h", shape: [3, 5])
        let product = TensorSymbol.matmul(g, w, transposingA: false, transposingB: true)
        let masked = TensorSymbol.apply(.masked, h, product, constant: 0)
        #expect(try graph.compile([masked, product]).steps.allSatisfy { $0.epilogue == nil })
        #expect(try graph.compile([masked]).steps.contains { ($0.epilogue?.mask ?? -1) >= 0 })
        // Batched products (rank 3) run as before.
        let batched = TensorGraph<Float>()
        let p = batched.input("a", shape: [2, 3, 4]).matmul(batched.input("b", shape: [2, 4, 5]))
        let m = TensorSymbol.apply(.masked, batched.input("m", shape: [2, 3, 5]), p, constant: 0)
        #expect(try batched.compile([m]).steps.allSatisfy { $0.epilogue == nil })
    }
}
