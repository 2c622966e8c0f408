import NablaKernels

extension Rules {
    /// The output of a user's custom differentiable function (``DifferentiableScalarFunction``):
    /// a node whose operand is the function's forward computation, recorded below it, and whose
    /// derivative is the function's own rule, which the graph keeps beside the node.
    ///
    /// Its value is its operand's, x. Its pullback here passes nothing into the operand: the
    /// forward's nodes are never differentiated; every engine reaching the node calls the
    /// function's rule instead, with the function's inputs. A `custom` node without a function
    /// (made by calling `apply(.custom, …)` directly) is therefore a stop-gradient.
    public enum CustomFunctionOutput: PrimitiveRule {
        /// `"custom"`, the name in exports and error messages (the function's own name is shown
        /// where the graph knows it).
        public static let name = "custom"
        /// `custom(x)`.
        public static let notation = Notation.function("custom")
        /// Computes x, the forward's value.
        @inlinable public static func evaluate<T: TensorScalar>(_ x: T, _ y: T, _ c: T) -> T { x }
        /// Returns (nil, nil): the function's own rule, not this node, carries the gradient to
        /// the function's inputs.
        @inlinable public static func pullback<T: DifferentiableScalar>(_ x: T, _ y: T, _ output: T, _ c: Double, _ seed: T) -> (T?, T?) { (nil, nil) }
    }
}
