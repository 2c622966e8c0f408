/// The recording behind dynamic ``Tensor``s: nodes in an array, in the order they were made
/// (a topological order), each with its operation, operand indices and value. Same lifetime
/// rules as the scalar tape: tensors computed on it hold it; it is freed with the last of them;
/// backward ends it. Leaves live outside, in ``TensorLeaf`` objects.
@usableFromInline
final class TensorTape<Scalar: TensorScalar>: TensorOwner<Scalar> {
    @usableFromInline struct Node {
        var operation: TensorOperation
        var x: Int32
        var y: Int32
        var value: NDArray<Scalar>
        /// Whether a leaf that requires gradients is at or below this node (PyTorch's
        /// requires_grad): backward computes gradients only for such nodes.
        var requiresGrad: Bool
    }
    @exclusivity(unchecked) @usableFromInline var nodes: [Node] = []
    @exclusivity(unchecked) var leaves: [(index: Int32, leaf: TensorLeaf<Scalar>)] = []
    /// The call stacks of nodes recorded with anomaly detection on (see ``withAnomalyDetection(_:)``).
    @exclusivity(unchecked) var origins: [Int32: AnomalyDetector.CallStack] = [:]
    /// Gradient hooks and checkpoints recorded on this tape (Tensor+Hooks.swift, Checkpoint.swift);
    /// nil while there are none.
    @exclusivity(unchecked) var extras: TensorTapeExtras<Scalar>?
    let serial = RecordingContext.takeSerial()
    let context: RecordingContext

    init(context: RecordingContext) {
        self.context = context
        super.init()
    }

    deinit {
        context.tensorTapeWasFreed(self)
    }

    /// Stops with a message when the calling thread is not the one recording this tape: a graph
    /// belongs to its thread (``Tensor`` is not `Sendable`; code that forces one across threads
    /// would otherwise race on the tape and crash without a word).
    func requireThisThread(_ operation: String) {
        require(context === RecordingContext.forThisThread,
                "Tensor: \(operation) on a graph recorded by another thread; a graph belongs to the thread that records it (use detached() to pass values between threads)")
    }

    /// Appends a node; returns its index.
    @usableFromInline
    func append(_ operation: TensorOperation, _ x: Int32, _ y: Int32, _ value: NDArray<Scalar>, requiresGrad: Bool? = nil) -> Int32 {
        let needs = requiresGrad ?? ((x >= 0 && nodes[Int(x)].requiresGrad) || (y >= 0 && nodes[Int(y)].requiresGrad))
        nodes.append(Node(operation: operation, x: x, y: y, value: value, requiresGrad: needs))
        return Int32(nodes.count - 1)
    }

    /// The node index of `leaf`, recording it the first time.
    func index(of leaf: TensorLeaf<Scalar>) -> Int32 {
        if let extras, extras.isolatedLeaves != nil { return extras.isolatedIndex(of: leaf, on: self) }
        if leaf.tapeSerial == serial { return leaf.tapeIndex }
        let index = append(.leaf, -1, -1, leaf.data, requiresGrad: true)
        leaf.tapeSerial = serial
        leaf.tapeIndex = index
        leaves.append((index, leaf))
        return index
    }
}

/// What a ``Tensor`` refers to: its tape or its leaf.
@usableFromInline
class TensorOwner<Scalar: TensorScalar> {
    @usableFromInline init() {}
}

/// A tensor that requires gradients and lives outside any tape: a parameter or an input.
@usableFromInline
final class TensorLeaf<Scalar: TensorScalar>: TensorOwner<Scalar> {
    @usableFromInline var data: NDArray<Scalar>
    @usableFromInline var grad: NDArray<Scalar>?
    var tapeSerial: UInt64 = .max
    var tapeIndex: Int32 = -1
    /// Hooks on this leaf's gradient (Tensor+Hooks.swift).
    var hooks: [TensorHookBox<Scalar>] = []

    init(_ data: NDArray<Scalar>) {
        self.data = data
        super.init()
    }
}

extension RecordingContext {
    /// The tape new tensor graphs of element type `Scalar` start on. Held without a reference
    /// count (a weak reference would give every tape a side table and slow down every retain);
    /// a tape removes itself when it is freed or ended.
    func currentTensorTape<Scalar>(_: Scalar.Type) -> TensorTape<Scalar> {
        let key = ObjectIdentifier(Scalar.self)
        if let entry = tensorTapes[key] {
            return unsafeDowncast(entry.takeUnretainedValue(), to: TensorTape<Scalar>.self)
        }
        let tape = TensorTape<Scalar>(context: self)
        tensorTapes[key] = Unmanaged.passUnretained(tape)
        return tape
    }

    /// Forgets `tape` as a current tape (it was freed, or ended by backward).
    func endTensorTape(_ tape: AnyObject) {
        for (key, entry) in tensorTapes where entry.toOpaque() == Unmanaged.passUnretained(tape).toOpaque() {
            tensorTapes[key] = nil
        }
    }

    func tensorTapeWasFreed(_ tape: AnyObject) { endTensorTape(tape) }
}
