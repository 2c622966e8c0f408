#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The recording behind dynamic ``Value``s: nodes in contiguous arrays, addressed by index.
///
/// A node is an op code, up to two operand indices, a constant and its value. Operands always
/// have smaller indices than the node that reads them, so the tape is in topological order as it
/// is written, and backward is a single loop from the output down: nothing recurses, whatever the
/// depth. There are no closures and no object per node, so there is nothing to form a retain
/// cycle, and freeing a graph of ten million nodes is freeing five arrays.
///
/// The arrays are raw buffers in ``TapeStorage``, read and written without Swift's run-time
/// exclusivity checks; small ones are recycled by the thread's ``RecordingContext``, so a small
/// graph built per step allocates nothing but its tape object.
///
/// Lifetime: every ``Value`` computed on the tape holds it strongly; the tape is freed when the
/// last of them goes. Leaves (values made with `requiresGrad: true`) live outside any tape, in
/// ``Leaf`` objects, so parameters outlive the per-step graphs of a training loop.
/// What a ``Value`` refers to: its ``Tape`` or its ``Leaf``.
@usableFromInline
class ValueOwner {
    @usableFromInline init() {}
}

@usableFromInline
final class Tape: ValueOwner {
    /// The nodes. Exclusivity is not checked at run time: a tape is confined to one thread, and
    /// no method holds an access across a call that could reenter.
    @exclusivity(unchecked) @usableFromInline var storage: TapeStorage
    /// A number no other tape (or scope of a reused tape) of this process has, so leaves can
    /// cache their index on it.
    @exclusivity(unchecked) @usableFromInline var serial: UInt64
    /// For tapes reused by ``GradientTape`` scopes: bumped when a scope starts and ends, so a
    /// ``TapeValue`` from an earlier scope is recognised.
    @exclusivity(unchecked) @usableFromInline var generation: UInt32 = 0
    /// The per-thread context this tape was created in.
    @usableFromInline let context: RecordingContext
    /// The context's recording mode (``RecordingContext/modePointer``), read without touching
    /// the context: zero for plain recording.
    @usableFromInline let recordingMode: UnsafeMutablePointer<Int>
    /// The call stacks of nodes recorded with anomaly detection on (see ``withAnomalyDetection(_:)``).
    @exclusivity(unchecked) var origins: [Int32: AnomalyDetector.CallStack] = [:]
    /// Names given with ``Value/named(_:)``.
    @exclusivity(unchecked) @usableFromInline var names: [Int32: String] = [:]
    /// The custom functions (``DifferentiableScalarFunction``) recorded, by their `custom` node.
    @exclusivity(unchecked) var customFunctions: [Int32: CustomScalarFunctionCall] = [:]

    init(context: RecordingContext, serial: UInt64) {
        self.context = context
        self.recordingMode = context.modePointer
        self.serial = serial
        storage = context.takeStorage()
    }

    /// Records a node whose first operand (`x`) is on this tape and whose second is on this
    /// tape, a leaf or a constant.
    @inlinable
    func record(_ primitive: Primitive, _ x: Int32, _ y: Value, _ c: Double, _ result: Double) -> Value {
        if _slowPath(recordingMode.pointee != 0) { return recordInSpecialMode(primitive, x, y, c, result) }
        let j: Int32 = primitive.arity == 2 ? y.index(on: self) : x
        let index = storage.append(primitive, x, j, c, result)
        return Value(primal: result, on: self, index: index)
    }

    /// ``record(_:_:_:_:_:)`` without recording (no-grad) or with anomaly detection.
    @usableFromInline
    func recordInSpecialMode(_ primitive: Primitive, _ x: Int32, _ y: Value, _ c: Double, _ result: Double) -> Value {
        if context.noGradDepth > 0 { return Value(constant: result) }
        let j: Int32 = primitive.arity == 2 ? y.index(on: self) : x
        let index = storage.append(primitive, x, j, c, result)
        context.anomalyDetector?.recorded(on: self, index)
        return Value(primal: result, on: self, index: index)
    }

    /// Tells the thread's anomaly detector, if any, that node `index` was recorded.
    @usableFromInline
    func noteRecordedInSpecialMode(_ index: Int32) {
        context.anomalyDetector?.recorded(on: self, index)
    }

    deinit {
        scopeGradientBuffer.deallocate()
        context.tapeWasFreed(self)
        context.recycle(storage)
    }

    @inlinable var count: Int { storage.count }

    // MARK: Scopes (GradientTape)

    /// The gradients of the last backward pass of a scope.
    @exclusivity(unchecked) @usableFromInline var scopeGradientBuffer = UnsafeMutablePointer<Double>.allocate(capacity: 64)
    @exclusivity(unchecked) @usableFromInline var scopeGradientCapacity = 64
    @exclusivity(unchecked) @usableFromInline var scopeGradientCount = 0

    /// A gradient buffer of `count` entries filled with `Gradient.unreached`, kept until the
    /// scope ends.
    @inlinable
    func scopeGradients(count: Int) -> UnsafeMutableBufferPointer<Double> {
        if count > scopeGradientCapacity {
            scopeGradientBuffer.deallocate()
            scopeGradientCapacity = Swift.max(count, 2 * scopeGradientCapacity)
            scopeGradientBuffer = .allocate(capacity: scopeGradientCapacity)
        }
        scopeGradientCount = count
        let buffer = UnsafeMutableBufferPointer(start: scopeGradientBuffer, count: count)
        buffer.update(repeating: Gradient.unreached)
        return buffer
    }

