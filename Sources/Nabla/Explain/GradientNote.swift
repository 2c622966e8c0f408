/// The answer to "why is this gradient zero?" for one value of a ``Derivation``: which reasons
/// make d(output)/d(node) zero (or leave it out), in the tutorial's notation.
///
/// A gradient is zero for a reason one can point at: every path from the node to the output
/// multiplies by a local partial derivative that is zero here (relu at a non-positive input, the
/// operand a `max` did not pick, `abs` at 0, a piecewise-constant op, `2d` at d = 0), or passes
/// through a value whose own gradient is zero, or the paths' shares cancel; or there is no path
/// at all; or the value is a constant, which gets no gradient. A tie in `max` or `min` does not
/// zero a gradient but halves it (each operand gets half, as in PyTorch); it is noted too.
public struct GradientNote: Sendable, Equatable {
    /// One reason, with a stable name for programs (`"relu"`, `"no-path"`, …).
    public enum Reason: String, Sendable, CaseIterable {
        /// The output does not use the value: no path leads from it to the output.
        case noPath = "no-path"
        /// The value is a constant: it depends on no input and is written as its number.
        case constant
        /// relu(u) has slope 0 where u ≤ 0.
        case relu
        /// `max` (or `min`, or a select) passed the gradient to its other operand.
        case notSelected = "not-selected"
        /// `max(u, v)` or `min(u, v)` with u = v: each operand gets half the gradient.
        case tie
        /// abs(u) has slope sign(0) = 0 at u = 0.
        case absAtZero = "abs-at-zero"
        /// `u = 2`, or `2` when `u` is the number itself.
    private static func valued(_ text: String, _ value: Double) -> String {
        let number = NumberFormat.shortest(value)
        return text == number ? number : "\(text) = \(number)"
    }

    /// A piecewise-constant op (sign, step, floor, ceil, round, a select's condition):
        /// its derivative is 0.
        case flat
        /// A local partial derivative that happens to be 0 at these values (`2d` at d = 0).
        case zeroPartial = "zero-partial"
        /// Every path to the output passes through a value whose gradient is 0.
        case zeroUpstream = "zero-upstream"
        /// The paths' shares are not zero, but they add up to 0.
        case cancelled
    }

    /// The value the note is about: an input or a statement of the derivation, or a named node
    /// the output does not use.
    public var node: String
    /// Every reason found, most direct first.
    public var reasons: [Reason]
    /// The note for people: `dy/dx = 0: ∂y/∂x = 3·[x > 0] is 0 at x = -1: relu(x) has slope 0
    /// where x ≤ 0 (x = -1)`.
    public var text: String

    /// A note on `node` giving `reasons`, worded as `text`.
    public init(node: String, reasons: [Reason], text: String) {
        self.node = node
        self.reasons = reasons
        self.text = text
    }

    /// Whether the note explains a gradient split at a tie rather than a zero or missing one.
    public var isTie: Bool { reasons == [.tie] }
}

/// Why one op passed a zero (or half) gradient to one operand, found while a statement's local
/// partials are worked out: the reason, and the sentence naming the op and the values.
struct ZeroCause: Equatable, Sendable {
    var reason: GradientNote.Reason
    /// Empty for ``GradientNote/Reason/zeroPartial``: the statement's partial says it all.
    var text: String

    /// The cause of op `op` (computing `whole` from operands `x` and `y`) passing a zero
    /// gradient to its operand number `position` (0 or 1), the incoming gradient not being zero.
    static func zero(_ op: Primitive, position: Int, whole: Formula, x: Formula, y: Formula,
                     xValue: Double, yValue: Double, constant: Double) -> ZeroCause {
        let n = NumberFormat.shortest
        let (u, uValue) = (x.description, xValue)
        switch op {
        case .relu:
            return ZeroCause(reason: .relu, text: "relu(\(u)) has slope 0 where \(u) ≤ 0 (\(u) = \(n(uValue)))")
        case .abs:
            return ZeroCause(reason: .absAtZero, text: "abs(\(u)) has slope sign(\(u)) = 0 at \(u) = 0")
        case .maximum, .minimum:
            let larger = op == .maximum ? "larger" : "smaller"
            let (picked, other) = position == 0 ? (y.description, u) : (u, y.description)
            let (pickedValue, otherValue) = position == 0 ? (yValue, xValue) : (xValue, yValue)
            let relation = op == .maximum ? "<" : ">"
            return ZeroCause(reason: .notSelected,
                             text: "\(whole) passes the gradient only to its \(larger) operand, \(picked) (\(valued(other, otherValue)) \(relation) \(valued(picked, pickedValue)))")
        case .masked where position == 1:
            return ZeroCause(reason: .notSelected, text: "\(whole) takes this branch only where \(u) > 0 (\(u) = \(n(uValue)))")
        case .masked, .sign, .heaviside, .floor, .ceil, .round:
            return flat(op, whole: whole)
        default:
            return ZeroCause(reason: .zeroPartial, text: "")
        }
    }

    /// `u = 2`, or `2` when `u` is the number itself.
    private static func valued(_ text: String, _ value: Double) -> String {
        let number = NumberFormat.shortest(value)
        return text == number ? number : "\(text) = \(number)"
    }

    /// A piecewise-constant op: its derivative is 0 (a select's condition gets no gradient).
    static func flat(_ op: Primitive, whole: Formula) -> ZeroCause {
        if op == .masked { return ZeroCause(reason: .flat, text: "the condition of \(whole) chooses a branch and gets no gradient") }
        return ZeroCause(reason: .flat, text: "\(whole) is piecewise constant: its derivative is 0")
    }

    /// `max(u, v)` or `min(u, v)` with u = v.
    static func tie(_ op: Primitive, whole: Formula, value: Double) -> ZeroCause {
        let (x, y): (String, String)
        if case .apply(_, let a, let b, _) = whole.kind { (x, y) = (a.description, (b ?? a).description) } else { (x, y) = ("x", "y") }
        return ZeroCause(reason: .tie, text: "\(whole) is a tie (\(x) = \(y) = \(NumberFormat.shortest(value))): "
                         + "each operand gets half the gradient, as in PyTorch")
    }
}
