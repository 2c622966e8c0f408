/// A shape mismatch: which operation, which shapes, and why. Thrown where shapes come from
/// outside (an array built from data, a static graph, a model's input); see the README's
/// "Reliability" section.
public struct TensorShapeError: Error, Equatable, CustomStringConvertible, Sendable {
    public var operation: String
    public var shapes: [Shape]
    public var reason: String

    public init(operation: String, shapes: [Shape], reason: String) {
        self.operation = operation
        self.shapes = shapes
        self.reason = reason
    }

    public var description: String {
        "\(operation): " + shapes.map(\.description).joined(separator: " and ") + " — \(reason)"
    }
}
