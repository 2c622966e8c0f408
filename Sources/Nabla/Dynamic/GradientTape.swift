/// A recording scope whose graph lives exactly as long as the closure: the fastest way to get
/// gradients in a hot loop, like TensorFlow's `GradientTape` or a JAX trace.
///
/// ```swift
/// let (g, dgda, dgdo) = GradientTape.record { tape in
///     let a = tape.variable(2), o = tape.variable(1)
///     let g = Tutorial.graph(a: a, o: o).g
///     tape.backward(g)
///     return (g.data, a.grad, o.grad)        // 47.0, -432.0, -1.0
/// }
/// ```
///
/// Inside the scope, values are ``TapeValue``s: the same operators and functions as ``Value``,
/// recorded on the same kind of tape, differentiated by the same rules. What differs is lifetime.
/// A ``Value`` holds its graph (a reference count per value, a tape allocated per graph); a
/// ``TapeValue`` is a plain index into a tape that the thread reuses from scope to scope, so
/// recording allocates nothing and counts no references. The graph is cleared when the closure
/// returns; a ``TapeValue`` used after that stops with a message, it never reads freed memory.
///
/// Parameters that outlive the scope are ``Value`` leaves: ``track(_:)`` brings one in, and
/// ``backward(_:)`` adds into its `grad`, as `Value.backward()` does.
public struct GradientTape: ~Copyable {
    @usableFromInline unowned(unsafe) let tape: Tape

    @usableFromInline init(tape: Tape) { self.tape = tape }

    /// Runs `body` with a fresh tape and clears it afterwards. Scopes may nest.
    @inlinable
    public static func record<Result>(_ body: (borrowing GradientTape) throws -> Result) rethrows -> Result {
        let context = RecordingContext.forThisThread
        let tape = context.enterScope()
        defer { context.leaveScope() }
        return try body(GradientTape(tape: tape))
    }

    /// An input to differentiate with respect to (a leaf of this scope).
    @inlinable
    public func variable(_ x: Double) -> TapeValue {
        TapeValue(data: x, index: tape.storage.append(.input, -1, -1, 0, x), tape: tape)
    }

    /// A constant: no gradient flows into it.
    @inlinable
    public func constant(_ x: Double) -> TapeValue { TapeValue(data: x, index: -1, tape: tape) }

    /// A ``Value`` leaf (a parameter) brought into the scope; ``backward(_:)`` adds into its
    /// `grad`. A value that is not a leaf comes in as a constant.
    public func track(_ parameter: Value) -> TapeValue {
        guard let leaf = parameter.leaf else { return constant(parameter.data) }
        return TapeValue(data: leaf.data, index: tape.index(of: leaf), tape: tape)
    }

    /// Reverse mode from `output`: afterwards ``TapeValue/grad`` of every value recorded before
    /// `output` is d(output)/d(value), and tracked parameters have the derivative added to their
    /// `grad`. Calling it again replaces the scope's gradients (and adds to the parameters' again).
    @inlinable
    public func backward(_ output: TapeValue, seed: Double = 1) {
        output.checkScope("backward")
        guard output.index >= 0 else { return }
        Unmanaged.passUnretained(tape)._withUnsafeGuaranteedRef { tape in
            let grads = tape.scopeGradients(count: Int(output.index) + 1)
            tape.backpropagate(from: output.index, seed: seed, into: grads)
            if !tape.storage.leaves.isEmpty { tape.accumulateIntoLeaves(grads) }
        }
    }

    /// d(output)/d(x) for each `x`, as numbers (runs ``backward(_:seed:)``).
    public func gradients(of output: TapeValue, wrt values: [TapeValue]) -> [Double] {
        backward(output)
        return values.map(\.grad)
    }

    /// The derivatives d(output)/d(x) as values recorded on this tape, which can be
    /// differentiated again (second derivatives, Hessians).
    public func differentiableGradients(of output: TapeValue, wrt values: [TapeValue]) -> [TapeValue] {
        output.checkScope("differentiableGradients")
        guard output.index >= 0 else { return values.map { _ in constant(0) } }
        let tape = self.tape
        let adjoints = tape.differentiableGradients(from: output.index, seed: constant(1)) { i in
            TapeValue(data: tape.storage.values[Int(i)], index: i, tape: tape)
        }
        return values.map { v in
            v.checkScope("differentiableGradients")
            return v.index >= 0 && Int(v.index) < adjoints.count ? adjoints[Int(v.index)] ?? constant(0) : constant(0)
        }
    }

