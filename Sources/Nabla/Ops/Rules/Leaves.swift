import NablaKernels

extension Rules {
    /// A leaf fed from outside the graph. It has no operands, so no derivative rule.
    public enum Input: PrimitiveRule {
        public static let name = "input"
        public static let notation = Notation.special
        @inlinable public static func evaluate<T: TensorScalar>(_ x: T, _ y: T, _ c: T) -> T { x }
        @inlinable public static func pullback<T: DifferentiableScalar>(_ x: T, _ y: T, _ output: T, _ c: Double, _ seed: T) -> (T?, T?) { (nil, nil) }
    }

    /// A constant `c`. ∂c/∂anything = 0.
    public enum Constant: PrimitiveRule {
        public static let name = "const"
        public static let notation = Notation.special
        @inlinable public static func evaluate<T: TensorScalar>(_ x: T, _ y: T, _ c: T) -> T { c }
        @inlinable public static func pullback<T: DifferentiableScalar>(_ x: T, _ y: T, _ output: T, _ c: Double, _ seed: T) -> (T?, T?) { (nil, nil) }
    }
}
