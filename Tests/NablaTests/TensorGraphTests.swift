import Testing
@testable import Nabla

/// Static tensor graphs: the same operations and rules as the dynamic engine, so the same
/// numbers, bit for bit; shapes checked while building.
@Suite("Static tensor graphs")
struct TensorGraphTests {
    @Test("Static and dynamic agree on every op", arguments: TensorGradientTests.cases)
    func staticMatchesDynamic(_ c: TensorGradientTests.Case) throws {
        let inputs = c.shapes.enumerated().map { NDArray<Double>.randomUniform($1, low: c.low, high: c.high, seed: UInt64($0) + 21) }
        // Dynamic.
        let leaves = inputs.map { Tensor($0, requiresGrad: true) }
        let output = c.function(leaves.map(AnyTensor.dynamic)).dynamic
        let weights = NDArray<Double>.randomUniform(output.shape, low: 0.5, high: 1.5, seed: 5)
        let loss = (output * Tensor(weights)).sum()
        let dynamic = [output.data] + loss.gradients(wrt: leaves)

        // Static.
        let graph = TensorGraph<Double>()
        let symbols = inputs.enumerated().map { graph.input("x\($0)", shape: $1.shape) }
        let y = c.function(symbols.map(AnyTensor.symbolic)).symbolic
        let staticLoss = (y * graph.constant(weights)).sum()
        let program = try graph.compile([y] + graph.gradients(of: staticLoss, wrt: symbols))
        let results = try program.run(Dictionary(uniqueKeysWithValues: inputs.enumerated().map { ("x\($0)", $1) }))
        #expect(results.count == dynamic.count)
        for (k, (s, d)) in zip(results, dynamic).enumerated() {
            #expect(s.shape == d.shape && zip(s.scalars, d.scalars).allSatisfy { $0.bitPattern == $1.bitPattern },
                    "\(c.name): output \(k) differs: static \(s), dynamic \(d)")
        }
    }

    @Test func shapeMismatchesThrowWhenBuilt() {
        let graph = TensorGraph<Float>()
        let a = graph.input("a", shape: [3, 4]), b = graph.input("b", shape: [5, 2])
        _ = a.matmul(b) + 1
        #expect(throws: TensorShapeError(operation: "matmul", shapes: [[3, 4], [5, 2]], reason: "inner dimensions differ (4 ≠ 5)")) {
            try graph.check()
        }
        let other = TensorGraph<Float>()
        _ = other.input("x", shape: [3]) + other.input("y", shape: [4])
        #expect(throws: TensorShapeError.self) { try other.compile([]) }
        #expect("\(other.error!)" == "add: [3] and [4] — do not broadcast")
    }

    @Test func programsCheckTheirFeeds() throws {
        let graph = TensorGraph<Float>()
        let x = graph.input("x", shape: [2, 2])
        let program = try graph.compile([x.sum()])
        #expect(throws: TensorProgramError.missingInput("x")) { try program.run([:]) }
        #expect(throws: TensorProgramError.wrongShape("x", expected: [2, 2], got: [4])) { try program.run(["x": NDArray([1, 2, 3, 4])]) }
        #expect(throws: TensorProgramError.unknownInput("z")) { try program.run(["x": NDArray([[1, 2], [3, 4]]), "z": NDArray([1])]) }
        #expect(try program.run(["x": NDArray([[1, 2], [3, 4]])])[0].scalar == 10)
    }
}


