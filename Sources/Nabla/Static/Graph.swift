/// A static computation graph (define, then run), as in TensorFlow 1 and JAX's traced programs.
///
/// Build it from named inputs and constants with the same operators and functions as ``Value``
/// (the nodes are ``Symbol``s, which hold no numbers), add derivative nodes with
/// ``gradients(of:wrt:)``, then ``compile(_:)`` the outputs you want into a ``Program`` and run
/// it as many times as you like.
///
/// ```swift
/// let graph = Graph()
/// let a = graph.input("a"), o = graph.input("o")
/// let g = tutorial(a, o)                          // any function generic over DifferentiableScalar
/// let (dgda, dgdo) = graph.gradients(of: g, wrt: (a, o))
/// let program = graph.compile([g, dgda, dgdo])
/// try program.run(["a": 2, "o": 1])               // [47.0, -432.0, -1.0]
/// ```
///
/// Nodes are stored in arrays in the order they were made, which is a topological order, so
/// every pass over the graph is a loop: no recursion over depth. A graph is a reference type
/// (symbols point into it); it is freed when the last symbol and program referring to it go.
public final class Graph {
    // Exclusivity is not checked at run time: a graph is built by one thread (it is not
    // `Sendable`), and no method holds an access to these arrays across a call back into it.
    @exclusivity(unchecked) @usableFromInline var ops: [Primitive] = []
    @exclusivity(unchecked) @usableFromInline var lhs: [Int32] = []
    @exclusivity(unchecked) @usableFromInline var rhs: [Int32] = []
    @exclusivity(unchecked) @usableFromInline var constants: [Double] = []
    /// Names of nodes: inputs, and nodes named with ``Symbol/named(_:)``.
    @exclusivity(unchecked) var names: [Int32: String] = [:]
    /// Input names in the order they were declared, and their nodes.
    public private(set) var inputNames: [String] = []
    @exclusivity(unchecked) var inputNodes: [String: Int32] = [:]
    /// Constant nodes by bit pattern, so each constant is stored once.
    @exclusivity(unchecked) var constantNodes: [UInt64: Int32] = [:]
    /// The custom functions (``DifferentiableScalarFunction``) recorded, by their `custom` node.
    @exclusivity(unchecked) var customFunctions: [Int32: CustomScalarFunctionCall] = [:]
    /// The loops recorded (`loop(count:carrying:_:)`), and what each `loopValue` node is.
    var loops: [GraphLoop] = []
    var loopRoles: [Int32: LoopValueRole] = [:]
    /// Loops by their body's first node and by the first node after it.
    var loopStartingAt: [Int32: Int] = [:]
    var loopEndingAt: [Int32: Int] = [:]
    /// The loops whose body is being recorded, innermost last.
    var openLoops: [Int] = []
    /// The operations on constants only that ``append`` folded, for the compilation log (the
    /// first `foldRecordLimit`; `foldCount` counts them all).
    var folds: [ConstantFold] = []
    var foldCount = 0
    /// The first node made by ``gradients(of:wrt:)`` (`Int32.max` before any): nodes from here
    /// on are gradient nodes, for the compilation log.
    var firstGradientNode = Int32.max
    /// For ``capture(_:)``: the node of each dynamic leaf captured so far.
    var capturedLeaves: [ObjectIdentifier: Int32] = [:]

    /// An empty graph.
    public init() {}

    /// The number of nodes.
    public var count: Int { ops.count }

    /// A named input. Asking twice for the same name gives the same node.
    public func input(_ name: String) -> Symbol {
        if let id = inputNodes[name] { return Symbol(graph: self, id: id) }
        let id = Int32(ops.count)
        ops.append(.input); lhs.append(-1); rhs.append(-1); constants.append(0)
        names[id] = name
        inputNames.append(name)
        inputNodes[name] = id
        return Symbol(graph: self, id: id)
    }

    /// Several named inputs at once.
    public func inputs(_ names: String...) -> [Symbol] { names.map(input) }

