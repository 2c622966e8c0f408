/// A static graph over tensors (define, then run): named inputs with shapes, constants, and the
/// same operations and derivative rules as dynamic ``Tensor``s. Shapes are inferred as the graph
/// is built, by each operation's shape rule; the first mismatch is kept and thrown by
/// ``check()``, ``gradients(of:wrt:)`` and ``compile(_:)``, naming the op and both shapes.
///
/// ```swift
/// let graph = TensorGraph<Float>()
/// let x = graph.input("x", shape: [64, 784]), w = graph.input("w", shape: [784, 10])
/// let loss = x.matmul(w).crossEntropy(labels: labels)
/// let program = try graph.compile([loss] + graph.gradients(of: loss, wrt: [w]))
/// let outputs = try program.run(["x": batch, "w": weights])
/// ```
///
/// Shapes are fixed when declared; for an open (batch) dimension, see ``TensorFunction``, which
/// compiles a graph per input shape.
public final class TensorGraph<Scalar: TensorScalar> {
    struct Node {
        var operation: TensorOperation
        var x: Int32
        var y: Int32
        var shape: Shape
        /// For inputs: the name; for constants: the value.
        var name: String?
        var constant: NDArray<Scalar>?
    }
    var nodes: [Node] = []
    /// The first shape mismatch met while building.
    public private(set) var error: TensorShapeError?
    var inputNodes: [String: Int32] = [:]
    /// The custom differentiable functions applied in this graph, by their marker node's id
    /// (see TensorGraph+CustomFunction.swift).
    var customFunctions: [Int32: CustomFunctionMarker] = [:]
    /// Constant nodes that reverse mode treats as variables: the zero seeds through which a
    /// custom function's tangent is derived from its VJP.
    var gradientVariables: Set<Int32> = []
    /// The first node ``gradients(of:wrt:)`` made, if it was called (for the compilation log).
    var firstGradientNode: Int?
    /// The loops recorded in this graph and the roles of their nodes (see Loops/TensorGraphLoop.swift).
    var loopState = TensorLoopState()

    /// An empty graph, to which ``input(_:shape:)`` and ``constant(_:)`` add leaves.
    public init() {}

    /// A named input of a fixed shape. Asking again for the same name gives the same node.
    public func input(_ name: String, shape: Shape) -> TensorSymbol<Scalar> {
        if let id = inputNodes[name] {
            if nodes[Int(id)].shape != shape && error == nil {
                error = TensorShapeError(operation: "input '\(name)'", shapes: [nodes[Int(id)].shape, shape], reason: "declared twice with different shapes")
            }
            return TensorSymbol(graph: self, id: id)
        }
        nodes.append(Node(operation: .leaf, x: -1, y: -1, shape: shape, name: name))
        inputNodes[name] = Int32(nodes.count - 1)
        return TensorSymbol(graph: self, id: Int32(nodes.count - 1))
    }

    /// A constant tensor.
    public func constant(_ value: NDArray<Scalar>) -> TensorSymbol<Scalar> {
        nodes.append(Node(operation: .leaf, x: -1, y: -1, shape: value.shape, constant: value))
        return TensorSymbol(graph: self, id: Int32(nodes.count - 1))
    }

    /// Keeps `error` unless an earlier mismatch was met (the first one is reported).
    func record(_ error: TensorShapeError) {
        if self.error == nil { self.error = error }
    }

    /// Throws the first shape mismatch met while building, if any.
    public func check() throws(TensorShapeError) {
        if let error { throw error }
    }

    func append(_ operation: TensorOperation, _ x: Int32, _ y: Int32) -> Int32 {
        if !loopState.loops.isEmpty { checkLoopScope(x, y, operation) }
        let shape: Shape
        switch operation.outputShape(nodes[Int(x)].shape, nodes[Int(y)].shape) {
        case .success(let s): shape = s
        case .failure(let e):
            if error == nil { error = e }
            shape = nodes[Int(x)].shape   // keep building; compile will throw
        }
        nodes.append(Node(operation: operation, x: x, y: y, shape: shape))
        return Int32(nodes.count - 1)
    }

