import NablaKernels

extension Rules {
    /// A leaf fed from outside the graph. It has no operands, so no derivative rule.
    public enum Input: PrimitiveRule {
        /// `"input"`, the name in exports and error messages.
        public static let name = "input"
        /// Written by ``Formula``'s own rule (``Notation/special``).
        public static let notation = Notation.special
        /// Computes x, the value fed in.
        @inlinable public static func evaluate<T: TensorScalar>(_ x: T, _ y: T, _ c: T) -> T { x }
        /// Returns (nil, nil): a leaf has no operands.
        @inlinable public static func pullback<T: DifferentiableScalar>(_ x: T, _ y: T, _ output: T, _ c: Double, _ seed: T) -> (T?, T?) { (nil, nil) }
    }

    /// A constant `c`. ∂c/∂anything = 0.
    public enum Constant: PrimitiveRule {
        /// `"const"`, the name in exports and error messages.
        public static let name = "const"
        /// Written by ``Formula``'s own rule (``Notation/special``).
        public static let notation = Notation.special
        /// Computes c.
        @inlinable public static func evaluate<T: TensorScalar>(_ x: T, _ y: T, _ c: T) -> T { c }
        /// Returns (nil, nil): a constant has no operands.
        @inlinable public static func pullback<T: DifferentiableScalar>(_ x: T, _ y: T, _ output: T, _ c: Double, _ seed: T) -> (T?, T?) { (nil, nil) }
    }

    /// A value supplied by a static graph's loop: a step index or carry inside the body, a
    /// result outside it. Like an input it has no operands, so no derivative rule of its own:
    /// the loop's derivative is the loop run backwards over its body's derivative (see
    /// `Graph.loop(count:carrying:_:)`).
    public enum LoopValue: PrimitiveRule {
        /// `"loop"`, the name in exports and error messages.
        public static let name = "loop"
        /// Written by ``Formula``'s own rule (``Notation/special``).
        public static let notation = Notation.special
        /// Computes x, the value the loop supplies.
        @inlinable public static func evaluate<T: TensorScalar>(_ x: T, _ y: T, _ c: T) -> T { x }
        /// Returns (nil, nil): the loop, not this node, carries the gradient.
        @inlinable public static func pullback<T: DifferentiableScalar>(_ x: T, _ y: T, _ output: T, _ c: Double, _ seed: T) -> (T?, T?) { (nil, nil) }
    }
}
