import Testing
import Nabla

/// The README's examples, compiled and checked, so the documentation cannot drift.
@Suite("README examples")
struct ReadmeExamplesTests {
    @Test func dynamicQuickStart() {
        let a = Value(2, requiresGrad: true), o = Value(1, requiresGrad: true)
        let b = 5 - 3 * a
        let c = 2 * b + 3
        let d = 5 * b + 6
        let e = 7 * c + pow(d, 2)
        let f = 2 * e
        let g = 3 * f - o
        g.backward()
        #expect((g.data, a.grad, o.grad) == (47, -432, -1))
        let dgda = g.differentiableGradient(wrt: a)
        #expect(dgda.gradient(wrt: a) == 2700)
    }

    @Test func trainingStep() {
        let w = Value(0, requiresGrad: true)
        for _ in 0..<100 {
            let loss = pow(w * 2 - 6, 2)
            w.zeroGrad()
            loss.backward()
            withoutRecording { w.data -= 0.05 * w.grad }
        }
        #expect(Swift.abs(w.data - 3) < 1e-9)
    }

    @Test func staticQuickStart() throws {
        let graph = Graph()
        let a = graph.input("a"), o = graph.input("o")
        let b = 5 - 3 * a
        let d = 5 * b + 6
        let g = 3 * (2 * (7 * (2 * b + 3) + pow(d, 2))) - o
        let grads = graph.gradients(of: g, wrt: [a, o])
        let hessian = graph.hessian(of: g, wrt: [a, o])
        let program = graph.compile([g] + grads)
        #expect(try program.run(["a": 2, "o": 1]) == [47, -432, -1])
        #expect(try graph.compile(hessian.flatMap { $0 }).run(["a": 2, "o": 1]) == [2700, 0, 0, 0])
    }

    func model<T: DifferentiableScalar>(_ x: T, _ w: T) -> T { tanh(w * x + 1) }

    @Test func oneFunctionBothModes() throws {
        let number = model(0.5, 2.0)
        let w = Value(2, requiresGrad: true, name: "w")
        let value = model(Value(0.5), w)
        let graph = Graph()
        let symbol = model(graph.input("x"), graph.input("w"))
        #expect(value.data == number)
        #expect(try graph.compile([symbol]).run(["x": 0.5, "w": 2]) == [number])
        let captured = graph.capture(value)
        #expect(try graph.compile([captured]).run(["x": 0.5, "w": 2]) == [number])
    }

    @Test func tensorQuickStart() {
        let x = Tensor<Float>.randomUniform([64, 784], low: -1, high: 1, seed: 7)
        let w = Tensor<Float>.randomNormal([784, 10], standardDeviation: 0.05, seed: 8, requiresGrad: true)
        let b = Tensor<Float>.zeros([10], requiresGrad: true)
        let loss = (x.matmul(w) + b).crossEntropy(labels: (0..<64).map { $0 % 10 })
        loss.backward()
        let before = loss.scalar
        withoutRecording { w.data = w.data.adding(w.grad!, scaledBy: -0.01) }
        #expect(w.grad!.shape == [784, 10] && b.grad!.shape == [10])
        let after = (x.matmul(w) + b).crossEntropy(labels: (0..<64).map { $0 % 10 }).scalar
        #expect(after < before)
    }

    @Test func neuralNetworkQuickStart() throws {
        let model = Sequential<Float>(
            Linear(64, 128, seed: 1), ReLU(), Dropout(probability: 0.1),
            Linear(128, 10, seed: 2))
        #expect(model.parameterCount == 9_610)
        #expect(model.namedParameters.map(\.name) == ["0.weight", "0.bias", "3.weight", "3.bias"])
        let (train, test) = try Digits.load().split()
        let optimizer = Adam(model.parameters, learningRate: 1e-3)
        var losses: [Float] = []
        for batch in try BatchLoader(train, batchSize: 32, seed: 0) {
            let loss = model(Tensor(batch.inputs)).crossEntropy(labels: batch.labels)
            optimizer.zeroGrad()
            loss.backward()
            optimizer.step()
            losses.append(loss.scalar)
        }
        model.eval()
        #expect(losses.last! < losses.first!)
        let predictions = Trainer<Sequential<Float>>.classes(of: model(Tensor(test.inputs)).data)
        #expect(zip(predictions, test.labels).filter { $0 == $1 }.count > 250)      // one epoch: most of 360
    }
}