    /// Adds nodes computing d(output)/d(x) for each x (seeded with ones: the output's elements
    /// are summed, as a scalar loss is).
    public func gradients(of output: TensorSymbol<Scalar>, wrt symbols: [TensorSymbol<Scalar>]) throws(TensorShapeError) -> [TensorSymbol<Scalar>] {
        try check()
        let results = recordedGradients(of: output, wrt: symbols)
        try check()
        return results
    }

    /// `gradients(of:wrt:)` without the checks: a mismatch met while building is recorded.
    func recordedGradients(of output: TensorSymbol<Scalar>, wrt symbols: [TensorSymbol<Scalar>]) -> [TensorSymbol<Scalar>] {
        if !loopState.loops.isEmpty { return loopAwareGradients(of: output, wrt: symbols) }
        let root = Int(output.id)
        if firstGradientNode == nil { firstGradientNode = nodes.count }
        var adjoints = [TensorSymbol<Scalar>?](repeating: nil, count: root + 1)
        adjoints[root] = constant(NDArray.ones(output.shape))
        for i in stride(from: root, through: 0, by: -1) {
            guard let seed = adjoints[i] else { continue }
            if let custom = customFunctions[Int32(i)] {
                customPullback(at: Int32(i), custom, seed: seed, into: &adjoints)
                continue
            }
            let node = nodes[i]
            guard node.operation.arity > 0 else { continue }
            let x = TensorSymbol(graph: self, id: node.x), y = TensorSymbol(graph: self, id: node.y)
            let needs = (requiresGrad(node.x), requiresGrad(node.y))
            let (gx, gy) = node.operation.pullback(x, y, output: TensorSymbol(graph: self, id: Int32(i)), seed: seed, needs: needs)
            if needs.0, let gx { TensorTape<Scalar>.accumulate(gx.summed(toShape: x.shape), into: &adjoints[Int(node.x)]) }
            if node.operation.arity == 2, needs.1, let gy { TensorTape<Scalar>.accumulate(gy.summed(toShape: y.shape), into: &adjoints[Int(node.y)]) }
        }
        return symbols.map { s in (Int(s.id) < adjoints.count ? adjoints[Int(s.id)] : nil) ?? constant(NDArray.zeros(s.shape)) }
    }

    /// Whether an input is at or below node `id` (constants need no gradient; a custom
    /// function's marker needs one when one of its inputs does).
    func requiresGrad(_ id: Int32) -> Bool {
        // Nodes only read earlier nodes; memoised per node. (A marker and a gradient variable
        // are registered as soon as they are appended, before anything asks about them.)
        if requiresGradCache.count < nodes.count {
            for k in requiresGradCache.count..<nodes.count {
                let n = nodes[k]
                if let custom = customFunctions[Int32(k)] {
                    requiresGradCache.append(custom.inputs.contains { requiresGradCache[Int($0)] })
                    continue
                }
                requiresGradCache.append(n.operation.arity == 0 ? n.name != nil || gradientVariables.contains(Int32(k)) || loopValueRequiresGrad(Int32(k), requiresGradCache)
                    : requiresGradCache[Int(n.x)] || (n.operation.arity == 2 && requiresGradCache[Int(n.y)]))
            }
        }
        return requiresGradCache[Int(id)]
    }
    private var requiresGradCache: [Bool] = []

