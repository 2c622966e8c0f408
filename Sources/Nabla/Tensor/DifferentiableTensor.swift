/// The algebra tensor derivative rules are written in: elementwise arithmetic and functions
/// (``DifferentiableScalar``, with NumPy broadcasting) plus the structural operations below.
/// `NDArray` (numbers) and ``Tensor`` (recorded) conform, so each rule is written once and gives
/// both plain gradients and gradients that can be differentiated again.
public protocol DifferentiableTensor: GraphScalar {
    /// The element type, `Float` or `Double`.
    associatedtype Scalar: TensorScalar
    /// The size of each axis.
    var shape: Shape { get }
    /// A constant tensor in the same graph as self.
    func constant(_ array: NDArray<Scalar>) -> Self
    /// The same values with no gradient flowing back.
    func stoppingGradient() -> Self
    /// The sum over `axes` (all when nil; −1 is the last), the reduced axes kept with size 1 when
    /// `keepingDimensions`.  ∂/∂x: the seed broadcast back to x's shape.
    func sum(axes: [Int]?, keepingDimensions: Bool) -> Self
    /// Repeated along new or size-1 axes to `shape` (NumPy's broadcast_to).  ∂/∂x: the seed summed
    /// back to x's shape.
    func broadcast(to shape: Shape) -> Self
    /// The same elements, row-major, with another shape of the same count.  ∂/∂x: the seed reshaped
    /// back.
    func reshaped(_ shape: Shape) -> Self
    /// The axes reordered: axis k of the result is axis `permutation[k]`.  ∂/∂x: the seed permuted
    /// by the inverse permutation.
    func permuted(_ permutation: [Int]) -> Self
    /// op(a)·op(b) for operands of rank ≥ 2, op transposing the last two axes when asked
    /// (without a transposed copy); batch axes broadcast.
    static func matmul(_ a: Self, _ b: Self, transposingA: Bool, transposingB: Bool) -> Self
    /// activation(op(a)·op(b) + bias): the product (operands of rank ≥ 2), the bias added with
    /// broadcasting, the activation applied. `NDArray` and ``Tensor`` compute it in one pass when
    /// the bias has one value per column of the product ([n]): the matrix kernel adds it and
    /// applies the activation as it writes each tile, giving the three operations' numbers bit
    /// for bit; the default (other types, other biases) is the three operations, which
    /// `TensorGraph.compile` fuses. Derivatives are the three operations'.
    static func matmul(_ a: Self, _ b: Self, transposingA: Bool, transposingB: Bool, bias: Self?, activation: Activation) -> Self
    /// The largest entries over `axes` (all when nil), NaN where any entry is NaN.  ∂/∂x: the seed
    /// shared equally among the entries equal to the result.
    func max(axes: [Int]?, keepingDimensions: Bool) -> Self
    /// The smallest entries over `axes` (all when nil), NaN where any entry is NaN.  ∂/∂x: the seed
    /// shared equally among the entries equal to the result.
    func min(axes: [Int]?, keepingDimensions: Bool) -> Self
    /// The product over `axes` (all when nil).  ∂/∂xᵢ = seed · (the product of the other entries).
    func product(axes: [Int]?, keepingDimensions: Bool) -> Self
    /// The box `ranges` (one range per leading axis, later axes whole).  ∂/∂x: the seed placed into
    /// zeros of x's shape.
    func slice(_ ranges: [Range<Int>]) -> Self
    /// Zeros of `shape` holding self at `origin`.  ∂/∂x: the box sliced out of the seed.
    func placed(into shape: Shape, at origin: [Int]) -> Self
    /// Entries at `indices` along `axis` (PyTorch's `index_select`).  ∂/∂x: the seed added at the
    /// same indices into zeros (``indexAdding(into:indices:axis:)``).
    func indexSelect(_ indices: [Int], axis: Int) -> Self
    /// Zeros of `shape` with self added at `indices` along `axis`, repeats adding up (PyTorch's
    /// `torch.zeros(shape).index_add(axis, indices, self)`).  ∂/∂x: the seed index-selected at the
    /// same indices.
    func indexAdding(into shape: Shape, indices: [Int], axis: Int) -> Self
    /// im2col of an image batch [N, C, H, W]: patches [N, C·kh·kw, OH·OW], padding read as
    /// `padValue`.  ∂/∂x: the seed folded back, overlaps added.
    func patches(_ geometry: PatchGeometry, padValue: Double) -> Self
    /// col2im: patches added back into an image of `shape`.  ∂/∂x: the seed unfolded.
    func fromPatches(into shape: Shape, _ geometry: PatchGeometry) -> Self
    /// Max pooling of an image batch [N, C, H, W]: [N, C, OH, OW], each window's largest entry
    /// (padding −∞, NaN winning).  ∂/∂x: the seed routed to each window's maximum, the first of
    /// tied maxima (``routedToPoolMaxima(_:_:)``), as PyTorch's `max_pool2d`.
    func maxPooled(_ geometry: PatchGeometry) -> Self
    /// Zeros of self's shape with `values` (one per window, [N, C, OH, OW]) added at each
    /// window's maximum in self.  ∂/∂values: the seed picked at the maxima; self only chooses
    /// the positions and gets no gradient.
    func routedToPoolMaxima(_ values: Self, _ geometry: PatchGeometry) -> Self
    /// `values` (self's shape) picked at each window's maximum in self: [N, C, OH, OW].
    /// ∂/∂values: the seed routed to the maxima; self gets no gradient.
    func pickedAtPoolMaxima(_ values: Self, _ geometry: PatchGeometry) -> Self
    /// Checks a shape condition of a composite function or a layer; returns whether it holds.
    ///
    /// Numbers (`NDArray`) and dynamic ``Tensor``s stop with `error`'s message when it does not
    /// (a programmer error, as a bad index is for `Array`). A ``TensorSymbol`` records the error
    /// in its graph instead, which throws it from `check()` and `compile`, so tracing a model on
    /// symbols validates an input shape without stopping (``Layer/outputShape(forInput:)``).
    /// Callers that get `false` return any tensor of theirs and let the graph report.
    func shapesHold(_ condition: Bool, _ error: @autoclosure () -> TensorShapeError) -> Bool
}

