import Testing
@testable import Nabla

/// Data-facing entry points throw, so a program serving requests can reject a bad one and go on;
/// a model's input can be validated before it runs.
@Suite("Input validation")
struct InputValidationTests {
    @Test func arraysAndTensorsFromScalarsCheckTheCount() throws {
        #expect(throws: TensorShapeError(operation: "NDArray(shape:scalars:)", shapes: [[2, 3]], reason: "needs 6 elements, got 5")) {
            try NDArray<Float>(shape: [2, 3], scalars: [1, 2, 3, 4, 5])
        }
        #expect(throws: TensorShapeError(operation: "Tensor(shape:scalars:)", shapes: [[4]], reason: "needs 4 elements, got 0")) {
            try Tensor<Double>(shape: [4], scalars: [])
        }
        let t = try Tensor<Double>(shape: [2, 1], scalars: [1, 2], requiresGrad: true)
        #expect(t.shape == [2, 1] && t.scalars == [1, 2] && t.isLeaf)
    }

    static func classifier() -> Sequential<Float> {
        Sequential<Float>(
            Conv2d(1, 4, kernelSize: 3, padding: 1, seed: 1), ReLU(), MaxPool2d(kernelSize: 2),
            Flatten(), Linear(4 * 4 * 4, 10, seed: 2))
    }

    @Test func aModelGivesTheOutputShapeOfAGoodInput() throws {
        let model = Self.classifier()
        #expect(try model.outputShape(forInput: [5, 1, 8, 8]) == [5, 10])
        #expect(try Sequential<Float>.mlp([3, 7, 2], seed: 1).outputShape(forInput: [9, 3]) == [9, 2])
        // The checked call gives exactly what the plain call gives.
        let x = Tensor<Float>.randomNormal([2, 1, 8, 8], seed: 3)
        #expect(try model(checking: x).data == model(x).data)
    }

    @Test func aBadInputIsThrownNamingTheLayerAndShapes() {
        let model = Self.classifier()
        #expect(throws: TensorShapeError(operation: "conv2d", shapes: [[5, 3, 8, 8], [4, 1, 3, 3]],
                                         reason: "expected an input [N, C, H, W] and filters [O, C, kh, kw] with the same C")) {
            try model.outputShape(forInput: [5, 3, 8, 8])
        }
        // 6×6 images pool to 3×3: the Linear layer gets 36 features where it takes 64.
        #expect(throws: TensorShapeError(operation: "Linear(64 → 10)", shapes: [[5, 36]], reason: "the input does not end in 64 features")) {
            try model.outputShape(forInput: [5, 1, 6, 6])
        }
        #expect(throws: TensorShapeError.self) { try model.outputShape(forInput: [5, 64]) }
        let mlp = Sequential<Float>.mlp([784, 256, 10], seed: 1)
        #expect(throws: TensorShapeError(operation: "Linear(784 → 256)", shapes: [[1, 783]], reason: "the input does not end in 784 features")) {
            try mlp(checking: Tensor<Float>.zeros([1, 783]))
        }
    }

    @Test func aKernelLargerThanTheInputIsThrown() {
        let conv = Conv2d<Double>(1, 1, kernelSize: 5, seed: 1)
        #expect(throws: TensorShapeError(operation: "conv2d", shapes: [[1, 1, 3, 3], [1, 1, 5, 5]],
                                         reason: "a 5×5 filter does not fit the input with padding (0, 0)")) {
            try conv.outputShape(forInput: [1, 1, 3, 3])
        }
        #expect(throws: TensorShapeError(operation: "pool2d", shapes: [[1, 1, 1, 1]],
                                         reason: "a 2×2 window does not fit the input with padding (0, 0)")) {
            try MaxPool2d<Double>(kernelSize: 2).outputShape(forInput: [1, 1, 1, 1])
        }
    }

    @Test func normalisationLayersCheckTheirChannels() {
        #expect(throws: TensorShapeError(operation: "BatchNorm(3)", shapes: [[4, 2]], reason: "the input does not have 3 channels on axis 1")) {
            try BatchNorm<Float>(3).outputShape(forInput: [4, 2])
        }
        #expect(throws: TensorShapeError(operation: "LayerNorm[5]", shapes: [[4, 6]], reason: "the input does not end in [5]")) {
            try LayerNorm<Float>([5]).outputShape(forInput: [4, 6])
        }
    }

    @Test func anEmbeddingThrowsForAnIndexOutOfRange() throws {
        let embedding = Embedding<Float>(10, 4, seed: 1)
        #expect(throws: TensorShapeError(operation: "Embedding(10)", shapes: [[10, 4]], reason: "index 12 at position 1 is out of range 0..<10")) {
            try embedding(checking: [3, 12])
        }
        #expect(try embedding(checking: [3, 9]).data == embedding([3, 9]).data)
    }

    @Test func aCompiledModelThrowsForAnInputItCannotTake() {
        let compiled = CompiledModel(Sequential<Float>.mlp([4, 3], seed: 1), loss: .crossEntropy())
        #expect(throws: TensorShapeError.self) { try compiled.predict(NDArray<Float>.zeros([2, 5])) }
        #expect((try? compiled.predict(NDArray<Float>.zeros([2, 4])))?.shape == [2, 3])
    }

    @Test func aTrainingStepThrowsForLabelsOutsideTheClassesAndChangesNothing() throws {
        let model = Sequential<Float>.mlp([2, 3], seed: 1)
        let before = model.parameters.map(\.data)
        let trainer = Trainer(model: model, loss: .crossEntropy(), optimizer: SGD(model.parameters, learningRate: 0.1), classes: 3)
        let inputs = NDArray<Float>.ones([2, 2])
        #expect(throws: TrainingError.labelOutOfRange(label: 3, position: 1, classes: 3)) {
            try trainer.step(inputs: inputs, labels: [0, 3])
        }
        #expect(throws: TrainingError.labelOutOfRange(label: -1, position: 0, classes: 3)) {
            try trainer.step(inputs: inputs, labels: [-1, 0])
        }
        #expect(throws: TensorShapeError.self) { try trainer.step(inputs: NDArray<Float>.ones([2, 5]), labels: [0, 1]) }
        #expect(model.parameters.map(\.data) == before && trainer.stepsTaken == 0)
        _ = try trainer.step(inputs: inputs, labels: [0, 2])
        #expect(trainer.stepsTaken == 1)
    }

    @Test func inTheDynamicModeAShapeMismatchStillStopsWithItsMessage() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Sequential<Float>.mlp([4, 3], seed: 1)(Tensor<Float>.zeros([2, 5]))
        }
        let text = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
        #expect(text.contains("Linear(4 → 3): [2, 5] — the input does not end in 4 features"), "\(text)")
    }
}