    /// Forgets the scope's nodes. Small buffers are kept for the next scope; so are larger ones,
    /// up to ``RecordingContext/recycledScopeCapacity`` nodes, that this scope used well (at
    /// least a quarter), since a training loop records a graph of the same size every step and
    /// regrowing it each time cost two thirds of micrograd's demo step in copies and page faults.
    /// A large buffer that a scope hardly used (the scope after a one-off big one) is freed, and
    /// so is anything larger.
    func clearScope() {
        let usedGradients = scopeGradientCount
        scopeGradientCount = 0
        if !names.isEmpty { names.removeAll() }
        if !customFunctions.isEmpty { customFunctions.removeAll() }
        if !origins.isEmpty { origins.removeAll() }
        let limit = RecordingContext.recycledScopeCapacity
        if storage.capacity > RecordingContext.recycledCapacity && (storage.count < storage.capacity / 4 || storage.capacity > limit) {
            storage.deallocate()
            storage = TapeStorage(capacity: 64)
        } else {
            storage.reset()
        }
        if scopeGradientCapacity > RecordingContext.recycledCapacity && (usedGradients < scopeGradientCapacity / 4 || scopeGradientCapacity > limit) {
            scopeGradientBuffer.deallocate()
            scopeGradientBuffer = .allocate(capacity: 64)
            scopeGradientCapacity = 64
        }
    }

    /// The node index of `leaf` on this tape, recording it as an input node the first time.
    @inlinable
    func index(of leaf: Leaf) -> Int32 {
        if leaf.tapeSerial == serial { return leaf.tapeIndex }
        if serial == 0 { serial = RecordingContext.takeSerial() }   // a scope's tape, first leaf
        let index = storage.append(.input, -1, -1, 0, leaf.data)
        leaf.tapeSerial = serial
        leaf.tapeIndex = index
        storage.leaves.append((index, leaf))
        return index
    }
}

/// The node arrays of a ``Tape``, grown by doubling. A unary node stores its operand in both
/// `lhs` and `rhs`, so backward reads both without asking the op's arity.
@usableFromInline
struct TapeStorage {
    @usableFromInline var count = 0
    @usableFromInline var capacity: Int
    @usableFromInline var ops: UnsafeMutablePointer<Primitive>
    @usableFromInline var lhs: UnsafeMutablePointer<Int32>
    @usableFromInline var rhs: UnsafeMutablePointer<Int32>
    @usableFromInline var constants: UnsafeMutablePointer<Double>
    @usableFromInline var values: UnsafeMutablePointer<Double>
    /// Leaves recorded on the tape and their node indices, for writing gradients back.
    @usableFromInline var leaves: [(index: Int32, leaf: Leaf)] = []

    init(capacity: Int) {
        self.capacity = capacity
        func allocate<T>(_: T.Type) -> UnsafeMutablePointer<T> {
            malloc(capacity * MemoryLayout<T>.stride)!.bindMemory(to: T.self, capacity: capacity)
        }
        ops = allocate(Primitive.self)
        lhs = allocate(Int32.self)
        rhs = allocate(Int32.self)
        constants = allocate(Double.self)
        values = allocate(Double.self)
    }

    /// Forgets every node, keeping the memory.
    mutating func reset() {
        count = 0
        if !leaves.isEmpty { leaves.removeAll(keepingCapacity: true) }
    }

    func deallocate() {
        free(ops); free(lhs); free(rhs); free(constants); free(values)
    }

    /// Appends a node and returns its index. Indices are `Int32`: a tape holds up to 2³¹ − 1 nodes.
    @inlinable @inline(__always)
    mutating func append(_ op: Primitive, _ x: Int32, _ y: Int32, _ c: Double, _ value: Double) -> Int32 {
        if count == capacity { grow() }
        let i = count
        ops[i] = op; lhs[i] = x; rhs[i] = y; constants[i] = c; values[i] = value
        count = i + 1
        return Int32(truncatingIfNeeded: i)
    }

    /// Doubles the capacity. `realloc` lets large buffers grow in place or be remapped by the
    /// kernel instead of copied.
    @usableFromInline
    mutating func grow() {
        require(capacity < Int(Int32.max), "Nabla: a tape holds at most \(Int32.max) nodes")
        let newCapacity = Swift.min(capacity * 2, Int(Int32.max))
        func grown<T>(_ old: UnsafeMutablePointer<T>) -> UnsafeMutablePointer<T> {
            guard let raw = realloc(old, newCapacity * MemoryLayout<T>.stride) else {
                fatalError("Nabla: out of memory growing a tape to \(newCapacity) nodes")
            }
            return raw.bindMemory(to: T.self, capacity: newCapacity)
        }
        ops = grown(ops); lhs = grown(lhs); rhs = grown(rhs); constants = grown(constants); values = grown(values)
        capacity = newCapacity
    }
}

/// A value that requires gradients and lives outside any tape: a parameter or an input.
/// It keeps its own value and accumulated gradient across graphs.
@usableFromInline
final class Leaf: ValueOwner {
    // Exclusivity is not checked at run time: these are plain numbers, read and written by
    // single statements, on the thread that owns the graph.
    @exclusivity(unchecked) @usableFromInline var data: Double
    @exclusivity(unchecked) @usableFromInline var grad: Double = 0
    @usableFromInline var name: String?
    /// The tape this leaf was last recorded on (its serial; 0 is never a tape's) and its index
    /// there.
    @exclusivity(unchecked) @usableFromInline var tapeSerial: UInt64 = .max
    @exclusivity(unchecked) @usableFromInline var tapeIndex: Int32 = -1

    init(_ data: Double, name: String?) {
        self.data = data
        self.name = name
        super.init()
    }
}