    /// Compiles the nodes the outputs need into a program.
    public func compile(_ outputs: [TensorSymbol<Scalar>]) throws(TensorShapeError) -> TensorProgram<Scalar> {
        try check()
        if !loopState.loops.isEmpty { return compileWithLoops(outputs.map(\.id)) }
        var live = [Bool](repeating: false, count: nodes.count)
        for o in outputs { live[Int(o.id)] = true }
        for i in stride(from: nodes.count - 1, through: 0, by: -1) where live[i] {
            let arity = nodes[i].operation.arity
            if arity >= 1 { live[Int(nodes[i].x)] = true }
            if arity == 2 { live[Int(nodes[i].y)] = true }
        }
        var slotOf = [Int32](repeating: -1, count: nodes.count)
        var steps: [TensorProgram<Scalar>.Step] = []
        var shapes: [Shape] = []
        var inputs: [(name: String, shape: Shape, slot: Int32)] = []
        for i in nodes.indices where live[i] {
            let node = nodes[i]
            slotOf[i] = Int32(steps.count)
            shapes.append(node.shape)
            if let name = node.name { inputs.append((name, node.shape, slotOf[i])) }
            steps.append(.init(operation: node.operation, x: node.x >= 0 ? slotOf[Int(node.x)] : -1,
                               y: node.y >= 0 ? slotOf[Int(node.y)] : -1, constant: node.constant, isInput: node.name != nil))
        }
        let outputSlots = outputs.map { slotOf[Int($0.id)] }
        return TensorProgram(fusing: steps, shapes: shapes, inputs: inputs, outputs: outputSlots)
    }
}

extension TensorProgram {
    /// Tensors of at most this many elements have their unary elementwise chains fused: there
    /// the program loop's cost per step is what fusion saves.
    static var fusedElementLimit: Int { 64 }
    /// Tensors of at least this many bytes have their chains fused too, and run a block of
    /// ``fusionBlockElements`` at a time through the whole chain: above the last-level cache, a
    /// pass per op streams the tensor from memory each time, a fused chain once. Measured here
    /// (a 6-op chain of cheap ops on Float, one thread): 4 MiB 0.084 ns/element/op a pass each
    /// against 0.090 fused (7% slower), 16 MiB 0.197 against 0.193 (even), 32 MiB 0.210 against
    /// 0.112 (1.9×), 128 MiB 0.266 against 0.115 (2.3×); ops bound by arithmetic (tanh) gain
    /// nothing and lose nothing. So from 16 MiB on.
    static var fusedByteThreshold: Int { 16 << 20 }
    /// Elements per block of a fused chain on a large tensor (4 KiB of Float: within L1).
    static var fusionBlockElements: Int { 1024 }

    /// Fuses each chain of unary elementwise steps (x → f₁ → f₂ → … → fₙ, every intermediate
    /// read only by the next and not an output) on small tensors (at most ``fusedElementLimit``
    /// elements) or large ones (at least ``fusedByteThreshold`` bytes) into its last step, which
    /// then runs each element through f₁, …, fₙ: the intermediates are never stored and the
    /// program loop runs once per chain rather than once per op, which is what costs most on
    /// small tensors (a chain of 1,000 ops on 8 elements: 0.065 → 0.03 µs per op); a large
    /// tensor goes through the chain a block at a time, read from memory once rather than once
    /// per op. Tensors in between are left alone: their elementwise ops already run in place, a
    /// pass each, within the cache. The same operations in the same order, so the same numbers
    /// bit for bit.
    static func fusingElementwiseChains(_ steps: [Step], counts: [Int], outputs: [Int32]) -> (steps: [Step], chains: [[(primitive: Primitive, constant: Double)]]) {
        var steps = steps
        var chainOf: [Int: [(primitive: Primitive, constant: Double)]] = [:]
        var readers = [Int](repeating: 0, count: steps.count)
        for step in steps {
            if step.x >= 0 { readers[Int(step.x)] += 1 }
            if step.y >= 0, step.y != step.x { readers[Int(step.y)] += 1 }
            for operand in step.epilogue?.operands ?? [] { readers[Int(operand)] += 1 }
            if let target = step.accumulation?.target { readers[Int(target)] += 1 }
        }
        for o in outputs { readers[Int(o)] += 2 }
        func unary(_ k: Int) -> (Primitive, Double)? {
            let step = steps[k]
            let bytes = counts[k] * MemoryLayout<Scalar>.size
            guard counts[k] <= fusedElementLimit || bytes >= fusedByteThreshold, !step.isInput, !step.isFused, step.constant == nil,
                  step.epilogue == nil, case .elementwise(let p, let c) = step.operation, p.arity == 1 else { return nil }
            return (p, c)
        }
        for k in steps.indices {
            guard let op = unary(k) else { continue }
            let source = Int(steps[k].x)
            // Extend the chain that ends at this step's operand, if that operand is a unary step
            // (fused or not) read by this step alone.
            if source >= 0, readers[source] == 1, let first = unary(source) {
                chainOf[k] = (chainOf.removeValue(forKey: source) ?? [first]) + [op]
                steps[k].x = steps[source].x
                steps[k].y = steps[source].x
                steps[source].isFused = true
                steps[source].x = -1
                steps[source].y = -1
            }
        }
        var chains: [[(primitive: Primitive, constant: Double)]] = []
        for k in chainOf.keys.sorted() {
            steps[k].chain = Int32(chains.count)
            chains.append(chainOf[k]!)
        }
        return (steps, chains)
    }
    /// The program of `steps` (whose values have `shapes`) after the fusion passes: matrix
    /// products with their bias and activation (TensorProgram+EpilogueFusion.swift), products
    /// added to a value in its storage (TensorProgram+AccumulationFusion.swift), then chains of
    /// unary elementwise operations. `outputs` and the values `loops` read stay computed.
    init(fusing steps: [Step], shapes: [Shape], inputs: [(name: String, shape: Shape, slot: Int32)], outputs: [Int32],
         loops: [CompiledTensorLoop<Scalar>] = []) {
        let kept = outputs + loops.flatMap(\.operandSlots)
        var (products, report) = Self.fusingEpilogues(steps, shapes: shapes, outputs: kept)
        products = Self.fusingAccumulations(products, shapes: shapes, outputs: kept, report: &report)
        let (fused, chains) = Self.fusingElementwiseChains(products, counts: shapes.map(\.count), outputs: kept)
        self.init(steps: fused, chains: chains, inputs: inputs, outputs: outputs, loops: loops, epilogueFusion: report)
    }

