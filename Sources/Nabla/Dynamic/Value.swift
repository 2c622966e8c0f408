/// A scalar (`Double`) that records the computation producing it, for reverse-mode
/// differentiation: Nabla's dynamic graph (define by run), as in PyTorch's eager mode and
/// micrograd.
///
/// ```swift
/// let a = Value(2, requiresGrad: true), o = Value(1, requiresGrad: true)
/// let b = 5 - 3 * a
/// let g = 3 * (2 * (7 * (2 * b + 3) + pow(5 * b + 6, 2))) - o
/// g.backward()
/// print(g.data, a.grad, o.grad)   // 47.0 -432.0 -1.0
/// ```
///
/// A value is one of three things:
/// - a **leaf** (`Value(x, requiresGrad: true)`): a parameter or input that keeps its own
///   ``data`` and accumulated ``grad`` and outlives graphs;
/// - a **computed value**: a node on the current thread's tape, holding the tape alive;
/// - a **constant** (`Value(x)`, or anything computed without recording): no graph at all.
///
/// Values are cheap structs. They are not `Sendable`: a graph belongs to the thread that made it.
public struct Value {
    /// The value at the time it was computed (for leaves, see ``data``).
    @usableFromInline let primal: Double
    /// The node index on the tape for a computed value; −1 for a leaf or a constant.
    @usableFromInline let index: Int32
    /// The tape (for a computed value), the leaf (for a leaf), or nil (for a constant). One
    /// reference, not two, because copying a value costs a retain per reference.
    @usableFromInline let owner: ValueOwner?

    @inlinable
    init(primal: Double, tape: Tape?, index: Int32, leaf: Leaf?) {
        self.primal = primal
        self.index = index
        self.owner = tape ?? leaf
    }

    @inlinable
    init(primal: Double, on tape: Tape, index: Int32) {
        self.primal = primal
        self.index = index
        self.owner = tape
    }

    @inlinable
    init(constant: Double) {
        primal = constant
        index = -1
        owner = nil
    }

    /// The tape this value was computed on, if it was.
    @inlinable var tape: Tape? {
        guard index >= 0, let owner else { return nil }
        return unsafeDowncast(owner, to: Tape.self)
    }

    /// The leaf behind this value, if it is one.
    @inlinable var leaf: Leaf? {
        guard index < 0, let owner else { return nil }
        return unsafeDowncast(owner, to: Leaf.self)
    }

    /// A constant, or with `requiresGrad: true` a leaf whose gradient `backward()` fills.
    /// `name` is used by explanations and graph exports.
    public init(_ data: Double, requiresGrad: Bool = false, name: String? = nil) {
        if requiresGrad {
            self.init(primal: data, tape: nil, index: -1, leaf: Leaf(data, name: name))
        } else {
            self.init(primal: data, tape: nil, index: -1, leaf: nil)
        }
    }

    /// The number this value holds. Setting it is allowed on leaves only (it is how optimisers
    /// update parameters), and does not change values already computed from the leaf.
    @inlinable
    public var data: Double {
        get { leaf?.data ?? primal }
        nonmutating set {
            guard let leaf else {
                requirementFailed("Nabla: only a leaf (Value(_, requiresGrad: true)) can be assigned new data; this value was computed")
            }
            leaf.data = newValue
        }
    }

    /// The gradient accumulated into this leaf by `backward()`; 0 for values that are not leaves.
    /// Set it to 0 with ``zeroGrad()`` between steps, as in PyTorch.
    public var grad: Double {
        get { leaf?.grad ?? 0 }
        nonmutating set {
            guard let leaf else { requirementFailed("Nabla: only a leaf has a stored gradient; use gradients(wrt:) for computed values") }
            leaf.grad = newValue
        }
    }

    /// Sets this leaf's accumulated gradient to zero.
    public func zeroGrad() { leaf?.grad = 0 }

    /// Whether gradients flow to this value: true for leaves and for values computed from them.
    public var requiresGrad: Bool { tape != nil || leaf != nil }

    /// Whether this is a leaf made with `requiresGrad: true`.
    public var isLeaf: Bool { leaf != nil }

    /// The same number, cut off from the graph: a constant through which no gradient flows.
    public func detached() -> Value { Value(data) }

    /// A leaf's name, or a name given to a computed value with ``named(_:)``.
    public var name: String? {
        if let leaf { return leaf.name }
        if let tape { return tape.names[index] }
        return nil
    }

    /// Gives this value a name that explanations and captured graphs show. On a leaf it renames
    /// the leaf; on a computed value it names its node.
    @discardableResult
    public func named(_ name: String) -> Value {
        if let leaf { leaf.name = name } else if let tape { tape.names[index] = name }
        return self
    }
}

extension Value: CustomStringConvertible {
    /// `Value(data, grad: g)` for a leaf, `Value(data)` otherwise.
    public var description: String {
        if let leaf { return "Value(\(leaf.data), grad: \(leaf.grad))" }
        return "Value(\(primal))"
    }
}

extension Value: GraphScalar {
    /// Computes `primitive` and records it on the operands' tape.
    @inlinable @inline(__always)
    public static func apply(_ primitive: Primitive, _ x: Value, _ y: Value, constant c: Double) -> Value {
        let result = primitive.evaluate(x.data, y.data, c)
        // The common case: an operand computed on a tape, the other on the same tape or a
        // constant. Everything else (leaves, two tapes, no recording) takes the slow path.
        if x.index >= 0, let xOwner = x.owner, primitive.arity == 1 || y.owner == nil || y.owner === xOwner {
            return unsafeDowncast(xOwner, to: Tape.self).record(primitive, x.index, y, c, result)
        }
        return recordSlowly(primitive, x, y, c, result)
    }

    @usableFromInline
    static func recordSlowly(_ primitive: Primitive, _ x: Value, _ y: Value, _ c: Double, _ result: Double) -> Value {
        let binary = primitive.arity == 2
        // Find the tape: an operand's, or the thread's current one when only leaves take part.
        let tape: Tape
        if let t = x.tape {
            tape = t
            if binary, let u = y.tape, u !== t { mixedTapes(primitive) }
        } else if binary, let u = y.tape {
            tape = u
        } else if x.leaf != nil || (binary && y.leaf != nil) {
            let context = RecordingContext.forThisThread
            if context.noGradDepth > 0 { return Value(constant: result) }
            tape = context.currentTape()
        } else {
            return Value(constant: result)
        }
        if tape.context.noGradDepth > 0 { return Value(constant: result) }
        let i = x.index(on: tape)
        let j = binary ? y.index(on: tape) : i
        let index = tape.storage.append(primitive, i, j, c, result)
        tape.context.anomalyDetector?.recorded(on: tape, index)
        return Value(primal: result, on: tape, index: index)
    }

    /// A constant `c`: no tape, and no gradient flows into it.
    @inlinable
    public func constant(_ c: Double) -> Value { Value(constant: c) }

    /// This value's node index on `tape`, recording a leaf or a constant there if needed.
    @inlinable @inline(__always)
    func index(on tape: Tape) -> Int32 {
        if self.tape != nil { return index }
        if let leaf { return tape.index(of: leaf) }
        return tape.storage.append(.constant, -1, -1, primal, primal)
    }

    @usableFromInline
    static func mixedTapes(_ primitive: Primitive) -> Never {
        requirementFailed("""
            Nabla: \(primitive.name) combines values from two different graphs (one was ended by \
            backward(), or made on another thread). Use detached() on the older value, as with \
            PyTorch's detach(), or compute both in the same step.
            """)
    }
}
