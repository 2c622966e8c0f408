/// A tensor paired with its tangent: forward-mode differentiation over any tensor algebra
/// (JAX's `jvp` tracer, PyTorch's `torch.autograd.forward_ad` dual tensors).
///
/// Each operation computes its primal in `Base` and its tangent by the operation's own tangent
/// rule, `TensorOperation.tangent(_:_:output:tangents:)`, the forward face of the declaration
/// that also gives its pullback. As `DualTensor` conforms to ``DifferentiableTensor``, every
/// composite written generically (softmax, conv2d, the layers, attention) runs in forward mode
/// unchanged:
///
/// ```swift
/// let x = DualTensor(NDArray<Double>([0.5, -1, 2]), tangent: NDArray([1, 0, 0]))
/// let y = x.softmax(axis: 0)
/// print(y.primal, y.tangent)     // softmax(x) and ∂softmax(x)/∂x₀
/// ```
///
/// With `Base` = `NDArray` it computes numbers at once; with `Base` = ``Tensor`` or
/// ``TensorSymbol`` both the primal and the tangent are recorded, so they can be differentiated
/// again (reverse-over-forward, forward-over-forward).
public struct DualTensor<Base: DifferentiableTensor> {
    /// The value.
    public let primal: Base
    /// The tangent, nil when it is zero (constants): zeros are never computed with.
    @usableFromInline let storedTangent: Base?

    /// A value with its tangent (of the same shape); with no tangent, a constant (tangent zero).
    @inlinable
    public init(_ primal: Base, tangent: Base? = nil) {
        self.primal = primal
        self.storedTangent = tangent
    }

    /// The tangent: the directional derivative of this value along the seeded inputs' tangents
    /// (zeros of the primal's shape when nothing seeded reaches it).
    public var tangent: Base { storedTangent ?? primal.constant(NDArray<Base.Scalar>.zeros(primal.shape)) }

    /// Whether a seeded tangent reaches this value (false: its tangent is zero).
    public var hasTangent: Bool { storedTangent != nil }

    /// `operation` lifted: `primal` is the operation's result on the primals, computed by `Base`;
    /// the tangent comes from the operation's tangent rule.
    @inlinable
    static func lifting(_ operation: TensorOperation, _ x: DualTensor, _ y: DualTensor, primal: Base) -> DualTensor {
        let binary = operation.arity == 2
        let tangent = operation.tangent(x.primal, binary ? y.primal : x.primal, output: primal,
                                        tangents: (x.storedTangent, binary ? y.storedTangent : nil))
        return DualTensor(primal, tangent: tangent)
    }

    @inlinable
    func lifting(_ operation: TensorOperation, _ primal: Base) -> DualTensor {
        DualTensor.lifting(operation, self, self, primal: primal)
    }
}

extension DualTensor: DifferentiableScalar, GraphScalar, DifferentiableTensor {
    /// The element type of `Base`.
    public typealias Scalar = Base.Scalar

    /// The primal's shape (the tangent has the same).
    @inlinable public var shape: Shape { primal.shape }