    init(steps: [Step], chains: [[(primitive: Primitive, constant: Double)]] = [], inputs: [(name: String, shape: Shape, slot: Int32)], outputs: [Int32],
         loops: [CompiledTensorLoop<Scalar>] = [], epilogueFusion: EpilogueFusionReport = EpilogueFusionReport()) {
        self.steps = steps
        self.loops = loops
        self.chains = chains
        self.inputs = inputs
        self.outputs = outputs
        self.epilogueFusion = epilogueFusion
        self.resultCount = outputs.count
        // Liveness: the last step reading each value; outputs live to the end.
        var lastUse = [Int32](repeating: -1, count: steps.count)
        for (k, step) in steps.enumerated() {
            if step.x >= 0 { lastUse[Int(step.x)] = Int32(k) }
            if step.y >= 0 { lastUse[Int(step.y)] = Int32(k) }
            for operand in step.epilogue?.operands ?? [] { lastUse[Int(operand)] = Int32(k) }
            if let target = step.accumulation?.target { lastUse[Int(target)] = Int32(k) }
        }
        for o in outputs + loops.flatMap(\.operandSlots) { lastUse[Int(o)] = Int32(steps.count) }
        self.lastUse = lastUse
    }
}

/// A node of a ``TensorGraph``: a tensor that will exist when the graph runs. Its operations
/// record nodes and infer their shapes, with the same derivative rules as ``Tensor``; a shape
/// mismatch does not stop but is kept in the graph and thrown by ``TensorGraph/check()``,
/// ``TensorGraph/gradients(of:wrt:)`` and ``TensorGraph/compile(_:)``.
public struct TensorSymbol<Scalar: TensorScalar> {
    /// The graph this node belongs to (held strongly: a symbol keeps its graph alive).
    public let graph: TensorGraph<Scalar>
    /// The node's index in its graph, in order of recording.
    public let id: Int32

    /// The shape inferred for this node.
    public var shape: Shape { graph.nodes[Int(id)].shape }

