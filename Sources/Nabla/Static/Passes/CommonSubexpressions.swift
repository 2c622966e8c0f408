/// The common-subexpression pass of compilation: finds an earlier instruction with the same op,
/// operands and constant, so its register can be reused.
///
/// Candidates are looked up among the earlier consumers of the same first operand, kept as a
/// linked list per register. Consumers of a node are usually made soon after it, so the lists
/// are short and their entries close together in memory; a hash table over all instructions
/// missed the cache on nearly every lookup and dominated compile time for graphs of millions of
/// nodes. At most `searchLimit` consumers are compared, so a register used by very many
/// instructions costs no more than that.
struct CommonSubexpressions {
    private var lastConsumer: [Int32]       // per register: the latest instruction reading it as x
    private var previousConsumer: [Int32] = []  // per instruction: the one before it with the same x
    private let searchLimit = 16

    init(registerCount: Int) {
        lastConsumer = [Int32](repeating: -1, count: registerCount)
    }

    /// Records instruction `index` as one that is never merged (a loop's), keeping the lists
    /// aligned with the instructions.
    mutating func skip() { previousConsumer.append(-1) }

    /// The index in `instructions` of an instruction equal to `candidate`, or nil after
    /// remembering `candidate` as instruction `index`.
    mutating func findOrInsert(_ candidate: Program.Instruction, at index: Int, in instructions: [Program.Instruction]) -> Int? {
        let x = Int(candidate.x)
        var k = lastConsumer[x]
        var compared = 0
        while k >= 0 && compared < searchLimit {
            let other = instructions[Int(k)]
            if other.op == candidate.op && other.y == candidate.y
                && other.constant.bitPattern == candidate.constant.bitPattern {
                return Int(k)
            }
            k = previousConsumer[Int(k)]
            compared += 1
        }
        previousConsumer.append(lastConsumer[x])
        lastConsumer[x] = Int32(index)
        return nil
    }
}

extension Primitive {
    /// Whether the op's two operands may be swapped without changing a single bit of the result
    /// (IEEE addition and multiplication are commutative; Nabla's min and max return NaN if
    /// either operand is NaN, so they are too).
    var isCommutative: Bool {
        switch self {
        case .add, .multiply, .minimum, .maximum: true
        default: false
        }
    }
}
