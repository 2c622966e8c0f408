import Foundation
import Testing
import Nabla

/// Every ```swift block of README.md, compiled and run, so that the README cannot drift.
///
/// Each test holds one README block verbatim, between `// README block N` and
/// `// end of README block` (less its `import Nabla`, which Swift allows only at the top of a
/// file), and ``theREADMEsBlocksAreTheOnesTested()`` requires the README's blocks to be exactly
/// these, in order. The blocks' `print` is this suite's ``print(_:line:)``, which records what
/// each line prints: where a README line prints and ends in a `// comment`, the comment is what
/// the line prints (`…` standing for any text), and ``expectPrintedAsCommented(_:)`` checks it.
@Suite("README examples")
struct ReadmeExamplesTests {
    // MARK: The README's blocks

    @Test func dynamicQuickStart() throws {
        // README block 1
        let a = Value(2, requiresGrad: true), o = Value(1, requiresGrad: true)
        let b = 5 - 3 * a
        let c = 2 * b + 3
        let d = 5 * b + 6
        let e = 7 * c + pow(d, 2)
        let f = 2 * e
        let g = 3 * f - o
        g.backward()                       // seeds dg/dg = 1, fills every leaf's grad
        print(g.data, a.grad, o.grad)      // 47.0 -432.0 -1.0

        let dgda = g.differentiableGradient(wrt: a)   // dg/da as a Value, differentiable again
        let d2gda2 = dgda.gradient(wrt: a)
        print(dgda.data, d2gda2)                      // -432.0 2700.0
        // end of README block
        #expect((g.data, a.grad, o.grad) == (47, -432, -1) && d2gda2 == 2700)
        try expectPrintedAsCommented(1)
    }

    @Test func trainingStep() throws {
        // README block 2
        let w = Value(0, requiresGrad: true)
        for _ in 0..<100 {
            let loss = pow(w * 2 - 6, 2)
            w.zeroGrad()
            loss.backward()
            withoutRecording { w.data -= 0.05 * w.grad }
        }
        print(w.data)                    // 2.9999999999999996
        // end of README block
        #expect(Swift.abs(w.data - 3) < 1e-9)
        try expectPrintedAsCommented(2)
    }

    @Test func gradientTapeScope() throws {
        // README block 3
        let (g, dgda, dgdo) = GradientTape.record { tape in
            let a = tape.variable(2), o = tape.variable(1)
            let b = 5 - 3 * a
            let e = 7 * (2 * b + 3) + pow(5 * b + 6, 2)
            let g = 3 * (2 * e) - o
            tape.backward(g)
            return (g.data, a.grad, o.grad)
        }
        print(g, dgda, dgdo)                            // 47.0 -432.0 -1.0
        // end of README block
        try expectPrintedAsCommented(3)
    }

    @Test func staticQuickStart() throws {
        // README block 4
        let graph = Graph()
        let a = graph.input("a"), o = graph.input("o")
        let b = 5 - 3 * a
        let d = 5 * b + 6
        let g = 3 * (2 * (7 * (2 * b + 3) + pow(d, 2))) - o

        let grads = graph.gradients(of: g, wrt: [a, o])     // gradient nodes, added symbolically
        let hessian = graph.hessian(of: g, wrt: [a, o])     // gradients of gradients
        // Compile once (g, dg/da, dg/do, d²g/da², d²g/da∂o), run many times:
        let program = graph.compile([g] + grads + hessian[0])
        print(try program.run(["a": 2, "o": 1]))            // [47.0, -432.0, -1.0, 2700.0, 0.0]
        print(try program.run(["a": 3, "o": 0]))            // [966.0, 2268.0, -1.0, 2700.0, 0.0]
        // end of README block
        try expectPrintedAsCommented(4)
        // The prose after block 6: this graph, whose b and d have no names, explains itself with
        // automatic names, as the README quotes.
        let derivation = try graph.derivation(of: g, at: ["a": 2, "o": 1]).description.split(separator: "\n")
        let readme = try readme()
        for line in ["v₁ = 5 - 3a = -1", "y = 6(7(2v₁ + 3) + (5v₁ + 6)^2) - o = 47", "∂y/∂v₁ = 60(5v₁ + 6) + 84 = 144",
                     "dy/da = dy/dv₁·∂v₁/∂a = 144·(-3) = -432"] {
            #expect(derivation.contains(Substring("  " + line)), "missing: \(line)")
            #expect(readme.contains("`\(line)`"), "the README does not quote: \(line)")
        }
    }