    static func record(_ operation: TensorOperation, _ x: TensorSymbol, _ y: TensorSymbol) -> TensorSymbol {
        require(x.graph === y.graph, "TensorSymbol: \(operation.name) combines symbols of two graphs")
        return TensorSymbol(graph: x.graph, id: x.graph.append(operation, x.id, y.id))
    }
}

extension TensorSymbol: DifferentiableTensor {
    /// Records `primitive` elementwise, NumPy broadcasting for binary ones; shapes that do not
    /// broadcast are kept in the graph and thrown by ``TensorGraph/check()``. Symbols of two graphs
    /// stop.
    public static func apply(_ primitive: Primitive, _ x: TensorSymbol, _ y: TensorSymbol, constant c: Double) -> TensorSymbol {
        record(.elementwise(primitive, constant: c), x, y)
    }
    /// A rank-0 constant node holding `c` (it broadcasts against anything).
    public func constant(_ c: Double) -> TensorSymbol { graph.constant(NDArray(Scalar(c))) }
    /// A constant node holding `array`, in the same graph.
    public func constant(_ array: NDArray<Scalar>) -> TensorSymbol { graph.constant(array) }
    /// Records a `stop_gradient` node: the same values, no gradient flowing back.
    public func stoppingGradient() -> TensorSymbol { .record(.stopGradient, self, self) }
    /// Records the error in the graph (thrown by `check()` and `compile`) instead of stopping.
    public func shapesHold(_ condition: Bool, _ error: @autoclosure () -> TensorShapeError) -> Bool {
        if !condition { graph.record(error()) }
        return condition
    }
    /// Records im2col: [N, C, H, W] to patches [N, C·kh·kw, OH·OW], as
    /// ``Tensor/patches(_:padValue:)``.
    public func patches(_ geometry: PatchGeometry, padValue: Double) -> TensorSymbol { .record(.unfold(geometry, padValue: padValue), self, self) }
    /// Records col2im into an image of `shape`, as ``Tensor/fromPatches(into:_:)``.
    public func fromPatches(into shape: Shape, _ geometry: PatchGeometry) -> TensorSymbol { .record(.fold(shape, geometry), self, self) }
    /// Records max pooling, as ``Tensor/maxPooled(_:)``.
    public func maxPooled(_ geometry: PatchGeometry) -> TensorSymbol { .record(.maxPool(geometry), self, self) }
    /// Records routing `values` to the pooling maxima, as ``Tensor/routedToPoolMaxima(_:_:)``.
    public func routedToPoolMaxima(_ values: TensorSymbol, _ geometry: PatchGeometry) -> TensorSymbol {
        .record(.routeToPoolMaxima(geometry), self, values)
    }
    /// Records picking `values` at the pooling maxima, as ``Tensor/pickedAtPoolMaxima(_:_:)``.
    public func pickedAtPoolMaxima(_ values: TensorSymbol, _ geometry: PatchGeometry) -> TensorSymbol {
        .record(.pickAtPoolMaxima(geometry), self, values)
    }
    /// Records a sum over `axes` (all when nil), as ``Tensor/sum(axes:keepingDimensions:)``.
    public func sum(axes: [Int]?, keepingDimensions: Bool) -> TensorSymbol { .record(.sum(axes: axes, keepingDimensions: keepingDimensions), self, self) }
    /// Records a broadcast to `shape` (`self` when the shape is already `shape`).
    public func broadcast(to shape: Shape) -> TensorSymbol { shape == self.shape ? self : .record(.broadcast(shape), self, self) }
    /// Records a reshape to `shape` of the same count (`self` when the shape is unchanged).
    public func reshaped(_ shape: Shape) -> TensorSymbol { shape == self.shape ? self : .record(.reshape(shape), self, self) }
    /// Records a permutation of the axes: axis k of the result is axis `permutation[k]`.
    public func permuted(_ permutation: [Int]) -> TensorSymbol { .record(.permute(permutation), self, self) }
    /// Records op(a)·op(b), op transposing the last two axes when asked; batch axes broadcast.
    public static func matmul(_ a: TensorSymbol, _ b: TensorSymbol, transposingA: Bool, transposingB: Bool) -> TensorSymbol {
        record(.matmul(transposingA: transposingA, transposingB: transposingB), a, b)
    }
    /// Records the largest entries over `axes` (all when nil), as
    /// ``Tensor/max(axes:keepingDimensions:)``.
    public func max(axes: [Int]?, keepingDimensions: Bool) -> TensorSymbol { .record(.reduceMaximum(axes: axes, keepingDimensions: keepingDimensions), self, self) }
    /// Records the smallest entries over `axes` (all when nil), as
    /// ``Tensor/min(axes:keepingDimensions:)``.
    public func min(axes: [Int]?, keepingDimensions: Bool) -> TensorSymbol { .record(.reduceMinimum(axes: axes, keepingDimensions: keepingDimensions), self, self) }
    /// Records the product over `axes` (all when nil), as
    /// ``Tensor/product(axes:keepingDimensions:)``.
    public func product(axes: [Int]?, keepingDimensions: Bool) -> TensorSymbol { .record(.reduceProduct(axes: axes, keepingDimensions: keepingDimensions), self, self) }
    /// Records the box `ranges[k]` along each leading axis k, later axes whole.
    public func slice(_ ranges: [Range<Int>]) -> TensorSymbol { .record(.slice(ranges), self, self) }
    /// Records zeros of `shape` holding this node's value in the box starting at `origin`.
    public func placed(into shape: Shape, at origin: [Int]) -> TensorSymbol { .record(.place(shape, origin: origin), self, self) }
    /// Records the entries at `indices` along `axis` (PyTorch's `index_select`).
    public func indexSelect(_ indices: [Int], axis: Int) -> TensorSymbol { .record(.indexSelect(indices, axis: axis), self, self) }
    /// Records zeros of `shape` with this node added at `indices` along `axis` (repeats add up;
    /// PyTorch's `index_add` into zeros).
    public func indexAdding(into shape: Shape, indices: [Int], axis: Int) -> TensorSymbol {
        .record(.indexAdd(shape, indices: indices, axis: axis), self, self)
    }
}

