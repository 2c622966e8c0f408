/// A program in the tutorial's notation, parsed:
///
///     b = 5 - 3a
///     c = 2b + 3; d = 5b + 6
///     e = 7c + d^2     # a comment
///
/// Statements are `name = expression`, one per line or separated by `;`. A name never assigned
/// is an input; a name may be assigned once, and only before it is used. The output is the last
/// statement unless another is chosen. See ``init(parsing:)`` for the expression syntax.
///
/// Loops, `repeat N { statements }`, run their body N times (``Loop``): a name the body assigns
/// that has a value before the loop is carried from step to step, and after the loop it means
/// its final value, named `x'` among the results (``valueNames``); a name first assigned in the
/// body is local to one step. A name the body reads before assigning it, with no value before the
/// loop, is an input the loop carries: `repeat 1000000 { x = tanh(1.01x + 0.1) }`.
///
/// A script is a list of statements, each a flat postfix program: nothing about it is
/// recursive (but for loops nested in loops, at most ``maximumLoopNesting`` deep), so very long
/// and very deeply nested expressions parse and run with any stack.
/// ``evaluate(input:constant:)`` runs it in any ``GraphScalar`` algebra: dynamic ``Value``s, static
/// ``Symbol``s, or numbers.
public struct Script: Sendable {
    /// One postfix step of an expression.
    public enum Step: Equatable, Sendable {
        /// Pushes a number written in the program.
        case number(Double)
        /// Pushes the value of an input or of an earlier statement.
        case name(String)
        /// Replaces the top of the stack by its negation (unary minus).
        case negate
        /// Pops y, then x, and pushes x ⊙ y.
        case binary(BinaryOperator)
        /// Pops the function's arguments (``ScriptFunction/arity`` of them, the last on top)
        /// and pushes its value.
        case function(ScriptFunction)
    }

    /// The notation's binary operators, each with its symbol as raw value: x + y, x − y, x·y
    /// (also written `3a`, a number right before a name or `(`), x / y, and x^y (also written
    /// `x**y`).
    public enum BinaryOperator: String, Sendable, CaseIterable {
        case add = "+", subtract = "-", multiply = "*", divide = "/", power = "^"
    }

    /// One statement, `name = expression`.
    public struct Statement: Sendable {
        /// The name assigned.
        public var name: String
        /// Where the statement starts (1-based).
        public var line: Int
        /// The column of the statement's first character, its name (1-based).
        public var column: Int
        /// The statement as written (for error messages).
        public var text: String
        /// The expression in postfix order.
        public var steps: [Step]
        /// The innermost loop whose body holds the statement (an index into ``Script/loops``),
        /// nil outside loops.
        public var loop: Int? = nil
    }

    /// The statements, in order, those of loops' bodies included.
    public let statements: [Statement]
    /// The loops, in order of their `repeat`.
    public let loops: [Loop]
    /// The inputs (names read before any assignment), in order of first use.
    public let inputs: [String]
    /// The named values: the inputs, then each statement outside loops and, after each loop,
    /// the names it carries, primed (`x'` after the first loop that changes `x`, `x''` after the
    /// second), in program order. Without loops: the inputs, then the statements.
    public let valueNames: [String]
    /// Where each of ``valueNames`` comes from.
    let entries: [Entry]
    /// The program outside loops.
    let body: [Item]
    /// How many distinct names the program has: each has a slot, an index into an environment
    /// of values (the inputs first, in order).
    let slotCount: Int
    /// Every statement's steps, names resolved to slots, one after the other.
    let code: [Instruction]
    /// Each statement's part of ``code``.
    let codeRanges: [Range<Int>]
    /// Each statement's slot, the name it assigns.
    let targets: [Int]

    /// A step of ``code``: a ``Step`` whose name is read from its slot.
    enum Instruction: Sendable {
        case number(Double)
        case read(Int)
        case negate
        case binary(BinaryOperator)
        case function(ScriptFunction)
    }

    /// The default output: the last statement's name, or for a program that ends with a loop,
    /// the primed name of the carry its body assigns last (`x'`).
    public let output: String

    /// The statement assigning `name`, if any.
    public func statement(named name: String) -> Statement? { statements.first { $0.name == name } }
}

/// The functions the notation knows, written `name(x)` or `name(x, y)`: each applies the op
/// catalogue's primitive of the same name (``Primitive/name``). `log` is the natural logarithm,
/// `pow(x, y)` is `x^y`, and `min` and `max` give each operand half the gradient at a tie.
/// The activations take PyTorch's defaults: `softplus` its threshold 20, `elu` α = 1,
/// `hardtanh` the range [−1, 1].
public enum ScriptFunction: String, CaseIterable, Sendable {
    case exp, log, sqrt, sin, cos, tanh, erf, sigmoid, relu, abs, softplus, logSigmoid, elu, hardtanh, silu, pow, min, max

    /// The number of arguments: 2 for `pow`, `min` and `max`, 1 for the others.
    public var arity: Int {
        switch self {
        case .pow, .min, .max: 2
        default: 1
        }
    }
}

