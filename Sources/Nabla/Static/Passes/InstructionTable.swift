/// An open-addressing hash table from (op, operands, constant) to the register already
/// computing it: the common-subexpression pass of compilation. A purpose-built table, because
/// compiling a graph of tens of millions of nodes with `Dictionary` and SipHash took most of the
/// compile time.
struct InstructionTable {
    private var slots: [Int32]          // index into `instructions`, or -1
    private let mask: Int

    init(expectedCount: Int) {
        var size = 16
        while size < 2 * expectedCount { size <<= 1 }
        slots = [Int32](repeating: -1, count: size)
        mask = size - 1
    }

    /// The index of an instruction in `instructions` equal to `candidate`, or nil after
    /// remembering `candidate` as living at `index`.
    mutating func findOrInsert(_ candidate: Program.Instruction, at index: Int, in instructions: [Program.Instruction]) -> Int? {
        var h = UInt64(candidate.op.rawValue) &* 0x9E37_79B9_7F4A_7C15
        h = (h ^ UInt64(UInt32(bitPattern: candidate.x))) &* 0xBF58_476D_1CE4_E5B9
        h = (h ^ UInt64(UInt32(bitPattern: candidate.y))) &* 0x94D0_49BB_1331_11EB
        h = (h ^ candidate.constant.bitPattern) &* 0x9E37_79B9_7F4A_7C15
        var slot = Int(truncatingIfNeeded: h ^ (h >> 29)) & mask
        while true {
            let existing = slots[slot]
            if existing < 0 {
                slots[slot] = Int32(index)
                return nil
            }
            let other = instructions[Int(existing)]
            if other.op == candidate.op && other.x == candidate.x && other.y == candidate.y
                && other.constant.bitPattern == candidate.constant.bitPattern {
                return Int(existing)
            }
            slot = (slot + 1) & mask
        }
    }
}