    /// How many nodes the scope has recorded.
    public var nodeCount: Int { tape.count }
}

/// A scalar recorded on a ``GradientTape``: an index into the scope's tape. Valid inside the
/// scope that made it.
public struct TapeValue {
    /// The number this value holds.
    public let data: Double
    /// The node index on the tape; −1 for a constant.
    @usableFromInline let index: Int32
    @usableFromInline let generation: UInt32
    /// The scope's tape. Tapes used by scopes are never freed, so this is always valid memory;
    /// the generation says whether it still holds this value's scope.
    @usableFromInline unowned(unsafe) let tape: Tape

    @inlinable
    init(data: Double, index: Int32, tape: Tape) {
        self.data = data
        self.index = index
        self.generation = tape.generation
        self.tape = tape
    }

    /// d(output)/d(self) after ``GradientTape/backward(_:seed:)``; 0 before it, for constants,
    /// and for values recorded after the output.
    @inlinable
    public var grad: Double {
        checkScope("grad")
        return Unmanaged.passUnretained(tape)._withUnsafeGuaranteedRef { tape in
            index >= 0 && Int(index) < tape.scopeGradientCount ? Gradient.value(tape.scopeGradientBuffer[Int(index)]) : 0
        }
    }

    @inlinable @inline(__always)
    func checkScope(_ operation: StaticString) {
        if generation != Unmanaged.passUnretained(tape)._withUnsafeGuaranteedRef({ $0.generation }) { outsideScope("\(operation)") }
    }

    @inlinable @inline(__always)
    func checkScope(_ primitive: Primitive) {
        if generation != Unmanaged.passUnretained(tape)._withUnsafeGuaranteedRef({ $0.generation }) { outsideScope(primitive.name) }
    }

    @usableFromInline
    func outsideScope(_ operation: String) -> Never {
        requirementFailed("Nabla: \(operation) on a TapeValue outside the GradientTape.record scope that made it; use its data, or a Value, to keep it")
    }
}

extension TapeValue: GraphScalar {
    /// Computes `primitive` and records it on the scope's tape (a constant result when no operand
    /// is recorded, or under no-grad). A value from a scope that has ended, or operands of two
    /// scopes, stop with a message.
    @inlinable @inline(__always)
    public static func apply(_ primitive: Primitive, _ x: TapeValue, _ y: TapeValue, constant c: Double) -> TapeValue {
        // The tape is used through an unmanaged reference: a strong local would cost a retain
        // and a release per op, which is what TapeValue exists to avoid.
        Unmanaged.passUnretained(x.tape)._withUnsafeGuaranteedRef { tape in
            x.checkScope(primitive)
            let binary = primitive.arity == 2
            if binary && (y.tape !== tape || y.generation != x.generation) { y.checkScope(primitive); mixedScopes(primitive) }
            let result = primitive.evaluate(x.data, y.data, c)
            let mode = tape.recordingMode.pointee
            if (mode != 0 && tape.context.noGradDepth > 0) || (x.index < 0 && (!binary || y.index < 0)) {
                return TapeValue(data: result, index: -1, tape: tape)
            }
            let i = x.index >= 0 ? x.index : tape.storage.append(.constant, -1, -1, x.data, x.data)
            let j = !binary ? i : y.index >= 0 ? y.index : tape.storage.append(.constant, -1, -1, y.data, y.data)
            let index = tape.storage.append(primitive, i, j, c, result)
            if _slowPath(mode != 0) { tape.noteRecordedInSpecialMode(index) }
            return TapeValue(data: result, index: index, tape: tape)
        }
    }

    /// A constant `c` in this value's scope: nothing recorded, no gradient flows into it.
    @inlinable
    public func constant(_ c: Double) -> TapeValue { TapeValue(data: c, index: -1, tape: tape) }

    @usableFromInline
    static func mixedScopes(_ primitive: Primitive) -> Never {
        requirementFailed("Nabla: \(primitive.name) combines TapeValues of two different GradientTape scopes")
    }
}

extension TapeValue: CustomStringConvertible {
    /// `TapeValue(data)`.
    public var description: String { "TapeValue(\(data))" }
}