extension DifferentiableTensor {
    /// The default for numbers and dynamic tensors: stops with `error`'s description when
    /// `condition` fails, else returns true.
    @inlinable
    public func shapesHold(_ condition: Bool, _ error: @autoclosure () -> TensorShapeError) -> Bool {
        if _slowPath(!condition) { requirementFailed(error().description) }
        return true
    }
}

extension DifferentiableTensor {
    /// Sums over the axes along which `self` was broadcast from `original`: the inverse of
    /// broadcasting. Backward applies it once per operand, so no rule handles broadcasting.
    @inlinable
    public func summed(toShape original: Shape) -> Self {
        if shape == original { return self }
        let extra = shape.rank - original.rank
        var axes = Array(0..<extra)
        for (k, dimension) in original.dimensions.enumerated() where dimension == 1 && shape[extra + k] != 1 {
            axes.append(extra + k)
        }
        return sum(axes: axes, keepingDimensions: true).reshaped(original)
    }

    /// The last two axes swapped.
    @inlinable
    public func transposed() -> Self {
        var permutation = Array(0..<shape.rank)
        permutation.swapAt(shape.rank - 1, shape.rank - 2)
        return permuted(permutation)
    }
}

// MARK: Unary primitives over buffers

extension Primitive {
    /// Elements per thread from which an array op of this primitive is split over
    /// `Kernels.threads` threads: the C library's functions and powers cost 5–40 ns an element,
    /// so they split from `Kernels.costlyElementwiseChunk`; arithmetic, comparisons and
    /// rounding cost about 0.1 ns, so from `Kernels.cheapElementwiseChunk`.
    @inlinable public var elementwiseChunk: Int {
        switch self {
        case .exp, .log, .sin, .cos, .tanh, .erf, .sigmoid, .log1p, .expm1, .softplus, .logSigmoid, .elu, .silu,
             .power, .powerConstant, .atan2:
            Kernels.costlyElementwiseChunk
        default:
            Kernels.cheapElementwiseChunk
        }
    }