    /// `primitive` elementwise on the primals; the tangent ∂f/∂x·ẋ + ∂f/∂y·ẏ is the primitive's
    /// pullback seeded with the operand tangents.
    @inlinable
    public static func apply(_ primitive: Primitive, _ x: DualTensor, _ y: DualTensor, constant c: Double) -> DualTensor {
        lifting(.elementwise(primitive, constant: c), x, y, primal: Base.apply(primitive, x.primal, y.primal, constant: c))
    }
    /// A rank-0 constant (tangent zero) living where the primal lives.
    @inlinable public func constant(_ c: Double) -> DualTensor { DualTensor(primal.constant(c)) }
    /// A constant array (tangent zero) living where the primal lives.
    @inlinable public func constant(_ array: NDArray<Scalar>) -> DualTensor { DualTensor(primal.constant(array)) }
    /// The same values with tangent zero (JAX's `stop_gradient` under `jvp`).
    @inlinable public func stoppingGradient() -> DualTensor { DualTensor(primal.stoppingGradient()) }
    /// The sum over `axes`; tangent: the tangent summed likewise.
    @inlinable public func sum(axes: [Int]?, keepingDimensions: Bool) -> DualTensor {
        lifting(.sum(axes: axes, keepingDimensions: keepingDimensions), primal.sum(axes: axes, keepingDimensions: keepingDimensions))
    }
    /// Broadcast to `shape`; tangent: broadcast likewise.
    @inlinable public func broadcast(to shape: Shape) -> DualTensor {
        shape == self.shape ? self : lifting(.broadcast(shape), primal.broadcast(to: shape))
    }
    /// Reshaped to `shape`; tangent: reshaped likewise.
    @inlinable public func reshaped(_ shape: Shape) -> DualTensor {
        shape == self.shape ? self : lifting(.reshape(shape), primal.reshaped(shape))
    }
    /// The axes permuted; tangent: permuted likewise.
    @inlinable public func permuted(_ permutation: [Int]) -> DualTensor { lifting(.permute(permutation), primal.permuted(permutation)) }
    /// op(a)·op(b); tangent op(ȧ)·op(b) + op(a)·op(ḃ).
    @inlinable public static func matmul(_ a: DualTensor, _ b: DualTensor, transposingA: Bool, transposingB: Bool) -> DualTensor {
        lifting(.matmul(transposingA: transposingA, transposingB: transposingB), a, b,
                primal: Base.matmul(a.primal, b.primal, transposingA: transposingA, transposingB: transposingB))
    }
    /// The largest entries over `axes`; tangent: the mean of the tangents at the entries equal to
    /// the result (as PyTorch's amax shares the gradient).
    @inlinable public func max(axes: [Int]?, keepingDimensions: Bool) -> DualTensor {
        lifting(.reduceMaximum(axes: axes, keepingDimensions: keepingDimensions), primal.max(axes: axes, keepingDimensions: keepingDimensions))
    }
    /// The smallest entries over `axes`; tangent as for `max(axes:keepingDimensions:)`.
    @inlinable public func min(axes: [Int]?, keepingDimensions: Bool) -> DualTensor {
        lifting(.reduceMinimum(axes: axes, keepingDimensions: keepingDimensions), primal.min(axes: axes, keepingDimensions: keepingDimensions))
    }
    /// The product over `axes`; tangent Σᵢ ẋᵢ · (the product of the other entries).
    @inlinable public func product(axes: [Int]?, keepingDimensions: Bool) -> DualTensor {
        lifting(.reduceProduct(axes: axes, keepingDimensions: keepingDimensions), primal.product(axes: axes, keepingDimensions: keepingDimensions))
    }
    /// A box; tangent: the same box of the tangent.
    @inlinable public func slice(_ ranges: [Range<Int>]) -> DualTensor { lifting(.slice(ranges), primal.slice(ranges)) }
    /// Placed into zeros of `shape`; tangent: placed likewise.
    @inlinable public func placed(into shape: Shape, at origin: [Int]) -> DualTensor {
        lifting(.place(shape, origin: origin), primal.placed(into: shape, at: origin))
    }
    /// PyTorch's `index_select`; tangent: selected likewise.
    @inlinable public func indexSelect(_ indices: [Int], axis: Int) -> DualTensor {
        lifting(.indexSelect(indices, axis: axis), primal.indexSelect(indices, axis: axis))
    }
    /// PyTorch's `index_add` into zeros; tangent: added likewise.
    @inlinable public func indexAdding(into shape: Shape, indices: [Int], axis: Int) -> DualTensor {
        lifting(.indexAdd(shape, indices: indices, axis: axis), primal.indexAdding(into: shape, indices: indices, axis: axis))
    }
    /// im2col; tangent: the tangent's patches, padded with 0.
    @inlinable public func patches(_ geometry: PatchGeometry, padValue: Double) -> DualTensor {
        lifting(.unfold(geometry, padValue: padValue), primal.patches(geometry, padValue: padValue))
    }
    /// col2im; tangent: folded likewise.
    @inlinable public func fromPatches(into shape: Shape, _ geometry: PatchGeometry) -> DualTensor {
        lifting(.fold(shape, geometry), primal.fromPatches(into: shape, geometry))
    }
    /// Max pooling; tangent: the tangent picked at the primal's maxima.
    @inlinable public func maxPooled(_ geometry: PatchGeometry) -> DualTensor {
        lifting(.maxPool(geometry), primal.maxPooled(geometry))
    }
    /// Routing `values` to the primal's pooling maxima; tangent: the values' tangent routed
    /// likewise.
    @inlinable public func routedToPoolMaxima(_ values: DualTensor, _ geometry: PatchGeometry) -> DualTensor {
        DualTensor.lifting(.routeToPoolMaxima(geometry), self, values, primal: primal.routedToPoolMaxima(values.primal, geometry))
    }
    /// Picking `values` at the primal's pooling maxima; tangent: the values' tangent picked
    /// likewise.
    @inlinable public func pickedAtPoolMaxima(_ values: DualTensor, _ geometry: PatchGeometry) -> DualTensor {
        DualTensor.lifting(.pickAtPoolMaxima(geometry), self, values, primal: primal.pickedAtPoolMaxima(values.primal, geometry))
    }
    /// The primal's check (a symbol records the error in its graph).
    @inlinable public func shapesHold(_ condition: Bool, _ error: @autoclosure () -> TensorShapeError) -> Bool {
        primal.shapesHold(condition, error())
    }
}

extension DualTensor: CustomStringConvertible {
    /// The primal and the tangent, as `primal ⟨tangent⟩`.
    public var description: String { "\(primal) ⟨\(storedTangent.map { "\($0)" } ?? "0")⟩" }
}
