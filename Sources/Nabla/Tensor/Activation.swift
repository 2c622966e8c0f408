// The activations a matrix product applies as it writes its result (its epilogue). Each is
// defined once, below, in the scalar algebra: applied to a tensor it records the catalogue's
// primitives (relu, tanh, erf, …) as any other code would; applied to the one-number algebra
// `ElementValue` it evaluates the same primitives, in the same order and precision, on one element
// of a finished tile of C. So a fused product gives the unfused operations' numbers bit for bit.

/// An elementwise activation that a matrix product can apply while it writes its result: see
/// `DifferentiableTensor.matmul(_:_:transposingA:transposingB:bias:activation:)`,
/// `DifferentiableTensor.linear(weight:bias:activation:)` and ``Linear``'s
/// `forward(_:_:activation:)`. Calling it applies it in any algebra: `Activation.relu(x)`.
public enum Activation: Sendable, Hashable, CaseIterable {
    /// x itself (a product with a bias and no activation).
    case identity
    /// max(0, x), NaN kept (the `relu` primitive).  d/dx = 1 for x > 0, else 0.
    case relu
    /// tanh x (the `tanh` primitive).  d/dx = 1 − tanh²x.
    case tanh
    /// The exact GELU, x·(1 + erf(x/√2))/2 (``GELU`` with `approximation: .none`).
    case gelu
    /// The tanh approximation of GELU, x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))/2 (``GELU`` with
    /// `approximation: .tanh`).
    case geluTanh

    /// The activation of `x`, written with the catalogue's primitives; every engine (tensors,
    /// symbols, the fused kernels' epilogue) evaluates this one definition.
    @inlinable
    public func callAsFunction<T: DifferentiableScalar>(_ x: T) -> T {
        switch self {
        case .identity: return x
        case .relu: return Nabla.relu(x)
        case .tanh: return Nabla.tanh(x)
        case .gelu: return x * (erf(x * (1 / 2.0.squareRoot())) + 1) * 0.5
        case .geluTanh: return x * (Nabla.tanh((x + x * x * x * 0.044715) * (2 / Double.pi).squareRoot()) + 1) * 0.5
        }
    }

    /// The name the compilation log writes: `relu`, `tanh`, `gelu`, `gelu_tanh` (`identity`).
    var name: String {
        switch self {
        case .identity: "identity"
        case .relu: "relu"
        case .tanh: "tanh"
        case .gelu: "gelu"
        case .geluTanh: "gelu_tanh"
        }
    }

    /// Whether the derivative can be computed from the output alone (identity, relu, tanh), so
    /// that reverse mode needs to keep only the activation's result: relu(z) > 0 exactly where
    /// z > 0 (NaN and −0 included), and tanh′(z) = 1 − tanh²(z). GELU's derivative reads z.
    @inlinable
    var differentiatesFromOutput: Bool {
        switch self {
        case .identity, .relu, .tanh: true
        case .gelu, .geluTanh: false
        }
    }

    /// ∂L/∂z from ∂L/∂y for y = activation(z), read from y alone (identity, relu and tanh;
    /// ``differentiatesFromOutput``), by the primitives' own rules: relu's, masked by y in place
    /// of z (the same mask), and tanh's, which reads y already.
    @inlinable
    func pullbackFromOutput<T: DifferentiableTensor>(_ output: T, seed: T) -> T {
        switch self {
        case .identity: return seed
        case .relu: return Primitive.relu.pullback(output, output, output: output, constant: 0, seed: seed).0!
        case .tanh: return Primitive.tanh.pullback(output, output, output: output, constant: 0, seed: seed).0!
        case .gelu, .geluTanh: requirementFailed("Activation.\(self): the derivative of GELU needs its input")
        }
    }

    /// The tangent of y = activation(z) from ż, read from y alone (identity, relu, tanh): the
    /// elementwise tangent rule, the pullback seeded with ż.
    @inlinable
    func tangentFromOutput<T: DifferentiableTensor>(_ output: T, tangent: T) -> T {
        pullbackFromOutput(output, seed: tangent)
    }
}

/// One number of the element type in the scalar algebra: each primitive is evaluated at once,
/// its constant first rounded to `S`, exactly as a tensor operation evaluates each element
/// (`NDArray.apply`). The fused kernels' epilogue runs ``Activation``'s definition in it.
@usableFromInline
struct ElementValue<S: TensorScalar>: DifferentiableScalar {
    @usableFromInline var value: S

    @inlinable init(_ value: S) { self.value = value }

    /// The primitive evaluated on the numbers, as `NDArray.apply` evaluates it on each element.
    @inlinable @inline(__always)
    static func apply(_ primitive: Primitive, _ x: ElementValue, _ y: ElementValue, constant c: Double) -> ElementValue {
        ElementValue(primitive.evaluate(x.value, y.value, S(c)))
    }

    /// `c` rounded to `S`.
    @inlinable func constant(_ c: Double) -> ElementValue { ElementValue(S(c)) }
}

extension Activation {
    /// The epilogue of a fused product: each element c of `tile` becomes activation(c + bias[j])
    /// (or activation(bias[j] + c) when `biasFirst`, as the graph wrote the sum; j is the
    /// element's column), or activation(c) without a bias. The sum is the `add` primitive's and
    /// the activation ``callAsFunction(_:)`` in ``ElementValue``, so each element gets the bits
    /// the unfused operations give it.
    @inlinable
    func finish<S: TensorScalar>(_ tile: MatmulTile<S>, bias: UnsafePointer<S>?, biasFirst: Bool) {
        @inline(__always) func each(_ f: (S) -> S) {
            for i in 0..<tile.rows {
                let row = tile.base + i * tile.rowStride
                if let bias {
                    let b = bias + tile.firstColumn
                    if biasFirst {
                        for j in 0..<tile.columns { row[j] = f(Rules.Add.evaluate(b[j], row[j], 0)) }
                    } else {
                        for j in 0..<tile.columns { row[j] = f(Rules.Add.evaluate(row[j], b[j], 0)) }
                    }
                } else {
                    for j in 0..<tile.columns { row[j] = f(row[j]) }
                }
            }
        }
        switch self {
        case .identity: if bias != nil { each { $0 } }
        case .relu: each { Activation.relu(ElementValue($0)).value }
        case .tanh: each { Activation.tanh(ElementValue($0)).value }
        case .gelu: each { Activation.gelu(ElementValue($0)).value }
        case .geluTanh: each { Activation.geluTanh(ElementValue($0)).value }
        }
    }
}