    /// A unary primitive applied to every element of `buffer`, in place: one loop specialised
    /// for the primitive's rule. (Binary primitives and leaves are not unary: a precondition.)
    /// Compiled programs run fused chains on small and large tensors with it (see
    /// `TensorProgram.fusingElementwiseChains`); arrays use `NDArray.applyInPlace(_:constant:)`,
    /// whose switch repeats this one on purpose: rewritten to call this function through
    /// `scalars.withUnsafeMutableBufferPointer` from this module, the static MLP step measured 6%
    /// slower (1,040 against 1,100 steps/s), even with this function specialised.
    @inlinable
    public func applyInPlace<T: TensorScalar>(to buffer: UnsafeMutableBufferPointer<T>, constant c: T) {
        @inline(__always) func update<R: PrimitiveRule>(_: R.Type) {
            for i in buffer.indices { buffer[i] = R.evaluate(buffer[i], buffer[i], c) }
        }
        switch self {
        case .negate: update(Rules.Negate.self)
        case .exp: update(Rules.Exp.self)
        case .log: update(Rules.Log.self)
        case .sqrt: update(Rules.Sqrt.self)
        case .sin: update(Rules.Sin.self)
        case .cos: update(Rules.Cos.self)
        case .tanh: update(Rules.Tanh.self)
        case .erf: update(Rules.Erf.self)
        case .sigmoid: update(Rules.Sigmoid.self)
        case .relu: update(Rules.ReLU.self)
        case .abs: update(Rules.Abs.self)
        case .sign: update(Rules.Sign.self)
        case .heaviside: update(Rules.Heaviside.self)
        case .addConstant: update(Rules.AddConstant.self)
        case .multiplyConstant: update(Rules.MultiplyConstant.self)
        case .powerConstant: update(Rules.PowerConstant.self)
        case .log1p: update(Rules.Log1p.self)
        case .expm1: update(Rules.Expm1.self)
        case .floor: update(Rules.Floor.self)
        case .ceil: update(Rules.Ceil.self)
        case .round: update(Rules.Round.self)
        case .softplus: update(Rules.Softplus.self)
        case .logSigmoid: update(Rules.LogSigmoid.self)
        case .elu: update(Rules.ELU.self)
        case .hardtanh: update(Rules.Hardtanh.self)
        case .silu: update(Rules.SiLU.self)
        case .custom, .loopValue: break
        case .input, .constant, .add, .subtract, .multiply, .divide, .power, .minimum, .maximum, .masked, .atan2:
            requirementFailed("applyInPlace(to:): \(name) is not a unary primitive")
        }
    }
}

// MARK: NDArray as an algebra

extension NDArray: DifferentiableScalar, GraphScalar, DifferentiableTensor {
    /// Applies a scalar primitive elementwise (with broadcasting for binary ones). The switch
    /// over the primitive is outside the loop: each case runs a loop specialised for its rule.
    @inlinable
    public static func apply(_ primitive: Primitive, _ x: NDArray, _ y: NDArray, constant c: Double) -> NDArray {
        let c = Scalar(c)
        // Each case names its rule, and runs a loop specialised for it.
        let chunk = primitive.elementwiseChunk
        func mapped<R: PrimitiveRule>(_ rule: R.Type) -> NDArray { NDArray.mapping(x, rule, constant: c, chunk: chunk) }
        func combined<R: PrimitiveRule>(_ rule: R.Type) -> NDArray { NDArray.combining(x, y, rule, constant: c, chunk: chunk) }
        switch primitive {
        case .input, .custom, .loopValue: return x
        case .constant: return NDArray(c)
        case .add: return combined(Rules.Add.self)
        case .subtract: return combined(Rules.Subtract.self)
        case .multiply: return combined(Rules.Multiply.self)
        case .divide: return combined(Rules.Divide.self)
        case .power: return combined(Rules.Power.self)
        case .minimum: return combined(Rules.Minimum.self)
        case .maximum: return combined(Rules.Maximum.self)
        case .masked: return combined(Rules.Masked.self)
        case .atan2: return combined(Rules.Atan2.self)
        case .negate: return mapped(Rules.Negate.self)
        case .exp: return mapped(Rules.Exp.self)
        case .log: return mapped(Rules.Log.self)
        case .sqrt: return mapped(Rules.Sqrt.self)
        case .sin: return mapped(Rules.Sin.self)
        case .cos: return mapped(Rules.Cos.self)
        case .tanh: return mapped(Rules.Tanh.self)
        case .erf: return mapped(Rules.Erf.self)
        case .sigmoid: return mapped(Rules.Sigmoid.self)
        case .relu: return mapped(Rules.ReLU.self)
        case .abs: return mapped(Rules.Abs.self)
        case .sign: return mapped(Rules.Sign.self)
        case .heaviside: return mapped(Rules.Heaviside.self)
        case .addConstant: return mapped(Rules.AddConstant.self)
        case .multiplyConstant: return mapped(Rules.MultiplyConstant.self)
        case .powerConstant: return mapped(Rules.PowerConstant.self)
        case .log1p: return mapped(Rules.Log1p.self)
        case .expm1: return mapped(Rules.Expm1.self)
        case .floor: return mapped(Rules.Floor.self)
        case .ceil: return mapped(Rules.Ceil.self)
        case .round: return mapped(Rules.Round.self)
        case .softplus: return mapped(Rules.Softplus.self)
        case .logSigmoid: return mapped(Rules.LogSigmoid.self)
        case .elu: return mapped(Rules.ELU.self)
        case .hardtanh: return mapped(Rules.Hardtanh.self)
        case .silu: return mapped(Rules.SiLU.self)
        }
    }