    @Test func staticLoopsAndBranches() throws {
        // README block 5
        let graph = Graph()
        let x0 = graph.input("x0")
        // W2's chain x ← tanh(1.01x + 0.1): the body is recorded once, whatever the count.
        let x = graph.loop(count: 1000, carrying: x0) { step, x in tanh(1.01 * x + 0.1) }
        let dx = graph.gradient(of: x, wrt: x0)            // a loop that runs the steps backwards
        let chain = graph.compile([x, dx])
        // A few instructions (the loops, and what they store for backward), not thousands:
        print(chain.instructionCount)                      // 4
        print(try chain.run(["x0": 0.5]))                  // [0.6219347411545191, 1.26929506218836…e-208]

        let y = graph.input("y")
        let doubled = graph.whileLoop(carrying: [y], condition: { c in 100 - c[0] }) { c in [2 * c[0]] }[0]
        let safe = graph.cond(y, then: { [log(y)] }, else: { [y * y] })[0]   // log runs only where y > 0
        print(try graph.compile([doubled, safe, graph.gradient(of: safe, wrt: y)]).run(["y": 3]))
        // [192.0, 1.0986122886681098, 0.3333333333333333]
        // end of README block
        try expectPrintedAsCommented(5)
        #expect(printed.lines.last?.text == "[192.0, 1.0986122886681098, 0.3333333333333333]")
    }

    @Test func oneFunctionBothModes() throws {
        // README block 6
        func model<T: DifferentiableScalar>(_ x: T, _ w: T) -> T { tanh(w * x + 1) }
        let number = model(0.5, 2.0)                                          // a Double
        let value = model(Value(0.5), Value(2, requiresGrad: true, name: "w"))   // a Value, recorded
        let graph = Graph()
        let symbol = model(graph.input("x"), graph.input("w"))                // a Symbol
        let program = graph.compile([symbol])
        print(number, value.data == number, try program.run(["x": 0.5, "w": 2]) == [number])   // 0.96402758007581… true true
        // end of README block
        try expectPrintedAsCommented(6)
        #expect(value.data == number)
        // Tracing, as the prose after the block says: the captured graph runs with new inputs.
        let traced = Graph()
        let captured = traced.capture(value)
        #expect(try traced.compile([captured]).run(["w": 2]) == [number])
    }

    @Test func derivation() throws {
        // README block 7
        let graph = Graph()
        let a = graph.input("a"), o = graph.input("o")
        let b = (5 - 3 * a).named("b")
        let c = (2 * b + 3).named("c")
        let d = (5 * b + 6).named("d")
        let e = (7 * c + pow(d, 2)).named("e")
        let f = (2 * e).named("f")
        let g = (3 * f - o).named("g")
        print(try graph.derivation(of: g, at: ["a": 2, "o": 1]))
        // end of README block
        // What it prints is the README's next block (`…` lines standing for any lines).
        let output = try #require(printed.lines.last?.text)
        let blocks = try Self.readmeBlocks()
        let sixth = try #require(blocks.indices.filter { blocks[$0].language == "swift" }.dropFirst(6).first)
        let shown = blocks[sixth + 1]
        #expect(shown.language == "")
        #expect(Self.matches(output, shown.lines.joined(separator: "\n")), "printed:\n\(output)")
    }

