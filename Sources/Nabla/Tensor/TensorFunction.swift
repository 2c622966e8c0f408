/// A static tensor program with open dimensions, compiled per input shape, as `jax.jit` traces a
/// function once per shape. Inputs are declared with shapes in which a dimension may be left
/// open (`nil`, typically the batch); the body builds the outputs from symbols. At declaration
/// the body is traced once, with every open dimension set to 1, so shape mismatches are found
/// then; each new combination of input shapes traces and compiles again, and is cached.
///
/// ```swift
/// let predict = try TensorFunction<Float>(inputs: [("x", [nil, 784]), ("w", [784, 10])]) { s in
///     [s["x"]!.matmul(s["w"]!).softmax(axis: 1)]
/// }
/// let probabilities = try predict(["x": batch, "w": weights])[0]    // any batch size
/// ```
public final class TensorFunction<Scalar: TensorScalar> {
    /// The function's body: given a symbol per input name, returns the output symbols.
    public typealias Body = ([String: TensorSymbol<Scalar>]) throws -> [TensorSymbol<Scalar>]

    /// The inputs and their shapes, `nil` for an open dimension.
    public let inputs: [(name: String, shape: [Int?])]
    private let body: Body
    private var programs: [[Shape]: TensorProgram<Scalar>] = [:]

    /// Declares the inputs (a `nil` dimension is open) and traces `body` once with every open
    /// dimension set to 1. Throws what the body throws, or the graph's first shape mismatch
    /// (`TensorShapeError`).
    public init(inputs: [(name: String, shape: [Int?])], _ body: @escaping Body) throws {
        self.inputs = inputs
        self.body = body
        _ = try compile(for: inputs.map { Shape($0.shape.map { $0 ?? 1 }) })
    }

    /// How many input shapes have been compiled so far.
    public var compiledShapes: Int { programs.count }

    /// Runs the function; inputs must match their declared shapes (open dimensions may take any
    /// size).
    public func callAsFunction(_ feeds: [String: NDArray<Scalar>]) throws -> [NDArray<Scalar>] {
        for name in feeds.keys where !inputs.contains(where: { $0.name == name }) {
            throw TensorProgramError.unknownInput(name)
        }
        var shapes: [Shape] = []
        for input in inputs {
            guard let value = feeds[input.name] else { throw TensorProgramError.missingInput(input.name) }
            let fits = value.shape.rank == input.shape.count
                && zip(value.shape.dimensions, input.shape).allSatisfy { $1 == nil || $0 == $1 }
            guard fits else {
                throw TensorProgramError.wrongShape(input.name, expected: Shape(input.shape.map { $0 ?? 0 }), got: value.shape)
            }
            shapes.append(value.shape)
        }
        return try compile(for: shapes).run(feeds)
    }

    private func compile(for shapes: [Shape]) throws -> TensorProgram<Scalar> {
        if let program = programs[shapes] { return program }
        let graph = TensorGraph<Scalar>()
        var symbols: [String: TensorSymbol<Scalar>] = [:]
        for (input, shape) in zip(inputs, shapes) { symbols[input.name] = graph.input(input.name, shape: shape) }
        let outputs = try body(symbols)
        let program = try graph.compile(outputs)
        programs[shapes] = program
        return program
    }
}