extension Script {
    /// Runs the script in an algebra: `input` gives each input's value and `constant` makes a
    /// constant (for a statement that is a bare number); returns the value of every named value
    /// after the inputs (``valueNames``: each statement outside loops, and each loop's carries
    /// after it), in order. Loops run step by step. Numbers stay numbers until they meet a
    /// value, so `3a` records one node (a·3), `d^2` a constant power and `5 - 3` nothing at all,
    /// exactly as the same expression written in Swift would.
    public func evaluate<T: GraphScalar>(input: (String) -> T, constant: (Double) -> T) -> [T] {
        evaluate(input: input, constant: constant, distinctNodes: false, loop: nil)
    }

    /// Like ``evaluate(input:constant:)``, with loops run by `loop` (a static graph's loop; nil:
    /// step by step); with `distinctNodes`, a statement that only copies another name or is a
    /// bare number still gets a node of its own (`x·1`, exact), and so does each carry after
    /// its loop, so that every named value has its own value and gradient.
    func evaluate<T: GraphScalar>(input: (String) -> T, constant: (Double) -> T, distinctNodes: Bool,
                                  loop: LoopRunner<T>?) -> [T] {
        var environment = [T?](repeating: nil, count: slotCount)
        for (slot, name) in inputs.enumerated() { environment[slot] = input(name) }
        var results: [T] = []
        var stack: [Operand<T>] = []
        _ = run(body, &environment, statement: { k, environment in
            var value = self.value(ofStatement: k, in: environment, constant: constant, stack: &stack)
            if distinctNodes && codeRanges[k].count == 1 && statements[k].loop == nil { value = value * 1 }
            environment[targets[k]] = value
            return true
        }, loop: loop, after: { item, environment in
            switch item {
            case .statement(let k): results.append(environment[targets[k]]!)
            case .loop(let l):
                for slot in loops[l].carrySlots {
                    if distinctNodes { environment[slot] = environment[slot]! * 1 }
                    results.append(environment[slot]!)
                }
            }
        })
        return results
    }

    /// The value of statement `k`'s expression, reading names from `environment`.
    func value<T: GraphScalar>(ofStatement k: Int, in environment: [T?], constant: (Double) -> T,
                               stack: inout [Operand<T>]) -> T {
        stack.removeAll(keepingCapacity: true)
        for i in codeRanges[k] {
            switch code[i] {
            case .number(let x): stack.append(.number(x))
            case .read(let slot): stack.append(.value(environment[slot]!))
            case .negate: stack.append(-stack.removeLast())
            case .binary(let op):
                let y = stack.removeLast(), x = stack.removeLast()
                stack.append(Operand.apply(op, x, y))
            case .function(let f):
                if f.arity == 2 {
                    let y = stack.removeLast(), x = stack.removeLast()
                    stack.append(Operand.apply(f, x, y))
                } else {
                    stack.append(Operand.apply(f, stack.removeLast()))
                }
            }
        }
        // A statement that is a bare number becomes a constant of the algebra.
        switch stack.removeLast() {
        case .value(let v): return v
        case .number(let x): return constant(x)
        }
    }
}

/// An operand on the evaluation stack: a plain number, or a value of the algebra.
enum Operand<T: GraphScalar> {
    case number(Double)
    case value(T)

    static prefix func - (x: Operand) -> Operand {
        switch x {
        case .number(let a): .number(-a)
        case .value(let v): .value(-v)
        }
    }

    static func apply(_ op: Script.BinaryOperator, _ x: Operand, _ y: Operand) -> Operand {
        switch (x, y) {
        case (.number(let a), .number(let b)):
            switch op {
            case .add: return .number(a + b)
            case .subtract: return .number(a - b)
            case .multiply: return .number(a * b)
            case .divide: return .number(a / b)
            case .power: return .number(Primitive.power.evaluate(a, b, 0))
            }
        case (.value(let v), .number(let b)):
            switch op {
            case .add: return .value(v + b)
            case .subtract: return .value(v - b)
            case .multiply: return .value(v * b)
            case .divide: return .value(v / b)
            case .power: return .value(pow(v, b))
            }
        case (.number(let a), .value(let w)):
            switch op {
            case .add: return .value(a + w)
            case .subtract: return .value(a - w)
            case .multiply: return .value(a * w)
            case .divide: return .value(a / w)
            case .power: return .value(pow(a, w))
            }
        case (.value(let v), .value(let w)):
            switch op {
            case .add: return .value(v + w)
            case .subtract: return .value(v - w)
            case .multiply: return .value(v * w)
            case .divide: return .value(v / w)
            case .power: return .value(pow(v, w))
            }
        }
    }

    static func apply(_ f: ScriptFunction, _ x: Operand) -> Operand {
        switch x {
        case .number(let a):
            return .number(f.primitive.evaluate(a, a, f.constant))
        case .value(let v):
            return .value(T.apply(f.primitive, v, v, constant: f.constant))
        }
    }

    static func apply(_ f: ScriptFunction, _ x: Operand, _ y: Operand) -> Operand {
        if f == .pow { return apply(.power, x, y) }
        let primitive = f.primitive
        switch (x, y) {
        case (.number(let a), .number(let b)): return .number(primitive.evaluate(a, b, 0))
        case (.value(let v), .number(let b)): return .value(T.apply(primitive, v, v.constant(b), constant: 0))
        case (.number(let a), .value(let w)): return .value(T.apply(primitive, w.constant(a), w, constant: 0))
        case (.value(let v), .value(let w)): return .value(T.apply(primitive, v, w, constant: 0))
        }
    }
}