    /// `rule` applied to each element of `x`: one function per rule, kept out of line so that
    /// its loop is inlined and vectorised (inlined into `apply`'s large switch, the loop was left
    /// calling a closure per element, which made relu ten times slower).
    @inlinable @inline(never)
    static func mapping<R: PrimitiveRule>(_ x: NDArray, _: R.Type, constant c: Scalar, chunk: Int) -> NDArray {
        x.map(minimumChunk: chunk) { R.evaluate($0, $0, c) }
    }

    /// `rule` applied to corresponding elements of `x` and `y`, with broadcasting; out of line
    /// for the same reason as ``mapping(_:_:constant:)``.
    @inlinable @inline(never)
    static func combining<R: PrimitiveRule>(_ x: NDArray, _ y: NDArray, _: R.Type, constant c: Scalar, chunk: Int) -> NDArray {
        NDArray.combine(x, y, operation: R.name, minimumChunk: chunk) { R.evaluate($0, $1, c) }
    }

    /// `array` itself.
    @inlinable public func constant(_ array: NDArray) -> NDArray { array }
    /// im2col, `unfolded(_:padValue:)`.
    @inlinable public func patches(_ geometry: PatchGeometry, padValue: Double) -> NDArray { unfolded(geometry, padValue: Scalar(padValue)) }
    /// col2im, `folded(into:_:)`.
    @inlinable public func fromPatches(into shape: Shape, _ geometry: PatchGeometry) -> NDArray { folded(into: shape, geometry) }
    /// `self`: numbers carry no gradient.
    @inlinable public func stoppingGradient() -> NDArray { self }

    /// The product over `axes` (all when nil), 1 over an empty axis.
    @inlinable public func product(axes: [Int]?, keepingDimensions: Bool) -> NDArray {
        TensorOperation.reduceProduct(axes: axes, keepingDimensions: keepingDimensions).forward(self, self)
    }
    /// The largest entries over `axes` (all when nil), NaN where any is NaN; an empty axis stops.
    @inlinable public func max(axes: [Int]?, keepingDimensions: Bool) -> NDArray {
        TensorOperation.reduceMaximum(axes: axes, keepingDimensions: keepingDimensions).forward(self, self)
    }
    /// The smallest entries over `axes` (all when nil), NaN where any is NaN; an empty axis stops.
    @inlinable public func min(axes: [Int]?, keepingDimensions: Bool) -> NDArray {
        TensorOperation.reduceMinimum(axes: axes, keepingDimensions: keepingDimensions).forward(self, self)
    }