    @Test func tensorQuickStart() throws {
        // README block 8
        let x = Tensor<Float>.randomUniform([64, 784], low: -1, high: 1, seed: 7)
        let w = Tensor<Float>.randomNormal([784, 10], standardDeviation: 0.05, seed: 8, requiresGrad: true)
        let b = Tensor<Float>.zeros([10], requiresGrad: true)
        let loss = (x.matmul(w) + b).crossEntropy(labels: (0..<64).map { $0 % 10 })
        loss.backward()                                  // w.grad, b.grad: NDArray<Float>
        withoutRecording { w.data = w.data.adding(w.grad!, scaledBy: -0.01) }
        print(w.grad!)                                   // NDArray<float32>[784, 10] [[…]]
        // end of README block
        try expectPrintedAsCommented(8)
        #expect(w.grad!.shape == [784, 10] && b.grad!.shape == [10])
        let after = (x.matmul(w) + b).crossEntropy(labels: (0..<64).map { $0 % 10 }).scalar
        #expect(after < loss.scalar)
    }

    @Test func scalarForwardModeAndJacobians() throws {
        // README block 9
        func f<T: DifferentiableScalar>(_ x: T) -> T { x * x + sin(x) }
        let y = f(Dual(2.0, tangent: 1.0))                  // a dual number: value and tangent
        print(y.primal, y.tangent)                          // 4.909297426825682 3.5838531634528574

        let (value, derivative) = jvp(at: [1, 2], along: [0, 1]) { x in x[0] * x[1] + exp(x[0]) }
        print(value, derivative)                            // 4.718281828459045 1.0

        let (_, pullback) = vjp(at: [3, 4]) { x in sqrt(x[0] * x[0] + x[1] * x[1]) }
        print(pullback(1), pullback(10))                    // [0.6000000000000001, 0.8] [6.0, 8.0]

        let j = jacobian(at: [2, 3], mode: .forward) { x in [x[0] * x[1], x[0] + x[1], x[1] * x[1]] }
        print(j)                                            // [[3.0, 2.0], [1.0, 1.0], [0.0, 6.0]]
        print(hessian(at: [1.5, 0.5]) { x in x[0] * x[0] * x[1] })   // [[1.0, 3.0], [3.0, 0.0]]

        let graph = Graph()
        let a = graph.input("a"), v = graph.input("v")
        let tangent = graph.jvp(of: a * a, wrt: [a], along: [v])          // 2a·v, as graph nodes
        print(try graph.compile([tangent]).run(["a": 3, "v": 2]))    // [12.0]
        // end of README block
        try expectPrintedAsCommented(9)
    }

    @Test func tensorForwardModeAndJacobians() throws {
        // README block 10
        let x = try NDArray<Double>(shape: [2, 2], scalars: [1, 2, 3, 4])
        let f: (Tensor<Double>) -> Tensor<Double> = { ($0 * $0).sum(axes: [1], keepingDimensions: false) }

        let (value, derivative) = jvp(at: [x], along: [NDArray.ones([2, 2])]) { f($0[0]) }
        print(value.scalars, derivative.scalars)       // [5.0, 25.0] [6.0, 14.0]
        let (_, pullback) = vjp(at: [x]) { f($0[0]) }  // the pullback may be called many times
        print(pullback(NDArray([1, 0]))[0].scalars)    // [2.0, 4.0, 0.0, 0.0]
        print(jacobian(at: x, f).shape)                // [2, 2, 2]
        print(hessian(at: x) { f($0).sum() }.scalars.filter { $0 != 0 })   // [2.0, 2.0, 2.0, 2.0]

        let dual = DualTensor(x, tangent: NDArray.ones([2, 2]))    // forward mode through any composite
        print((dual.softmax(axis: 1) * dual).sum().primal.shape)   // []
        // end of README block
        try expectPrintedAsCommented(10)
    }

