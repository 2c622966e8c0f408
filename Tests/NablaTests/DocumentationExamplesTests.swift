import Foundation
import Testing
import Nabla

/// The code of the DocC articles (`Sources/Nabla/Nabla.docc`, `Sources/NablaKernels/NablaKernels.docc`),
/// compiled and run, with the outputs their comments show: the articles cannot drift from the API.
/// Each test follows one article, in its order; where an article's code prints, the test checks
/// the printed text.
@Suite("Documentation examples")
struct DocumentationExamplesTests {
    // MARK: The tutorial, worked by Nabla

    @Test func workedTutorialStaticGraph() throws {
        let graph = Graph()
        let a = graph.input("a"), o = graph.input("o")
        let b = (5 - 3 * a).named("b")
        let c = (2 * b + 3).named("c")
        let d = (5 * b + 6).named("d")
        let e = (7 * c + pow(d, 2)).named("e")
        let f = (2 * e).named("f")
        let g = (3 * f - o).named("g")

        let gradients = graph.gradients(of: g, wrt: [a, o])
        let program = graph.compile([g, d] + gradients)
        let outputs = try program.run(["a": 2, "o": 1])
        #expect("\(outputs)" == "[47.0, 1.0, -432.0, -1.0]")
        #expect("Expected dg/da = \(-252 - 180 * outputs[1])" == "Expected dg/da = -432.0")

        // "prints the three parts shown in steps 2 to 4, exactly as `nabla explain` does."
        let derivation = "\(try graph.derivation(of: g, at: ["a": 2, "o": 1]))"
        #expect(derivation.hasPrefix("Forward pass (values in topological order):\n  a = 2\n  o = 1\n  b = 5 - 3a = -1\n"))
        #expect(derivation.contains("  ∂e/∂d = 2d = 2\n"))
        #expect(derivation.hasSuffix("  dg/db = dg/dc·∂c/∂b + dg/dd·∂d/∂b = 42·2 + 12·5 = 144\n  dg/da = dg/db·∂b/∂a = 144·(-3) = -432\n  dg/do = dg/dg·∂g/∂o = 1·(-1) = -1"))
    }

    @Test func workedTutorialDynamicGraph() {
        let a = Value(2, requiresGrad: true, name: "a"), o = Value(1, requiresGrad: true, name: "o")
        let b = 5 - 3 * a
        let c = 2 * b + 3
        let d = 5 * b + 6
        let e = 7 * c + pow(d, 2)
        let f = 2 * e
        let g = 3 * f - o
        g.backward()
        #expect("\(g.data) \(a.grad) \(o.grad)" == "47.0 -432.0 -1.0")
        #expect("Expected dg/da = \(-252 - 180 * d.data)" == "Expected dg/da = -432.0")
        #expect("\(g.gradients(wrt: [b, c, d]))" == "[144.0, 42.0, 12.0]")
    }

    @Test func workedTutorialReport() {
        let report = Tutorial.run(a: 3, o: 0)
        #expect(report.value("g") == 966 && report.gradient("a") == 2268 && report.value("d") == -14)
        #expect(report.modesAgree)
        let graph = Tutorial.graph(a: 2.0, o: 1.0)
        #expect(graph.g == 47)
    }

    // MARK: Dynamic and static graphs

    @Test func dynamicTrainingStep() {
        let w = Value(0, requiresGrad: true)
        for _ in 0..<100 {
            let loss = pow(w * 2 - 6, 2)
            w.zeroGrad()
            loss.backward()
            withoutRecording { w.data -= 0.05 * w.grad }
        }
        #expect("\(w.data)" == "2.9999999999999996")
    }

    @Test func gradientTapeScope() {
        let (g, dgda, dgdo) = GradientTape.record { tape in
            let a = tape.variable(2), o = tape.variable(1)
            let b = 5 - 3 * a
            let e = 7 * (2 * b + 3) + pow(5 * b + 6, 2)
            let g = 3 * (2 * e) - o
            tape.backward(g)
            return (g.data, a.grad, o.grad)
        }
        #expect((g, dgda, dgdo) == (47, -432, -1))
    }

