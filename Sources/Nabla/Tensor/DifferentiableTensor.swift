/// The algebra tensor derivative rules are written in: elementwise arithmetic and functions
/// (``DifferentiableScalar``, with NumPy broadcasting) plus the structural operations below.
/// `NDArray` (numbers) and ``Tensor`` (recorded) conform, so each rule is written once and gives
/// both plain gradients and gradients that can be differentiated again.
public protocol DifferentiableTensor: DifferentiableScalar {
    var shape: Shape { get }
    /// The sum over `axes` (all when nil).
    func sum(axes: [Int]?, keepingDimensions: Bool) -> Self
    /// Repeated along new or size-1 axes to `shape`.
    func broadcast(to shape: Shape) -> Self
    func reshaped(_ shape: Shape) -> Self
    func permuted(_ permutation: [Int]) -> Self
    /// The matrix product, NumPy semantics.
    static func matmul(_ a: Self, _ b: Self) -> Self
}

extension DifferentiableTensor {
    /// Sums over the axes along which `self` was broadcast from `original`: the inverse of
    /// broadcasting. Backward applies it once per operand, so no rule handles broadcasting.
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
    public func transposed() -> Self {
        var permutation = Array(0..<shape.rank)
        permutation.swapAt(shape.rank - 1, shape.rank - 2)
        return permuted(permutation)
    }
}

// MARK: NDArray as an algebra

extension NDArray: DifferentiableScalar, GraphScalar, DifferentiableTensor {
    /// Applies a scalar primitive elementwise (with broadcasting for binary ones). The switch
    /// over the primitive is outside the loop: each case runs a loop specialised for its rule.
    public static func apply(_ primitive: Primitive, _ x: NDArray, _ y: NDArray, constant c: Double) -> NDArray {
        let c = Scalar(c)
        @inline(__always) func unary<R: PrimitiveRule>(_: R.Type) -> NDArray { x.map { R.evaluate($0, $0, c) } }
        @inline(__always) func binary<R: PrimitiveRule>(_: R.Type) -> NDArray {
            NDArray.combine(x, y, operation: R.name) { R.evaluate($0, $1, c) }
        }
        switch primitive {
        case .input: return x
        case .constant: return NDArray(c)
        case .add: return binary(Add.self)
        case .subtract: return binary(Subtract.self)
        case .multiply: return binary(Multiply.self)
        case .divide: return binary(Divide.self)
        case .power: return binary(Power.self)
        case .minimum: return binary(Minimum.self)
        case .maximum: return binary(Maximum.self)
        case .negate: return unary(Negate.self)
        case .exp: return unary(Exp.self)
        case .log: return unary(Log.self)
        case .sqrt: return unary(Sqrt.self)
        case .sin: return unary(Sin.self)
        case .cos: return unary(Cos.self)
        case .tanh: return unary(Tanh.self)
        case .sigmoid: return unary(Sigmoid.self)
        case .relu: return unary(ReLU.self)
        case .abs: return unary(Abs.self)
        case .sign: return unary(Sign.self)
        case .heaviside: return unary(Heaviside.self)
        case .addConstant: return unary(AddConstant.self)
        case .multiplyConstant: return unary(MultiplyConstant.self)
        case .powerConstant: return unary(PowerConstant.self)
        }
    }

    /// A rank-0 constant: it broadcasts against anything.
    public func constant(_ c: Double) -> NDArray { NDArray(Scalar(c)) }

    public static func matmul(_ a: NDArray, _ b: NDArray) -> NDArray { matmul(a, b, threads: 1) }
}