    @Test func checkpointingAndGradientHooks() throws {
        // README block 11
        let w1 = Tensor<Double>([[1, -1], [0.5, 1]], requiresGrad: true)
        let w2 = Tensor<Double>([[3], [-2]], requiresGrad: true)
        var norms: [String: Double] = [:]
        for (name, w) in [("w1", w1), ("w2", w2)] {
            w.registerHook { g in norms[name] = g.norm().scalar; return nil }   // read: log each layer's gradient norm
        }
        let clip = w1.registerHook { g in g.clamped(to: -10...10) }           // replace: clip it as it flows
        let x = Tensor<Double>([[1, 2]])
        let h = checkpoint(x) { x in relu(x.matmul(w1)) }   // not kept: recomputed by backward
        let out = h.matmul(w2)
        let loss = 0.5 * ((out - 1) * (out - 1)).sum()
        loss.backward()
        print(norms["w1"]!, norms["w2"]!)     // 24.186773244895647 6.708203932499369
        print(w1.grad!.scalars)               // [9.0, -6.0, 10.0, -10.0]
        clip.remove()
        // end of README block
        try expectPrintedAsCommented(11)
        #expect(w2.grad!.scalars == [6, 3])
    }

    @Test func customDifferentiableFunctions() throws {
        // README block 12
        struct LogAddExp: DifferentiableFunction {              // log(eᵃ + eᵇ), stable, hand rule
            func forward<T: DifferentiableTensor>(_ x: [T]) -> T {
                let m = max(x[0], x[1])
                return m + log(exp(x[0] - m) + exp(x[1] - m))
            }
            func vjp<T: DifferentiableTensor>(_ x: [T], output: T, seed: T) -> [T?] {
                [seed * sigmoid(x[0] - x[1]), seed * sigmoid(x[1] - x[0])]   // ∂y/∂a = σ(a − b)
            }
        }
        struct StraightThrough: DifferentiableFunction {        // round forward, identity backward
            func forward<T: DifferentiableTensor>(_ x: [T]) -> T { round(x[0]) }
            func vjp<T: DifferentiableTensor>(_ x: [T], output: T, seed: T) -> [T?] { [seed] }
        }
        struct ClipGradient: DifferentiableFunction {           // identity forward, clipped gradient
            var bound: Double
            func forward<T: DifferentiableTensor>(_ x: [T]) -> T { x[0] }
            func vjp<T: DifferentiableTensor>(_ x: [T], output: T, seed: T) -> [T?] { [seed.clamped(to: -bound...bound)] }
        }

        let a = Tensor<Double>([1000, -1000], requiresGrad: true), b = Tensor<Double>([1000, 0], requiresGrad: true)
        let y = LogAddExp().apply(a, b)
        y.sum().backward()
        print(y.scalars, a.grad!.scalars, b.grad!.scalars)    // [1000.6931471805599, 0.0] [0.5, 0.0] [0.5, 1.0]
        print(hessian(at: NDArray([0.0])) { LogAddExp().apply($0, Tensor([0.0])).sum() })   // NDArray<float64>[1, 1] [[0.25]]

        let w = Tensor<Double>([0.3, 1.6], requiresGrad: true)
        let q = StraightThrough().apply(w)
        (q * Tensor([2, 3])).sum().backward()
        print(q.scalars, w.grad!.scalars)                     // [0.0, 2.0] [2.0, 3.0]

        let x = Tensor<Double>([1, 2], requiresGrad: true)
        (ClipGradient(bound: 1).apply(x) * Tensor([5, -0.5])).sum().backward()
        print(x.grad!.scalars)                                // [1.0, -0.5]

        // The checker compares a rule with finite differences; the straight-through rule differs by design:
        print(GradientChecker.check({ StraightThrough().apply($0[0]) }, at: [NDArray([0.3])], order: 1)[0])
        // prints: order 1, input 0, element 0: computed 1.0, finite differences 0.0
        // end of README block
        #expect(a.grad!.scalars == [0.5, 0] && w.grad!.scalars == [2, 3])
        try expectPrintedAsCommented(12)
    }