    @Test func staticGraphCompileAndRun() throws {
        let graph = Graph()
        let a = graph.input("a"), o = graph.input("o")
        let b = 5 - 3 * a
        let d = 5 * b + 6
        let g = 3 * (2 * (7 * (2 * b + 3) + pow(d, 2))) - o

        let grads = graph.gradients(of: g, wrt: [a, o])
        let hessian = graph.hessian(of: g, wrt: [a, o])
        let program = graph.compile([g] + grads)
        #expect("\(try program.run(["a": 2, "o": 1]))" == "[47.0, -432.0, -1.0]")
        #expect("\(try program.run(["a": 3, "o": 0]))" == "[966.0, 2268.0, -1.0]")
        #expect(hessian.count == 2)

        let h = log(graph.input("x") - 3).named("h")
        #expect(throws: ProgramError.self) { try graph.compile([h]).run(["x": 1]) }
        do {
            _ = try graph.compile([h]).run(["x": 1])
        } catch {
            #expect("\(error)" == "h is nan: log(add_const(x, -3) = -2) is not finite")
        }
    }

    @Test func oneFunctionBothModes() {
        func model<T: DifferentiableScalar>(_ x: T, _ w: T) -> T { tanh(w * x + 1) }
        let graph = Graph()
        let number = model(0.5, 2.0)
        let recorded = model(Value(0.5), Value(2, requiresGrad: true, name: "w"))
        let symbolic = model(graph.input("x"), graph.input("w"))
        #expect(number == Foundation.tanh(2.0) && recorded.data == number)
        #expect(graph.name(of: symbolic) == nil && graph.count > 2)
    }

    @Test func captureIntoAStaticGraph() throws {
        let x = Value(2, requiresGrad: true, name: "x")
        let y = pow(x, 3) - 2 * x
        let traced = Graph()
        let program = traced.compile([traced.capture(y)])
        #expect("\(try program.run(["x": 3]))" == "[21.0]")
    }

    // MARK: Higher-order derivatives

    @Test func secondDerivativesOfValues() {
        let a = Value(2, requiresGrad: true), o = Value(1, requiresGrad: true)
        let b = 5 - 3 * a
        let d = 5 * b + 6
        let g = 3 * (2 * (7 * (2 * b + 3) + pow(d, 2))) - o
        let dgda = g.differentiableGradient(wrt: a)
        #expect("\(dgda.data)" == "-432.0")
        #expect("\(dgda.gradient(wrt: a))" == "2700.0")

        let x = Value(2, requiresGrad: true)
        let y = pow(x, 3)
        let dy = y.differentiableGradient(wrt: x)
        let d2y = dy.differentiableGradient(wrt: x)
        #expect("\(dy.data) \(d2y.data) \(d2y.gradient(wrt: x))" == "12.0 12.0 6.0")
    }

    @Test func staticHessian() throws {
        let graph = Graph()
        let a = graph.input("a"), o = graph.input("o")
        let b = 5 - 3 * a
        let d = 5 * b + 6
        let g = 3 * (2 * (7 * (2 * b + 3) + pow(d, 2))) - o
        let hessian = graph.hessian(of: g, wrt: [a, o])
        let program = graph.compile(hessian.flatMap { $0 })
        #expect("\(try program.run(["a": 2, "o": 1]))" == "[2700.0, 0.0, 0.0, 0.0]")
    }

    @Test func hessianVectorProduct() {
        let x = Tensor<Double>([1, 2, 3], requiresGrad: true)
        let f = (x * x * x).sum()
        let gradient = f.differentiableGradients(wrt: [x])[0]
        let v = Tensor<Double>([1, 0, -1])
        let hessianTimesV = (gradient * v).sum().gradients(wrt: [x])[0]
        #expect(hessianTimesV.scalars == [6, 0, -18])
        #expect("\(hessianTimesV)" == "NDArray<float64>[3] [6., 0., -18.]")
    }

    // MARK: Tensors and broadcasting

    @Test func tensorQuickStart() {
        let x = Tensor<Float>.randomUniform([64, 784], low: -1, high: 1, seed: 7)
        let w = Tensor<Float>.randomNormal([784, 10], standardDeviation: 0.05, seed: 8, requiresGrad: true)
        let b = Tensor<Float>.zeros([10], requiresGrad: true)
        let loss = (x.matmul(w) + b).crossEntropy(labels: (0..<64).map { $0 % 10 })
        loss.backward()
        withoutRecording { w.data = w.data.adding(w.grad!, scaledBy: -0.01) }
        #expect("\(w.grad!.shape) \(b.grad!.shape)" == "[784, 10] [10]")
    }

