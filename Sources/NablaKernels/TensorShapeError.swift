/// A shape mismatch: which operation, which shapes, and why. Thrown where shapes come from
/// outside (an array built from data, a static graph, a model's input); see the README's
/// "Reliability" section.
public struct TensorShapeError: Error, Equatable, CustomStringConvertible, Sendable {
    /// The operation that found the mismatch, as its caller wrote it
    /// (`"NDArray(shape:scalars:)"`, …).
    public var operation: String
    /// The shapes involved, in the order the operation took them.
    public var shapes: [Shape]
    /// What is wrong, in words (`"needs 6 elements, got 5"`).
    public var reason: String

    /// An error naming `operation`, the `shapes` it was given and the `reason` they do not fit.
    public init(operation: String, shapes: [Shape], reason: String) {
        self.operation = operation
        self.shapes = shapes
        self.reason = reason
    }

    /// `operation: shape and shape — reason`, the line error messages print.
    public var description: String {
        "\(operation): " + shapes.map(\.description).joined(separator: " and ") + " — \(reason)"
    }
}