    @Test func customScalarFunctions() throws {
        // README block 13
        struct ScalarLogAddExp: DifferentiableScalarFunction {  // the same function, for scalars
            func forward<T: GraphScalar>(_ v: [T]) -> T {
                let m = max(v[0], v[1])
                return m + log(exp(v[0] - m) + exp(v[1] - m))
            }
            func vjp<T: GraphScalar>(_ v: [T], output: T, seed: T) -> [T?] {
                [seed * exp(v[0] - output), seed * exp(v[1] - output)]
            }
        }
        let p = Value(0, requiresGrad: true), r = Value(0, requiresGrad: true)
        ScalarLogAddExp().apply(p, r).backward()
        print(p.grad, r.grad)                                 // 0.5 0.5

        let graph = Graph()                                   // static: the rule's nodes join the graph
        let (u, v) = (graph.input("u"), graph.input("v"))
        let h = graph.hessian(of: ScalarLogAddExp().apply(u, v), wrt: [u, v])
        print(try graph.compile(h.flatMap { $0 }).run(["u": 0, "v": 0]))   // [0.25, -0.25, -0.25, 0.25]

        print(jvp(at: [0, 0], along: [1, 3]) { ScalarLogAddExp().apply($0[0], $0[1]) })   // (value: 0.6931471805599453, derivative: 2.0)
        print(ScalarLogAddExp().apply(Tensor([0.0, 1000]), Tensor([0.0, 1000])).scalars)  // [0.6931471805599453, 1000.6931471805599]
        // end of README block
        try expectPrintedAsCommented(13)
    }

    @Test func neuralNetworkQuickStart() throws {
        // README block 14
        let model = Sequential<Float>(
            Linear(64, 128, seed: 1), ReLU(), Dropout(probability: 0.1),
            Linear(128, 10, seed: 2))                        // or Sequential<Float>.mlp([64, 128, 10], seed: 1)
        print(model.parameterCount)                          // 9610
        print(model.namedParameters.map(\.name))             // ["0.weight", "0.bias", "3.weight", "3.bias"]

        let (train, test) = try Digits.load().split()        // scikit-learn's 8×8 digits, fixed split
        let optimizer = Adam(model.parameters, learningRate: 1e-3)
        for batch in try BatchLoader(train, batchSize: 32, seed: 0) {
            let loss = model(Tensor(batch.inputs)).crossEntropy(labels: batch.labels)
            optimizer.zeroGrad()
            loss.backward()
            optimizer.step()
        }
        model.eval()                                         // dropout off, batch norm's running statistics
        let predictions = Trainer<Sequential<Float>>.classes(of: model(Tensor(test.inputs)).data)
        let correct = zip(predictions, test.labels).filter { $0 == $1 }.count
        print("\(correct) of \(test.count) test images")      // … of 360 test images
        // end of README block
        try expectPrintedAsCommented(14)
        #expect(correct > 250)      // one epoch: most of 360
    }

    @Test func trainingStepCompiledWithItsUpdate() throws {
        // README block 15
        // One SGD step of a softmax classifier, compiled with its update.
        let graph = TensorGraph<Float>()
        let x = graph.input("x", shape: [64, 784])
        let w = graph.input("w", shape: [784, 10]), b = graph.input("b", shape: [10])
        let loss = (x.matmul(w) + b).crossEntropy(labels: (0..<64).map { $0 % 10 })
        let g = try graph.gradients(of: loss, wrt: [w, b])
        let step = try graph.compile([loss], updating: [(w, w - 0.1 * g[0]), (b, b - 0.1 * g[1])])
        print(step.updatedInputs)                           // ["w", "b"]

        var parameters = ["w": NDArray<Float>.zeros([784, 10]), "b": .zeros([10])]
        let batch = NDArray<Float>.randomNormal([64, 784], seed: 1)
        let first = try step.run(["x": batch], updating: &parameters)[0].scalar
        print(first)                                        // 2.30258…
        let second = try step.run(["x": batch], updating: &parameters)[0].scalar
        print(second < first)                               // true
        // end of README block
        try expectPrintedAsCommented(15)
    }