/// A compiled ``TensorGraph``: the nodes its outputs need, in order.
public struct TensorProgram<Scalar: TensorScalar> {
    struct Step {
        var operation: TensorOperation
        var x: Int32
        var y: Int32
        var constant: NDArray<Scalar>?
        var isInput: Bool
        /// The index in `chains` of a fused chain of unary elementwise primitives applied in
        /// turn to x, or −1 to run `operation`; see ``TensorProgram/fusingElementwiseChains(_:outputs:)``.
        /// (An index, not the chain, keeps the step a plain value that copies without
        /// reference counting: the run loop copies every step.)
        var chain: Int32 = -1
        /// Folded into a later step's chain: nothing to compute.
        var isFused = false
        /// The index in `loops` of the loop this step runs (writing all its results), or −1.
        var loop: Int32 = -1
        /// For a matrix product fused with the bias and activation that read it: what the
        /// kernel applies as it writes C (see TensorProgram+EpilogueFusion.swift).
        var epilogue: FusedEpilogue?
        /// For a matrix product added to a value that dies here: the value, whose storage the
        /// product is added to (see TensorProgram+AccumulationFusion.swift).
        var accumulation: FusedAccumulation?
    }
    /// The loops the program runs (see Loops/CompiledTensorLoop.swift).
    let loops: [CompiledTensorLoop<Scalar>]
    /// The fused chains the steps refer to.
    let chains: [[(primitive: Primitive, constant: Double)]]
    let steps: [Step]
    let inputs: [(name: String, shape: Shape, slot: Int32)]
    /// The values returned (the first `resultCount`), then the new values of updated inputs.
    let outputs: [Int32]
    /// How many of `outputs` a run returns.
    var resultCount: Int
    /// The inputs the program updates, each with the index in `outputs` of its new value (see
    /// TensorGraph+Updates.swift).
    var updates: [(name: String, output: Int)] = []
    /// For each value, the last step that reads it: after that step its storage is released,
    /// or reused in place by the step itself (an elementwise op whose operand dies there).
    let lastUse: [Int32]
    /// What epilogue fusion did (for the compilation log).
    let epilogueFusion: EpilogueFusionReport