    /// A constant node.
    public func constant(_ value: Double) -> Symbol {
        if let id = constantNodes[value.bitPattern] { return Symbol(graph: self, id: id) }
        let id = Int32(ops.count)
        ops.append(.constant); lhs.append(-1); rhs.append(-1); constants.append(value)
        constantNodes[value.bitPattern] = id
        return Symbol(graph: self, id: id)
    }

    /// The node's operation, operands and constant.
    public func node(_ symbol: Symbol) -> (primitive: Primitive, operands: [Symbol], constant: Double) {
        let i = Int(symbol.id)
        let operands = [lhs[i], rhs[i]].prefix(ops[i].arity).map { Symbol(graph: self, id: $0) }
        return (ops[i], Array(operands), constants[i])
    }

    /// The name of a node, if it is an input or was named.
    public func name(of symbol: Symbol) -> String? { names[symbol.id] }

    /// Appends a node. Operations on constants only are folded, with the primitive's own forward
    /// computation; a multiplication or addition with a constant operand becomes the one-node
    /// `…Constant` form. Nothing else is simplified here, so the graph has the same shape as the
    /// dynamic tape for the same code: gradients then accumulate in the same order and the two
    /// modes agree bit for bit. Identities such as x·1 are removed when compiling.
    func append(_ op: Primitive, _ x: Int32, _ y: Int32, _ c: Double) -> Int32 {
        let binary = op.arity == 2
        if !loops.isEmpty { checkLoopScope(x, binary ? y : x, op) }
        let xConst = ops[Int(x)] == .constant ? constants[Int(x)] : nil
        let yConst = binary && ops[Int(y)] == .constant ? constants[Int(y)] : nil
        if let xc = xConst, !binary || yConst != nil, !op.isOpaque {
            let folded = constant(op.evaluate(xc, yConst ?? xc, c)).id
            foldCount += 1
            if folds.count < Graph.foldRecordLimit { folds.append(ConstantFold(op: op, x: x, y: y, constant: c, result: folded)) }
            return folded
        }
        switch op {
        case .multiply where xConst != nil: return append(.multiplyConstant, y, -1, xConst!)
        case .multiply where yConst != nil: return append(.multiplyConstant, x, -1, yConst!)
        case .add where xConst != nil: return append(.addConstant, y, -1, xConst!)
        case .add where yConst != nil: return append(.addConstant, x, -1, yConst!)
        default: break
        }
        let id = Int32(ops.count)
        ops.append(op); lhs.append(x); rhs.append(binary ? y : -1); constants.append(c)
        return id
    }
}

/// A node of a static ``Graph``: a value that will exist when the graph runs.
/// Combine symbols with the operators and functions of ``DifferentiableScalar``.
public struct Symbol: Hashable {
    /// The graph the node belongs to.
    public let graph: Graph
    /// The node's index in its graph.
    public let id: Int32

    /// Whether both are the same node of the same graph instance.
    public static func == (lhs: Symbol, rhs: Symbol) -> Bool { lhs.graph === rhs.graph && lhs.id == rhs.id }
    /// Hashes the node's index.
    public func hash(into hasher: inout Hasher) { hasher.combine(id) }

    /// Names this node; explanations, exports and error messages use the name.
    @discardableResult
    public func named(_ name: String) -> Symbol {
        graph.names[id] = name
        return self
    }

    /// The node's name, if it has one.
    public var name: String? { graph.names[id] }
}

extension Symbol: GraphScalar {
    /// Appends a node for `primitive` to the operands' graph without computing anything. An
    /// operation on constants only is folded into a constant; a product or sum with a constant
    /// operand becomes one `mul_const` or `add_const` node. Operands from two different graphs
    /// stop (a programmer error).
    public static func apply(_ primitive: Primitive, _ x: Symbol, _ y: Symbol, constant c: Double) -> Symbol {
        require(primitive.arity < 2 || x.graph === y.graph,
                     "Nabla: \(primitive.name) combines symbols from two different graphs")
        return Symbol(graph: x.graph, id: x.graph.append(primitive, x.id, y.id, c))
    }
    /// The constant node `c` of this symbol's graph, stored once per value (see
    /// ``Graph/constant(_:)``).
    public func constant(_ c: Double) -> Symbol { graph.constant(c) }
}