/// Fusion of unary elementwise chains on small and large tensors: the same numbers, bit for
/// bit, and nothing fused that another step or an output still needs.
@Suite("Fused elementwise chains")
struct FusedChainTests {
    // 2²¹ + 1000 Doubles: a large tensor (over 16 MiB), whole blocks and a partial one.
    @Test(arguments: [1, 8, 64, 65, (1 << 21) + 1000])
    func chainsGiveTheDynamicNumbers(_ size: Int) throws {
        let x0 = NDArray<Double>.randomUniform([size], low: 0.2, high: 0.9, seed: 3)
        func f<T: DifferentiableTensor>(_ x: T) -> (T, T) {
            let middle = sigmoid(exp(x * 1.5 + 0.25))                  // a chain …
            let kept = tanh(middle)                                      // … whose end is an output
            return (log(kept * 2 + 3).sum() + (middle * middle).sum(), kept)  // middle read twice
        }
        let leaf = Tensor(x0, requiresGrad: true)
        let (loss, kept) = f(leaf)
        let gradient = loss.gradients(wrt: [leaf])[0]
        let graph = TensorGraph<Double>()
        let x = graph.input("x", shape: [size])
        let (symbolicLoss, symbolicKept) = f(x)
        let program = try graph.compile([symbolicLoss, symbolicKept] + graph.gradients(of: symbolicLoss, wrt: [x]))
        let outputs = try program.run(["x": x0])
        #expect(outputs[0] == loss.data && outputs[1] == kept.data && outputs[2] == gradient)
        let fused = program.steps.filter(\.isFused).count
        let fusible = size <= TensorProgram<Double>.fusedElementLimit || size * 8 >= TensorProgram<Double>.fusedByteThreshold
        #expect(fusible ? fused > 0 : fused == 0)
    }
}

@Suite("Tensor functions with open dimensions")
struct TensorFunctionTests {
    @Test func compiledPerBatchSizeAndCached() throws {
        let w = NDArray<Double>.randomNormal([3, 2], seed: 1)
        let f = try TensorFunction<Double>(inputs: [("x", [nil, 3]), ("w", [3, 2])]) { s in
            let y = tanh(s["x"]!.matmul(s["w"]!)).sum()
            return try [y] + s["x"]!.graph.gradients(of: y, wrt: [s["w"]!])
        }
        #expect(f.compiledShapes == 1)   // traced once at declaration
        for batch in [1, 5, 8, 5] {
            let x = NDArray<Double>.randomNormal([batch, 3], seed: UInt64(batch))
            let outputs = try f(["x": x, "w": w])
            let leaf = Tensor(w, requiresGrad: true)
            let dynamic = tanh(Tensor(x).matmul(leaf)).sum()
            #expect(outputs[0].scalar.bitPattern == dynamic.scalar.bitPattern)
            #expect(outputs[1] == dynamic.gradients(wrt: [leaf])[0])
        }
        #expect(f.compiledShapes == 3)   // batch 1 (reused), 5 and 8
        #expect(throws: TensorProgramError.wrongShape("x", expected: [0, 3], got: [4, 4])) { try f(["x": NDArray<Double>.zeros([4, 4]), "w": w]) }
        #expect("\(TensorProgramError.wrongShape("x", expected: [0, 3], got: [4, 4]))" == "input 'x' has shape [4, 4], expected [?, 3]")
    }

    @Test func shapeErrorsAreFoundAtDeclaration() {
        #expect(throws: TensorShapeError.self) {
            try TensorFunction<Float>(inputs: [("x", [nil, 3]), ("w", [4, 2])]) { s in [s["x"]!.matmul(s["w"]!)] }
        }
    }
}

@Suite("Compiled tensor programs reuse storage safely")
struct TensorProgramStorageTests {
    @Test func inPlaceStepsNeverTouchFeedsOrConstants() throws {
        let graph = TensorGraph<Double>()
        let x = graph.input("x", shape: [2, 3])
        let c = graph.constant(NDArray([[1, 2, 3], [4, 5, 6]]))
        // Elementwise chains whose operands die at each step: computed in place.
        let y = exp(tanh(x * 2 + c) - 1).sum()
        let program = try graph.compile([y, tanh(c + 1)])
        let feed = NDArray<Double>([[0.5, -1, 2], [0, 1, -0.25]])
        let copy = feed
        let first = try program.run(["x": feed])
        let second = try program.run(["x": feed])
        #expect(feed == copy)
        #expect(first == second)
        let expected = Tensor(feed)
        #expect(first[0].scalar == exp(tanh(expected * 2 + Tensor(NDArray([[1, 2, 3], [4, 5, 6]]))) - 1).sum().scalar)
    }
}
