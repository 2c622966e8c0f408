/// Everything the interactive page of `nabla explain --html` shows for a program at some input
/// values: what `nabla grad --json` prints (the same numbers, from the same evaluation), the
/// derivation by hand, and three views of the graph, each laid out by ``LayeredLayout`` and
/// with its steps:
///
/// - **statements**: the tutorial's graph, one node per statement of the ``Derivation``. The
///   forward pass computes each statement; the backward pass goes from the output back, each
///   edge giving its local partial (`∂e/∂d = 2d = 2`) and each node its gradient, summed over
///   the paths where a value feeds several others (`dg/db = dg/dc·∂c/∂b + dg/dd·∂d/∂b = 42·2 +
///   12·5 = 144`).
/// - **tape**: the dynamic graph as recorded, one node per primitive op in recording order;
///   backward is one loop from the output down, each node passing its gradient to its operands.
/// - **backward graph**: the static graph `nabla grad` compiles, the program's nodes and then
///   the gradient's nodes that symbolic reverse mode appended (with order 2, the Hessian's):
///   running it computes the gradient as ordinary values.
///
/// Build one with ``Script/explanation(at:output:order:)``; ``json`` is the data the page reads,
/// and ``ExplanationPage/html(for:)`` the page.
public struct Explanation: Sendable {
    /// A node of a view.
    public struct Node: Sendable {
        /// What a node is, which decides how it is drawn.
        public enum Kind: String, Sendable {
            /// An input of the program (a leaf of the tape).
            case input
            /// A statement, or an operation with a name.
            case statement
            /// The output.
            case output
            /// A constant: it depends on no input.
            case constant
            /// A value the output does not use.
            case unused
            /// An unnamed primitive operation (the tape and the backward graph).
            case operation
            /// A node the gradient added to the static graph.
            case gradient
        }
        /// The node's identifier within its view: a statement's name, or `n` and its index.
        public var id: String
        /// What the node is called on the page: `b`, `t12`, `dg/db`.
        public var label: String
        /// What the node is.
        public var kind: Kind
        /// How it is computed: `b = 5 - 3a`, `t5 = 3·t4`, `a` for an input.
        public var text: String
        /// Its value at the inputs.
        public var value: Double
        /// d(output)/d(node), for the views with a backward pass; nil where there is none (a
        /// constant, a tape node the output does not reach, the backward graph's nodes, whose
        /// values are the gradients).
        public var gradient: Double?
        /// The total derivative as the tutorial writes it, for the statements view:
        /// `dg/db = dg/dc·∂c/∂b + dg/dd·∂d/∂b = 42·2 + 12·5 = 144`.
        public var total: String?
        /// Why its gradient is zero, missing or split at a tie, if it is.
        public var note: GradientNote?
        /// Where it is drawn: its top-left corner.
        public var origin = LayeredLayout.Point(x: 0, y: 0)
        /// Its size on the page.
        public var size = LayeredLayout.Size(width: 0, height: 0)
    }

    /// An edge of a view: `from` is an operand of `to`.
    public struct Edge: Sendable {
        /// The operand's ``Node/id``.
        public var from: String
        /// The ``Node/id`` of the node that uses it.
        public var to: String
        /// The local partial derivative ∂to/∂from as formula and number, `∂e/∂d = 2d = 2`; nil
        /// where the edge carries no gradient (the backward graph, a constant's use).
        public var partial: String?
        /// The local partial's value.
        public var partialValue: Double?
        /// Whether gradient flows back along the edge or not: a constant written as its number
        /// where it is used, a value the output does not use (drawn dashed), and the edges of
        /// the backward graph, which has no backward pass.
        public var carriesGradient: Bool
        /// The line drawn, from the operand to the user.
        public var path: [LayeredLayout.Point] = []
    }

    /// One step of a view's animation.
    public struct Step: Sendable {
        /// The forward pass (values) or the backward pass (gradients).
        public enum Phase: String, Sendable {
            /// Computing a value.
            case forward
            /// Passing a gradient back.
            case backward
        }
        /// The pass the step belongs to.
        public var phase: Phase
        /// The node the step computes a value or a gradient for.
        public var node: String
        /// For a backward step along an edge: its index in the view's ``View/edges``.
        public var edge: Int?
        /// For a forward step: the node's value.
        public var value: Double?
        /// For a backward step: the node's gradient after the step (a running sum until the
        /// last path has been added).
        public var gradient: Double?
        /// Whether the node's gradient is complete after this step.
        public var isFinal: Bool
        /// What the step does, in the tutorial's notation.
        public var text: String
    }

    /// One view of the computation: its nodes laid out, its edges, its steps.
    public struct View: Sendable {
        /// `statements`, `tape` or `backward-graph`.
        public var id: String
        /// The view's name on the page.
        public var title: String
        /// A sentence saying what the view shows.
        public var summary: String
        /// The nodes, in topological order.
        public var nodes: [Node]
        /// The edges.
        public var edges: [Edge]
        /// The forward steps, then the backward steps.
        public var steps: [Step]
        /// The drawing's width.
        public var width: Double = 0
        /// The drawing's height.
        public var height: Double = 0
    }

    /// What `nabla grad --json` prints for the same program, inputs and order: the output, its
    /// value, every named value, the gradient and, at order 2, the Hessian.
    public var evaluation: ScriptEvaluation
    /// The derivation by hand, with its notes on zero gradients.
    public var derivation: Derivation
    /// The program's statements as written.
    public var program: [String]
    /// 1, or 2 when the Hessian was asked for.
    public var order: Int
    /// The statements view, the tape view and the backward-graph view, in that order.
    public var views: [View]

    /// Why gradients are zero, missing or split at a tie (the derivation's notes).
    public var notes: [GradientNote] { derivation.notes }

    /// The view called `id`, if any.
    public func view(_ id: String) -> View? { views.first { $0.id == id } }
}