    /// The inputs the program needs, with their shapes.
    public var inputShapes: [(name: String, shape: Shape)] { inputs.map { ($0.name, $0.shape) } }

    /// Runs the program. Every input must be given, with its declared shape.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func run(_ feeds: [String: NDArray<Scalar>]) throws(TensorProgramError) -> [NDArray<Scalar>] {
        var values = try fed(feeds)
        try execute(&values)
        return outputs.prefix(resultCount).map { values[Int($0)]! }
    }

    /// The value table with the inputs' slots filled from `feeds` (and from `state` for the
    /// updated inputs), each checked: names, presence and shapes.
    func fed(_ feeds: [String: NDArray<Scalar>], state: [String: NDArray<Scalar>] = [:]) throws(TensorProgramError) -> [NDArray<Scalar>?] {
        for name in feeds.keys where !inputs.contains(where: { $0.name == name }) {
            throw .unknownInput(name)
        }
        for name in feeds.keys where updates.contains(where: { $0.name == name }) {
            throw .updatedInputFed(name)
        }
        for name in state.keys where !updates.contains(where: { $0.name == name }) {
            throw inputs.contains(where: { $0.name == name }) ? .notUpdated(name) : .unknownInput(name)
        }
        var values = [NDArray<Scalar>?](repeating: nil, count: steps.count)
        for input in inputs {
            guard let value = feeds[input.name] ?? state[input.name] else { throw .missingInput(input.name) }
            guard value.shape == input.shape else { throw .wrongShape(input.name, expected: input.shape, got: value.shape) }
            values[Int(input.slot)] = value
        }
        return values
    }

    /// Runs the steps over `values`, whose inputs' slots are filled (a loop's body is run so,
    /// its inputs held by `values` alone, so that the steps can reuse their storage).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func execute(_ values: inout [NDArray<Scalar>?]) throws(TensorProgramError) {
        for (k, step) in steps.enumerated() where !step.isInput && !step.isFused {
            if step.loop >= 0 {
                try loops[Int(step.loop)].run(&values)
                continue
            }
            if step.chain >= 0 {
                let chain = chains[Int(step.chain)]
                let x = Int(step.x)
                var target = lastUse[x] == Int32(k) ? values[x].take()! : values[x]!
                target.scalars.withUnsafeMutableBufferPointer { buffer in
                    if buffer.count == 1 {
                        // One element: through the whole chain in a register.
                        var v = buffer[0]
                        for (primitive, c) in chain { v = primitive.evaluate(v, v, Scalar(c)) }
                        buffer[0] = v
                    } else {
                        // A block at a time through the whole chain (small tensors: one block).
                        let block = Self.fusionBlockElements
                        for start in stride(from: 0, to: buffer.count, by: block) {
                            let part = UnsafeMutableBufferPointer(rebasing: buffer[start..<Swift.min(start + block, buffer.count)])
                            for (primitive, c) in chain { primitive.applyInPlace(to: part, constant: Scalar(c)) }
                        }
                    }
                }
                values[k] = target
                if lastUse[x] == Int32(k) { values[x] = nil }
                continue
            }
            if let constant = step.constant {
                values[k] = constant
                continue
            }
            if let accumulation = step.accumulation, case .matmul(let ta, let tb) = step.operation {
                // The product added into the storage of a value that dies here (unique once taken
                // from the table, unless the caller holds it too: then it is copied first).
                let (x, y, t) = (Int(step.x), Int(step.y), Int(accumulation.target))
                var target = values[t].take()!
                target.addProduct(values[x]!, values[y]!, transposingA: ta, transposingB: tb,
                                  scaledBy: accumulation.scaled ? Scalar(accumulation.scale) : nil,
                                  subtracting: accumulation.subtracting, threads: Kernels.threads)
                values[k] = target
                for operand in [x, y] where lastUse[operand] == Int32(k) { values[operand] = nil }
                continue
            }
            if let epilogue = step.epilogue, case .matmul(let ta, let tb) = step.operation {
                let (x, y, bias, mask) = (Int(step.x), Int(step.y), Int(epilogue.bias), Int(epilogue.mask))
                if mask >= 0 {
                    values[k] = NDArray.maskedProduct(values[x]!, values[y]!, transposingA: ta, transposingB: tb, mask: values[mask]!,
                                                      threads: Kernels.threads)
                } else {
                    values[k] = NDArray.fusedProduct(values[x]!, values[y]!, transposingA: ta, transposingB: tb, bias: bias >= 0 ? values[bias]! : nil,
                                                     biasFirst: epilogue.biasFirst, activation: epilogue.activation, threads: Kernels.threads)
                }
                for operand in [x, y, bias, mask] where operand >= 0 && lastUse[operand] == Int32(k) { values[operand] = nil }
                continue
            }
            let (x, y) = (Int(step.x), Int(step.y))
            let binary = step.operation.arity == 2
            // An elementwise op whose first operand dies here writes into that operand's storage
            // (unique once released from the table, so no copy is made).
            if case .elementwise(let primitive, let c) = step.operation, lastUse[x] == Int32(k), !(binary && y == x),
               !binary || values[y]!.shape == values[x]!.shape || NDArray<Scalar>.repeatsAsRows(values[y]!.shape, in: values[x]!.shape) {
                var target = values[x].take()!
                if binary { target.applyInPlace(primitive, values[y]!, constant: c) } else { target.applyInPlace(primitive, constant: c) }
                values[k] = target
            } else if case .elementwise(let primitive, let c) = step.operation, binary, lastUse[y] == Int32(k), y != x,
                      values[y]!.shape == values[x]!.shape {
                // Or into the second operand's storage, when that one dies here instead.
                var target = values[y].take()!
                target.applyInPlace(primitive, after: values[x]!, constant: c)
                values[k] = target
            } else {
                values[k] = step.operation.forward(values[x]!, binary ? values[y]! : values[x]!)
            }
            if lastUse[x] == Int32(k) { values[x] = nil }
            if binary, y >= 0, lastUse[y] == Int32(k) { values[y] = nil }
        }
    }
}

