import Nabla

/// A small deterministic generator (SplitMix64), so a failing seed reproduces everywhere.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// A random straight-line program over 1–3 inputs: each statement applies a random op from the
/// gradient-check table to earlier nodes, sometimes scaled or shifted by a constant. The same
/// seed gives the same program, built in any algebra.
struct RandomProgram: CustomStringConvertible {
    struct Statement {
        var op: OpCase
        var operands: [Int]
        var scale: Double?
    }
    let seed: UInt64
    let inputCount: Int
    let statements: [Statement]
    let point: [Double]

    init(seed: UInt64) {
        self.seed = seed
        var rng = SplitMix64(seed: seed)
        inputCount = Int.random(in: 1...3, using: &rng)
        let count = Int.random(in: 1...25, using: &rng)
        var statements: [Statement] = []
        for k in 0..<count {
            let op = OpCase.allCases.randomElement(using: &rng)!
            let available = inputCount + k
            let operands = (0..<op.arity).map { _ in Int.random(in: 0..<available, using: &rng) }
            let scale: Double? = Bool.random(using: &rng) ? Double(Int.random(in: -8...8, using: &rng)) / 4 : nil
            statements.append(Statement(op: op, operands: operands, scale: scale))
        }
        self.statements = statements
        point = (0..<inputCount).map { _ in Double(Int.random(in: -40...40, using: &rng)) / 16 }
    }

    /// Builds the program; returns the output, the sum of every node (inputs included).
    func build<T: GraphScalar>(_ inputs: [T]) -> T {
        let nodes = buildNodes(inputs)
        return nodes.dropFirst().reduce(nodes[0], +)
    }

    /// Builds the program; returns every node, inputs first (a function with many outputs).
    func buildNodes<T: GraphScalar>(_ inputs: [T]) -> [T] {
        var nodes = inputs
        for s in statements {
            var y = s.op(s.operands.map { nodes[$0] })
            if let scale = s.scale { y = y * scale + 0.5 }
            nodes.append(y)
        }
        return nodes
    }

    var description: String {
        "seed \(seed): \(inputCount) inputs at \(point), " + statements.map { "\($0.op)\($0.operands)" }.joined(separator: " ")
    }
}
