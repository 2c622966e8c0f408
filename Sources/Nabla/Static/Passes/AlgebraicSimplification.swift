// Pass: algebraic simplification, only where IEEE 754 arithmetic makes the rewrite exact: the
// simplified program gives the same bits as the original for every input, ±0, ±∞, NaN and
// subnormals included.
//
// | rewrite        | applied | why                                                              |
// |----------------|---------|------------------------------------------------------------------|
// | x·1 → x        | yes     | multiplying by 1 is exact for every x (−0·1 = −0, ∞·1 = ∞)       |
// | x/1 → x        | yes     | dividing by 1 is exact for every x                               |
// | x^1 → x        | yes     | pow(x, 1) = x for every x (IEEE 754 pow)                         |
// | −(−x) → x      | yes     | negation flips the sign bit only                                 |
// | x − 0 → x      | yes     | −0 − 0 = −0, and x − 0 = x otherwise                             |
// | x + (−0) → x   | yes     | −0 + (−0) = −0, +0 + (−0) = +0                                   |
// | x + 0 → x      | no      | −0 + 0 = +0, not −0                                              |
// | x − (−0) → x   | no      | it is x + 0: −0 − (−0) = +0                                      |
// | x − x → 0      | no      | ∞ − ∞ and NaN − NaN are NaN                                      |
// | x/x → 1        | no      | 0/0, ∞/∞ and NaN/NaN are NaN                                     |
// | 0·x → 0        | no      | 0·∞ and 0·NaN are NaN, and 0·x = −0 for x < 0                    |
//
// The rewrites replace a node by its operand's register; nothing is computed differently.

extension Primitive {
    /// Whether compilation must leave nodes of this kind as they are: never folded, simplified or
    /// merged with an equal node (a node whose value comes from outside its operands, such as a
    /// value recorded in a side table). No primitive is opaque yet; a new kind that must be
    /// answers true here, and every pass respects it.
    var isOpaque: Bool { false }
}

extension Graph {
    /// The register node `i` would merely copy, when it is an exact identity (see the table
    /// above): x·1, x/1, x^1, x − 0, x + (−0), −(−x), or a custom function's output node (its
    /// value is its forward's). `x` is the register of its first operand.
    @inline(__always)
    func identityOperand(_ i: Int, _ x: Int32, instructions: [Program.Instruction], _ firstInstructionRegister: Int32) -> Int32? {
        let op = ops[i], c = constants[i]
        switch op {
        case .multiplyConstant where c == 1, .powerConstant where c == 1, .custom: return x
        case .addConstant where c.bitPattern == (-0.0).bitPattern: return x
        case .divide where isConstant(rhs[i], bitsOf: 1): return x
        case .subtract where isConstant(rhs[i], bitsOf: 0): return x
        case .negate where x >= firstInstructionRegister:
            let operand = instructions[Int(x - firstInstructionRegister)]
            return operand.op == .negate ? operand.x : nil
        default: return nil
        }
    }

    /// Whether node `k` is the constant with exactly the bits of `value` (+0 is not −0).
    @inline(__always)
    private func isConstant(_ k: Int32, bitsOf value: Double) -> Bool {
        ops[Int(k)] == .constant && constants[Int(k)].bitPattern == value.bitPattern
    }

    /// The rule by which node `i` was replaced by its operand, for the log: `x·1 → x`.
    func identityRule(_ i: Int) -> String {
        switch ops[i] {
        case .multiplyConstant: "x·1 → x"
        case .powerConstant: "x^1 → x"
        case .addConstant: "x − 0 = x + (−0) → x"
        case .divide: "x/1 → x"
        case .subtract: "x − 0 → x"
        case .negate: "−(−x) → x"
        default: "a custom function's output → its forward value"
        }
    }

    /// Why node `i` (operands in registers `x`, `y`) looks simplifiable but is kept, for the
    /// log; nil when it does not look simplifiable.
    func refusedSimplification(_ i: Int, x: Int32, y: Int32) -> String? {
        let c = constants[i]
        switch ops[i] {
        case .addConstant where c.bitPattern == (0.0).bitPattern: return "x + 0 is not x: −0 + 0 = +0"
        case .multiplyConstant where c == 0: return "0·x is not 0: 0·∞ and 0·NaN are NaN, and 0·x = −0 for x < 0"
        case .subtract where isConstant(rhs[i], bitsOf: -0.0): return "x − (−0) is not x: −0 − (−0) = +0"
        case .subtract where x == y: return "x − x is not 0: ∞ − ∞ and NaN − NaN are NaN"
        case .divide where x == y: return "x/x is not 1: 0/0, ∞/∞ and NaN/NaN are NaN"
        default: return nil
        }
    }
}
