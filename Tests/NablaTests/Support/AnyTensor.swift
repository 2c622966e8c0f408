@testable import Nabla

/// A dynamic tensor or a static symbol, behind one type, so each row of the tensor op table is
/// written once and runs in both modes.
enum AnyTensor: DifferentiableTensor {
    case dynamic(Tensor<Double>)
    case symbolic(TensorSymbol<Double>)

    typealias Scalar = Double

    var dynamic: Tensor<Double> { if case .dynamic(let t) = self { t } else { fatalError("not dynamic") } }
    var symbolic: TensorSymbol<Double> { if case .symbolic(let s) = self { s } else { fatalError("not symbolic") } }

    var shape: Shape {
        switch self {
        case .dynamic(let t): t.shape
        case .symbolic(let s): s.shape
        }
    }

    private func map(_ d: (Tensor<Double>) -> Tensor<Double>, _ s: (TensorSymbol<Double>) -> TensorSymbol<Double>) -> AnyTensor {
        switch self {
        case .dynamic(let t): .dynamic(d(t))
        case .symbolic(let x): .symbolic(s(x))
        }
    }

    private static func map2(_ a: AnyTensor, _ b: AnyTensor, _ d: (Tensor<Double>, Tensor<Double>) -> Tensor<Double>,
                             _ s: (TensorSymbol<Double>, TensorSymbol<Double>) -> TensorSymbol<Double>) -> AnyTensor {
        switch (a, b) {
        case (.dynamic(let x), .dynamic(let y)): .dynamic(d(x, y))
        case (.symbolic(let x), .symbolic(let y)): .symbolic(s(x, y))
        default: fatalError("mixed modes")
        }
    }

    static func apply(_ primitive: Primitive, _ x: AnyTensor, _ y: AnyTensor, constant c: Double) -> AnyTensor {
        map2(x, y, { .apply(primitive, $0, $1, constant: c) }, { .apply(primitive, $0, $1, constant: c) })
    }
    func constant(_ c: Double) -> AnyTensor { map({ $0.constant(c) }, { $0.constant(c) }) }
    func constant(_ array: NDArray<Double>) -> AnyTensor { map({ $0.constant(array) }, { $0.constant(array) }) }
    func stoppingGradient() -> AnyTensor { map({ $0.stoppingGradient() }, { $0.stoppingGradient() }) }
    func sum(axes: [Int]?, keepingDimensions: Bool) -> AnyTensor {
        map({ $0.sum(axes: axes, keepingDimensions: keepingDimensions) }, { $0.sum(axes: axes, keepingDimensions: keepingDimensions) })
    }
    func broadcast(to shape: Shape) -> AnyTensor { map({ $0.broadcast(to: shape) }, { $0.broadcast(to: shape) }) }
    func reshaped(_ shape: Shape) -> AnyTensor { map({ $0.reshaped(shape) }, { $0.reshaped(shape) }) }
    func permuted(_ p: [Int]) -> AnyTensor { map({ $0.permuted(p) }, { $0.permuted(p) }) }
    static func matmul(_ a: AnyTensor, _ b: AnyTensor, transposingA: Bool, transposingB: Bool) -> AnyTensor {
        map2(a, b, { .matmul($0, $1, transposingA: transposingA, transposingB: transposingB) },
             { .matmul($0, $1, transposingA: transposingA, transposingB: transposingB) })
    }
    static func matmul(_ a: AnyTensor, _ b: AnyTensor, transposingA: Bool, transposingB: Bool, bias: AnyTensor?, activation: Activation) -> AnyTensor {
        switch (a, b) {
        case (.dynamic(let x), .dynamic(let y)):
            .dynamic(.matmul(x, y, transposingA: transposingA, transposingB: transposingB, bias: bias?.dynamic, activation: activation))
        case (.symbolic(let x), .symbolic(let y)):
            .symbolic(.matmul(x, y, transposingA: transposingA, transposingB: transposingB, bias: bias?.symbolic, activation: activation))
        default: fatalError("mixed modes")
        }
    }
    func max(axes: [Int]?, keepingDimensions: Bool) -> AnyTensor {
        map({ $0.max(axes: axes, keepingDimensions: keepingDimensions) }, { $0.max(axes: axes, keepingDimensions: keepingDimensions) })
    }
    func min(axes: [Int]?, keepingDimensions: Bool) -> AnyTensor {
        map({ $0.min(axes: axes, keepingDimensions: keepingDimensions) }, { $0.min(axes: axes, keepingDimensions: keepingDimensions) })
    }
    func product(axes: [Int]?, keepingDimensions: Bool) -> AnyTensor {
        map({ $0.product(axes: axes, keepingDimensions: keepingDimensions) }, { $0.product(axes: axes, keepingDimensions: keepingDimensions) })
    }
    func slice(_ ranges: [Range<Int>]) -> AnyTensor { map({ $0.slice(ranges) }, { $0.slice(ranges) }) }
    func placed(into shape: Shape, at origin: [Int]) -> AnyTensor { map({ $0.placed(into: shape, at: origin) }, { $0.placed(into: shape, at: origin) }) }
    func indexSelect(_ indices: [Int], axis: Int) -> AnyTensor { map({ $0.indexSelect(indices, axis: axis) }, { $0.indexSelect(indices, axis: axis) }) }
    func patches(_ g: PatchGeometry, padValue: Double) -> AnyTensor { map({ $0.patches(g, padValue: padValue) }, { $0.patches(g, padValue: padValue) }) }
    func fromPatches(into shape: Shape, _ g: PatchGeometry) -> AnyTensor { map({ $0.fromPatches(into: shape, g) }, { $0.fromPatches(into: shape, g) }) }
    func maxPooled(_ g: PatchGeometry) -> AnyTensor { map({ $0.maxPooled(g) }, { $0.maxPooled(g) }) }
    func routedToPoolMaxima(_ values: AnyTensor, _ g: PatchGeometry) -> AnyTensor {
        AnyTensor.map2(self, values, { $0.routedToPoolMaxima($1, g) }, { $0.routedToPoolMaxima($1, g) })
    }
    func pickedAtPoolMaxima(_ values: AnyTensor, _ g: PatchGeometry) -> AnyTensor {
        AnyTensor.map2(self, values, { $0.pickedAtPoolMaxima($1, g) }, { $0.pickedAtPoolMaxima($1, g) })
    }
    func indexAdding(into shape: Shape, indices: [Int], axis: Int) -> AnyTensor {
        map({ $0.indexAdding(into: shape, indices: indices, axis: axis) }, { $0.indexAdding(into: shape, indices: indices, axis: axis) })
    }
}