    @Test func broadcastingGradients() {
        let rows = Tensor<Double>([[1, 2, 3], [4, 5, 6]])
        let bias = Tensor<Double>([10, 20, 30], requiresGrad: true)
        let column = Tensor<Double>([[1], [2]], requiresGrad: true)
        let y = (rows + bias) * column
        y.sum().backward()
        #expect("\(bias.grad!)" == "NDArray<float64>[3] [3., 3., 3.]")
        #expect("\(column.grad!)" == "NDArray<float64>[2, 1] [[66.],\n [75.]]")
    }

    @Test func staticShapeError() {
        let graph = TensorGraph<Float>()
        let a = graph.input("a", shape: [3, 4])
        let b = graph.input("b", shape: [5, 2])
        do {
            _ = try graph.compile([a.matmul(b)])
            Issue.record("compiled a matmul of [3, 4] and [5, 2]")
        } catch {
            #expect("\(error)" == "matmul: [3, 4] and [5, 2] — inner dimensions differ (4 ≠ 5)")
        }
    }

    @Test func tensorFunction() throws {
        let predict = try TensorFunction<Float>(inputs: [("x", [nil, 4]), ("w", [4, 3])]) { s in
            [s["x"]!.matmul(s["w"]!).softmax(axis: 1)]
        }
        let weights = NDArray<Float>.randomUniform([4, 3], low: -1, high: 1, seed: 1)
        let batch = NDArray<Float>.ones([5, 4])
        #expect("\(try predict(["x": batch, "w": weights])[0].shape)" == "[5, 3]")
    }

    @Test func gradientChecker() {
        let mismatches = GradientChecker.check({ x in tanh(x[0].matmul(x[1])).sum() },
                                               at: [.randomUniform([2, 3], seed: 1), .randomUniform([3, 2], seed: 2)])
        #expect(mismatches.isEmpty)
    }

    // MARK: Training a model