    @Test func theInteractivePagesData() throws {
        // README block 16
        let script = try Script(parsing: "b = 5 - 3a; c = 2b + 3; d = 5b + 6; e = 7c + d^2; f = 2e; g = 3f - o")
        let explanation = try script.explanation(at: ["a": 2, "o": 1])
        print(explanation.evaluation.gradient.map(\.value))             // [-432.0, -1.0]
        let b = explanation.view("statements")!.nodes.first { $0.id == "b" }!
        print(b.total!)                                                 // dg/db = dg/dc·∂c/∂b + dg/dd·∂d/∂b = 42·2 + 12·5 = 144
        let page = ExplanationPage.html(for: explanation)               // the whole page, one string
        print(page.hasPrefix("<!DOCTYPE html>"))                        // true
        let dead = try Script(parsing: "y = relu(x)").explanation(at: ["x": -1])
        print(dead.notes[0].reasons.map(\.rawValue))                   // ["relu"]
        // end of README block
        try expectPrintedAsCommented(16)
    }

    @Test func validatingAModelsInput() throws {
        // README block 17
        let model = Sequential<Float>.mlp([784, 256, 10], seed: 1)
        let request = Tensor<Float>.zeros([1, 783])        // one feature short
        do {
            let logits = try model(checking: request)
            print(logits.shape)
        } catch {
            print(error)   // Linear(784 → 256): [1, 783] — the input does not end in 784 features
        }
        // end of README block
        try expectPrintedAsCommented(17)
    }