    /// `primitive` applied to each element in place (a unary primitive).
    @inlinable
    public mutating func applyInPlace(_ primitive: Primitive, constant c: Double) {
        let c = Scalar(c)
        let chunk = primitive.elementwiseChunk
        @inline(__always) func update<R: PrimitiveRule>(_: R.Type) { updateEach(minimumChunk: chunk) { R.evaluate($0, $0, c) } }
        switch primitive {
        case .negate: update(Rules.Negate.self)
        case .exp: update(Rules.Exp.self)
        case .log: update(Rules.Log.self)
        case .sqrt: update(Rules.Sqrt.self)
        case .sin: update(Rules.Sin.self)
        case .cos: update(Rules.Cos.self)
        case .tanh: update(Rules.Tanh.self)
        case .erf: update(Rules.Erf.self)
        case .sigmoid: update(Rules.Sigmoid.self)
        case .relu: update(Rules.ReLU.self)
        case .abs: update(Rules.Abs.self)
        case .sign: update(Rules.Sign.self)
        case .heaviside: update(Rules.Heaviside.self)
        case .addConstant: update(Rules.AddConstant.self)
        case .multiplyConstant: update(Rules.MultiplyConstant.self)
        case .powerConstant: update(Rules.PowerConstant.self)
        case .log1p: update(Rules.Log1p.self)
        case .expm1: update(Rules.Expm1.self)
        case .floor: update(Rules.Floor.self)
        case .ceil: update(Rules.Ceil.self)
        case .round: update(Rules.Round.self)
        case .softplus: update(Rules.Softplus.self)
        case .logSigmoid: update(Rules.LogSigmoid.self)
        case .elu: update(Rules.ELU.self)
        case .hardtanh: update(Rules.Hardtanh.self)
        case .silu: update(Rules.SiLU.self)
        default: self = NDArray.apply(primitive, self, self, constant: Double(c))
        }
    }

    /// `primitive` applied to corresponding elements of self and `other` (same shape), in place.
    @inlinable
    public mutating func applyInPlace(_ primitive: Primitive, _ other: NDArray, constant c: Double) {
        let c = Scalar(c)
        let chunk = primitive.elementwiseChunk
        @inline(__always) func update<R: PrimitiveRule>(_: R.Type) { updateEach(with: other, minimumChunk: chunk) { R.evaluate($0, $1, c) } }
        switch primitive {
        case .add: update(Rules.Add.self)
        case .subtract: update(Rules.Subtract.self)
        case .multiply: update(Rules.Multiply.self)
        case .divide: update(Rules.Divide.self)
        case .power: update(Rules.Power.self)
        case .minimum: update(Rules.Minimum.self)
        case .maximum: update(Rules.Maximum.self)
        case .masked: update(Rules.Masked.self)
        default: self = NDArray.apply(primitive, self, other, constant: Double(c))
        }
    }

    /// `primitive` applied to corresponding elements of `first` and self (same shape), written
    /// into self: self[i] = primitive(first[i], self[i]). Its switch repeats the one above on
    /// purpose: one function with an operand-order flag measured 4–5% slower on the static MLP
    /// step (940 against 985 steps/s), the flag keeping the per-rule loops from specialising.
    @inlinable
    public mutating func applyInPlace(_ primitive: Primitive, after first: NDArray, constant c: Double) {
        let c = Scalar(c)
        let chunk = primitive.elementwiseChunk
        @inline(__always) func update<R: PrimitiveRule>(_: R.Type) { updateEach(with: first, minimumChunk: chunk) { R.evaluate($1, $0, c) } }
        switch primitive {
        case .add: update(Rules.Add.self)
        case .subtract: update(Rules.Subtract.self)
        case .multiply: update(Rules.Multiply.self)
        case .divide: update(Rules.Divide.self)
        case .power: update(Rules.Power.self)
        case .minimum: update(Rules.Minimum.self)
        case .maximum: update(Rules.Maximum.self)
        case .masked: update(Rules.Masked.self)
        default: self = NDArray.apply(primitive, first, self, constant: Double(c))
        }
    }

    /// A rank-0 constant: it broadcasts against anything.
    @inlinable public func constant(_ c: Double) -> NDArray { NDArray(Scalar(c)) }

    /// `matmul(_:_:transposingA:transposingB:threads:)` on `Kernels.threads` threads.
    @inlinable public static func matmul(_ a: NDArray, _ b: NDArray, transposingA: Bool, transposingB: Bool) -> NDArray {
        matmul(a, b, transposingA: transposingA, transposingB: transposingB, threads: Kernels.threads)
    }
}