    @Test func trainingAModel() throws {
        let model = Sequential<Float>(
            Linear(64, 128, seed: 1), ReLU(), Dropout(probability: 0.1),
            Linear(128, 10, seed: 2))
        #expect("\(model.parameterCount)" == "9610")
        #expect("\(model.namedParameters.map(\.name))" == #"["0.weight", "0.bias", "3.weight", "3.bias"]"#)

        final class Classifier: Layer {
            typealias Scalar = Float
            let hidden = Linear<Float>(64, 128, seed: 1)
            let output = Linear<Float>(128, 10, seed: 2)
            func forward<T: DifferentiableTensor>(_ x: T, _ context: ForwardContext<T>) -> T where T.Scalar == Float {
                output.forward(relu(hidden.forward(x, context)), context)
            }
        }
        #expect(Classifier().namedParameters.map(\.name) == ["hidden.weight", "hidden.bias", "output.weight", "output.bias"])

        let (train, test) = try Digits.load().split()
        #expect((train.count, test.count) == (1437, 360))
        let optimizer = Adam(model.parameters, learningRate: 1e-3)
        for batch in try BatchLoader(train, batchSize: 32, seed: 0) {
            let loss = model(Tensor(batch.inputs)).crossEntropy(labels: batch.labels)
            optimizer.zeroGrad()
            loss.backward()
            optimizer.step()
        }
        model.eval()
        let predictions = withoutRecording { model(Tensor(test.inputs)) }
        #expect(predictions.shape == [360, 10])
        let folder = FileManager.default.temporaryDirectory.appending(path: "nabla-docs-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try model.save(to: folder.appending(path: "digits.safetensors").path)

        // The same model, compiled (one epoch).
        let compiled = CompiledModel(model, loss: .crossEntropy())
        model.train()
        for batch in try BatchLoader(train, batchSize: 32, seed: 0) {
            let targets: NDArray<Float> = Loss.crossEntropy().targets(labels: batch.labels, classes: 10)
            let result = try compiled.trainingStep(inputs: batch.inputs, targets: targets)
            optimizer.step(gradients: result.gradients)
        }

        // A trainer (the article trains 15 epochs; one here, to keep the tests fast).
        let mlp = Sequential<Float>.mlp([64, 128, 10], seed: 1)
        let trainer = Trainer(model: mlp, loss: .crossEntropy(), optimizer: Adam(mlp.parameters, learningRate: 1e-3),
                              mode: .static, classes: 10)
        trainer.schedule = CosineAnnealing(initial: 1e-3, period: 15 * 45)
        var epochs = 0
        let history = try trainer.fit(train, test: test, epochs: 1, batchSize: 32, seed: 0,
                                      onEpoch: { epochs += 1; _ = ($0.epoch, $0.loss, $0.testAccuracy ?? 0) })
        #expect(history.count == 1 && epochs == 1 && trainer.stepsTaken == 45)
    }

    // MARK: Reliability

    @Test func checkingAModelsInput() {
        let model = Sequential<Float>.mlp([784, 256, 10], seed: 1)
        let request = Tensor<Float>.zeros([1, 783])
        do {
            let logits = try model(checking: request)
            Issue.record("ran on \(logits.shape)")
        } catch {
            #expect("\(error)" == "Linear(784 → 256): [1, 783] — the input does not end in 784 features")
        }
    }

    @Test func anomalyDetection() {
        let x = Tensor<Double>([4, 0, 1], requiresGrad: true)
        do {
            try withAnomalyDetection {
                let y = sqrt(x) * 2
                y.sum().backward()
            }
            Issue.record("no anomaly reported")
        } catch {
            let text = "\(error)"
            #expect(text.hasPrefix("anomaly: the backward pass of sqrt of [3] produced a non-finite value: in its gradient, 1 of 3 entries is inf, created at "))
            #expect(text.contains("DocumentationExamplesTests.swift:"))
        }
    }

    // MARK: Adding a primitive

    @Test func addingAPrimitiveRule() {
        let x = 0.7, h = 1e-6
        let output = Rules.LogCosh.evaluate(x, x, 0)
        let (derivative, _) = Rules.LogCosh.pullback(x, x, output, 0, 1.0)
        let numeric = (Rules.LogCosh.evaluate(x + h, x, 0) - Rules.LogCosh.evaluate(x - h, x, 0)) / (2 * h)
        #expect(Swift.abs(derivative! - numeric) < 1e-8)
        #expect(Swift.abs(derivative! - 0.604) < 1e-3)
        #expect(Swift.abs(output - Foundation.log(Foundation.cosh(0.7))) < 1e-15)
        // Large arguments do not overflow (cosh(1000) does).
        #expect(Rules.LogCosh.evaluate(1000.0, 0, 0) == 1000 - Foundation.log(2.0) && Rules.LogCosh.evaluate(-1000.0, 0, 0) == 1000 - Foundation.log(2.0))
        #expect(Rules.LogCosh.evaluate(Float(200), 0, 0) == 200 - Foundation.log(Float(2)))
        // On values the rule's derivative is differentiable again: d²/dx² logcosh = 1 − tanh².
        let v = Value(x, requiresGrad: true)
        let (dv, _) = Rules.LogCosh.pullback(v, v, v, 0, v.constant(1))
        let t = Foundation.tanh(x)
        #expect(Swift.abs(dv!.gradient(wrt: v) - (1 - t * t)) < 1e-15)
    }

    // MARK: NablaKernels

    @Test func kernelsOverview() {
        let a = NDArray<Float>([[1, 2, 3], [4, 5, 6]])
        let b = NDArray<Float>.ones([3, 2])
        let product = NDArray.matmul(a, b)
        let rowSums = a.sum(axes: [1], keepingDimensions: true)
        let shifted = NDArray.combine(a, rowSums) { $0 - $1 }
        #expect("\(product.shape) \(rowSums.shape) \(shifted.shape)" == "[2, 2] [2, 1] [2, 3]")
        #expect(product.scalars == [6, 6, 15, 15] && rowSums.scalars == [6, 15])
    }
}

// The rule of "Adding a primitive", exactly as the article writes it (outside the library, it
// cannot be wired into `Primitive`; the article's last section checks it this way).
extension Rules {
    /// logcosh x = log(cosh x), a smooth |x|.  d/dx = tanh x.
    /// Evaluated as |x| + log1p(e^(−2|x|)) − log 2, so that cosh x never overflows.
    public enum LogCosh: PrimitiveRule {
        public static let name = "logcosh"
        public static let notation = Notation.function("logCosh")
        @inlinable public static func evaluate<T: TensorScalar>(_ x: T, _ y: T, _ c: T) -> T {
            Swift.abs(x) + T.log1p(T.exp(-2 * Swift.abs(x))) - T.log(2)
        }
        @inlinable public static func pullback<T: DifferentiableScalar>(
            _ x: T, _ y: T, _ output: T, _ c: Double, _ seed: T
        ) -> (T?, T?) {
            (seed * tanh(x), nil)
        }
    }
}