/// What can go wrong when a compiled ``TensorProgram`` runs.
public enum TensorProgramError: Error, Equatable, CustomStringConvertible {
    /// An input the program needs was not given; the associated value is its name.
    case missingInput(String)
    /// A feed names no input of the program.
    case unknownInput(String)
    /// The named input was fed an array of shape `got`; `expected` is the declared shape, with 0
    /// for an open dimension of a ``TensorFunction``.
    case wrongShape(String, expected: Shape, got: Shape)
    /// A `whileLoop` ran `limit` steps with its condition still > 0.
    case iterationLimit(limit: Int)
    /// The named input is one the program updates: it is given in the state of
    /// ``TensorProgram/run(_:updating:)``, not as a feed.
    case updatedInputFed(String)
    /// The state given to ``TensorProgram/run(_:updating:)`` names an input the program reads but
    /// does not update (it belongs among the feeds).
    case notUpdated(String)

    /// One line naming the input: `missing input 'x'`, `unknown input 'x'`, or its shape against
    /// the expected one, open dimensions shown as `?`.
    public var description: String {
        switch self {
        case .missingInput(let name): "missing input '\(name)'"
        case .unknownInput(let name): "unknown input '\(name)'"
        case .wrongShape(let name, let expected, let got):
            "input '\(name)' has shape \(got), expected [" + expected.dimensions.map { $0 == 0 ? "?" : String($0) }.joined(separator: ", ") + "]"
        case .iterationLimit(let limit): "a whileLoop ran \(limit) steps (its maxIterations) with its condition still > 0"
        case .updatedInputFed(let name): "input '\(name)' is updated by the program: give it in the state of run(_:updating:), not as a feed"
        case .notUpdated(let name): "input '\(name)' is not updated by the program: give it as a feed, not in the state"
        }
    }
}