    @Test func findingWhereANaNCameFrom() throws {
        // README block 18
        let x = Tensor<Double>([4, 0, 1], requiresGrad: true)
        do {
            try withAnomalyDetection {
                let y = sqrt(x) * 2
                y.sum().backward()
            }
        } catch {
            print(error)   // anomaly: the backward pass of sqrt of [3] produced a non-finite value: …
        }
        // end of README block
        try expectPrintedAsCommented(18)
        // The rest of the message, as the README gives it, with this file and the line of sqrt(x).
        let message = try #require(printed.lines.last?.text)
        let sqrtLine = try #require(try Self.testedBlocks()[18]).first.offset + 5    // 1-based: the block's 4th line
        #expect(message.hasSuffix(": in its gradient, 1 of 3 entries is inf, created at \(#filePath):\(sqrtLine) in closure #1 in ReadmeExamplesTests.findingWhereANaNCameFrom()"),
                "\(message)")
    }

    // MARK: The README and these tests agree

    @Test func theREADMEsBlocksAreTheOnesTested() throws {
        let readme = try Self.readmeBlocks().filter { $0.language == "swift" }.map(\.lines).map { block in
            // `import Nabla` (and the blank line after it) stays in the README.
            block.first == "import Nabla" ? Array(block.dropFirst(block.count > 1 && block[1].isEmpty ? 2 : 1)) : block
        }
        let tested = try Self.testedBlocks()
        #expect(readme.count == tested.count, "the README has \(readme.count) Swift blocks, this file \(tested.count)")
        for (n, block) in readme.enumerated() {
            let copy = tested[n + 1]?.lines
            #expect(copy == block, "README block \(n + 1) differs from its copy in this file:\n\(block.joined(separator: "\n"))")
        }
    }

    // MARK: Support

    /// What the README's blocks printed, by the line of this file that printed it.
    final class Printed: @unchecked Sendable {
        var lines: [(line: Int, text: String)] = []
    }
    let printed = Printed()

    /// Records, as `Swift.print` would write them, the items the README's blocks print.
    func print(_ items: Any..., line: Int = #line) {
        printed.lines.append((line, items.map { String(describing: $0) }.joined(separator: " ")))
    }

    /// Each line of README block `n` that prints and ends in `// comment` printed text matching
    /// the comment (`…` standing for any text), and printed at least once.
    func expectPrintedAsCommented(_ n: Int, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let block = try #require(try Self.testedBlocks()[n], sourceLocation: sourceLocation)
        for (k, line) in block.lines.enumerated() {
            guard let call = line.range(of: "print("), let comment = line.range(of: "// ", range: call.upperBound..<line.endIndex) else { continue }
            let expected = String(line[comment.upperBound...])
            let lineNumber = block.first.offset + 2 + k     // #line counts from 1, and the marker comes first
            let outputs = printed.lines.filter { $0.line == lineNumber }.map(\.text)
            #expect(!outputs.isEmpty, "README block \(n), line \(k + 1) printed nothing: \(line)", sourceLocation: sourceLocation)
            for output in outputs {
                #expect(Self.matches(output, expected), "README block \(n), line \(k + 1) printed \(output), the README says \(expected)",
                        sourceLocation: sourceLocation)
            }
        }
    }

    /// Whether `text` is `pattern` with each `…` standing for any text (newlines included).
    static func matches(_ text: String, _ pattern: String) -> Bool {
        let parts = pattern.components(separatedBy: "…")
        guard parts.count > 1 else { return text == pattern }
        guard text.hasPrefix(parts[0]), text.hasSuffix(parts[parts.count - 1]),
              text.count >= parts[0].count + parts[parts.count - 1].count else { return false }
        var rest = text.dropFirst(parts[0].count).dropLast(parts[parts.count - 1].count)
        for part in parts.dropFirst().dropLast() where !part.isEmpty {
            guard let found = rest.range(of: part) else { return false }
            rest = rest[found.upperBound...]
        }
        return true
    }

    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    func readme() throws -> String { try String(contentsOf: Self.root.appendingPathComponent("README.md"), encoding: .utf8) }

    /// The README's fenced blocks in order: the language after the opening fence (`swift`, `sh`,
    /// or empty), and the lines less the fence's indentation (blocks inside a list are indented).
    static func readmeBlocks() throws -> [(language: String, lines: [String])] {
        let lines = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8).components(separatedBy: "\n")
        var blocks: [(language: String, lines: [String])] = []
        var open: (language: String, indent: Int, lines: [String])?
        for line in lines {
            let trimmed = line.drop { $0 == " " }
            if var block = open {
                if trimmed == "```" {
                    blocks.append((block.language, block.lines))
                    open = nil
                } else {
                    block.lines.append(trimmed.isEmpty ? "" : String(line.dropFirst(block.indent)))
                    open = block
                }
            } else if trimmed.hasPrefix("```") {
                open = (String(trimmed.dropFirst(3)), line.count - trimmed.count, [])
            }
        }
        return blocks
    }

    /// The blocks between `// README block N` and `// end of README block` in this file, by N:
    /// their lines less the marker's indentation, and the marker's line (0-based offset).
    static func testedBlocks() throws -> [Int: (first: (offset: Int, indent: Int), lines: [String])] {
        let lines = try String(contentsOfFile: #filePath, encoding: .utf8).components(separatedBy: "\n")
        var blocks: [Int: (first: (offset: Int, indent: Int), lines: [String])] = [:]
        var current: Int?
        for (offset, line) in lines.enumerated() {
            let trimmed = line.drop { $0 == " " }
            if trimmed.hasPrefix("// README block "), let n = Int(trimmed.dropFirst("// README block ".count)) {
                current = n
                blocks[n] = ((offset, line.count - trimmed.count), [])
            } else if trimmed == "// end of README block" {
                current = nil
            } else if let n = current {
                blocks[n]!.lines.append(trimmed.isEmpty ? "" : String(line.dropFirst(blocks[n]!.first.indent)))
            }
        }
        return blocks
    }
}
