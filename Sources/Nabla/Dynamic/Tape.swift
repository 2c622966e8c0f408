/// The recording behind dynamic ``Value``s: nodes in contiguous arrays, addressed by index.
///
/// A node is an op code, up to two operand indices, a constant and its value. Operands always
/// have smaller indices than the node that reads them, so the tape is in topological order as it
/// is written, and backward is a single loop from the output down: nothing recurses, whatever the
/// depth. There are no closures and no object per node, so there is nothing to form a retain
/// cycle, and freeing a graph of ten million nodes is freeing five arrays.
///
/// The arrays live behind a `let` pointer (``TapeStorage``), so the hot loops read and write them
/// without Swift's run-time exclusivity checks.
///
/// Lifetime: every ``Value`` computed on the tape holds it strongly; the tape is freed when the
/// last of them goes. Leaves (values made with `requiresGrad: true`) live outside any tape, in
/// ``Leaf`` objects, so parameters outlive the per-step graphs of a training loop.
@usableFromInline
final class Tape {
    @usableFromInline let storage: UnsafeMutablePointer<TapeStorage>
    /// A number no other tape of this process has, so leaves can cache their index on it.
    @usableFromInline let serial: UInt64
    /// The per-thread context this tape was created in.
    @usableFromInline let context: RecordingContext
    /// Leaves recorded on this tape and their node indices, for writing gradients back.
    @usableFromInline var leaves: [(index: Int32, leaf: Leaf)] = []
    /// Names given with ``Value/named(_:)``.
    @usableFromInline var names: [Int32: String] = [:]

    init(context: RecordingContext, serial: UInt64) {
        self.context = context
        self.serial = serial
        storage = .allocate(capacity: 1)
        storage.initialize(to: TapeStorage(capacity: 64))
        context.liveTapes += 1
    }

    deinit {
        storage.pointee.deallocate()
        storage.deinitialize(count: 1)
        storage.deallocate()
        context.liveTapes -= 1
        context.tapeWasFreed(self)
    }

    @inlinable var count: Int { storage.pointee.count }

    /// The node index of `leaf` on this tape, recording it as an input node the first time.
    @inlinable
    func index(of leaf: Leaf) -> Int32 {
        if leaf.tapeSerial == serial { return leaf.tapeIndex }
        let index = storage.pointee.append(.input, -1, -1, 0, leaf.data)
        leaf.tapeSerial = serial
        leaf.tapeIndex = index
        leaves.append((index, leaf))
        return index
    }
}

/// The node arrays of a ``Tape``, grown by doubling.
@usableFromInline
struct TapeStorage {
    @usableFromInline var count = 0
    @usableFromInline var capacity: Int
    @usableFromInline var ops: UnsafeMutablePointer<Primitive>
    @usableFromInline var lhs: UnsafeMutablePointer<Int32>
    @usableFromInline var rhs: UnsafeMutablePointer<Int32>
    @usableFromInline var constants: UnsafeMutablePointer<Double>
    @usableFromInline var values: UnsafeMutablePointer<Double>

    init(capacity: Int) {
        self.capacity = capacity
        ops = .allocate(capacity: capacity)
        lhs = .allocate(capacity: capacity)
        rhs = .allocate(capacity: capacity)
        constants = .allocate(capacity: capacity)
        values = .allocate(capacity: capacity)
    }

    func deallocate() {
        ops.deallocate(); lhs.deallocate(); rhs.deallocate(); constants.deallocate(); values.deallocate()
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

    @usableFromInline
    mutating func grow() {
        precondition(capacity < Int(Int32.max), "Nabla: a tape holds at most \(Int32.max) nodes")
        let newCapacity = Swift.min(capacity * 2, Int(Int32.max))
        func moved<T>(_ old: UnsafeMutablePointer<T>) -> UnsafeMutablePointer<T> {
            let new = UnsafeMutablePointer<T>.allocate(capacity: newCapacity)
            new.moveInitialize(from: old, count: count)
            old.deallocate()
            return new
        }
        ops = moved(ops); lhs = moved(lhs); rhs = moved(rhs); constants = moved(constants); values = moved(values)
        capacity = newCapacity
    }
}

/// A value that requires gradients and lives outside any tape: a parameter or an input.
/// It keeps its own value and accumulated gradient across graphs.
@usableFromInline
final class Leaf {
    @usableFromInline var data: Double
    @usableFromInline var grad: Double = 0
    @usableFromInline var name: String?
    /// The tape this leaf was last recorded on (its serial) and its index there.
    @usableFromInline var tapeSerial: UInt64 = 0
    @usableFromInline var tapeIndex: Int32 = -1

    init(_ data: Double, name: String?) {
        self.data = data
        self.name = name
    }
}
