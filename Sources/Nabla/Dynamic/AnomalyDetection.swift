#if canImport(Runtime)
import Runtime
#endif

/// Runs `body` with anomaly detection on this thread, as PyTorch's `torch.autograd.detect_anomaly`:
/// the first operation of a dynamic graph (``Tensor``, ``Value`` or a ``GradientTape`` scope)
/// whose forward or backward pass produces NaN or ±∞ from finite numbers is found, and thrown as
/// an ``Anomaly`` when `body` returns: its op, its operands' shapes (or values), what went
/// non-finite, and the Swift file and line of your code that created the op.
///
/// ```swift
/// try withAnomalyDetection {
///     let loss = model(x).crossEntropy(labels: labels)
///     loss.backward()
/// }                       // throws: "backward of sqrt … created at Train.swift:42 …"
/// optimizer.step()        // not reached with NaN gradients
/// ```
///
/// The computation inside runs to its end (NaN propagates as usual); the report names where it
/// started. Put the optimiser's step after the scope so that it does not apply NaN gradients.
/// Off by default; inside the scope every recorded op also captures its call stack (about 2 µs)
/// and every result is scanned, so use it to hunt a problem, not in production. A `throw` from
/// `body` itself is passed on unchanged. Scopes nest; each reports what happened inside it.
///
/// The file and line come from the program's debug information, which SwiftPM builds include on
/// Linux in debug and release; without it the report names the op and shapes but no location.
public func withAnomalyDetection<Result>(_ body: () throws -> Result) throws -> Result {
    let context = RecordingContext.forThisThread
    let outer = context.anomalyDetector
    let detector = AnomalyDetector()
    context.anomalyDetector = detector
    defer { context.anomalyDetector = outer }
    let result = try body()
    if let anomaly = detector.first { throw anomaly }
    return result
}

/// The first NaN or ±∞ produced inside ``withAnomalyDetection(_:)``.
public struct Anomaly: Error, Equatable, CustomStringConvertible, Sendable {
    /// The pass in which the non-finite value appeared; the raw value is printed in the report.
    public enum Pass: String, Sendable {
        /// The op's result is not finite though its operands are.
        case forward
        /// The op's derivative rule (its vector–Jacobian product) gave a non-finite gradient.
        case backward
    }

    /// Where in the user's code an op was created.
    public struct Origin: Equatable, CustomStringConvertible, Sendable {
        /// The source file's path, as the debug information records it.
        public var file: String
        /// The line in `file`.
        public var line: Int
        /// The enclosing function's name, as the call stack's symbol gives it.
        public var function: String?
        /// `file:line`, then ` in function` when known.
        public var description: String { "\(file):\(line)" + (function.map { " in \($0)" } ?? "") }
    }

    /// The op's name (`"log"`, `"matmul"`, `"sum"`), as the op catalogue names it.
    public var operation: String
    /// Whether the op's forward computation or its derivative rule went non-finite.
    public var pass: Pass
    /// The operands' shapes (tensors), or [] for scalar values.
    public var inputShapes: [Shape]
    /// What is not finite, e.g. `"log(-2) = nan"` or `"1 of 6 entries is inf"`.
    public var detail: String
    /// The Swift file and line that created the op; nil without debug information.
    public var origin: Origin?

    /// One line: the pass, the op and its operands' shapes, the `detail`, and where the op was
    /// created (or that there was no debug information to say).
    public var description: String {
        let shapes = inputShapes.isEmpty ? "" : " of " + inputShapes.map(\.description).joined(separator: " and ")
        let place = origin.map { ", created at \($0)" } ?? " (no debug information to say where it was created)"
        return "anomaly: the \(pass.rawValue) pass of \(operation)\(shapes) produced a non-finite value: \(detail)\(place)"
    }
}

/// The state of one ``withAnomalyDetection(_:)`` scope: the first anomaly, and the call stacks of
/// the ops recorded inside it (kept on their tapes, captured raw and read only for the report).
final class AnomalyDetector {
    private(set) var first: Anomaly?

    #if canImport(Runtime)
    typealias CallStack = Backtrace
    /// The process's loaded images, captured once per scope: capturing a call stack with them at
    /// hand costs about 2 µs, without them hundreds.
    private let images = ImageMap.capture()

    func captureCallStack() -> CallStack? {
        try? Backtrace.capture(algorithm: .fast, limit: 16, top: 0, images: images)
    }

    /// The first frame of the call stack in the user's code: outside Nabla's own sources and
    /// with a source location.
    private func origin(of stack: CallStack?) -> Anomaly.Origin? {
        guard let frames = stack?.symbolicated(with: images)?.frames else { return nil }
        for frame in frames {
            guard let symbol = frame.symbol, let location = symbol.sourceLocation,
                  location.line > 0, !Self.isLibrarySource(location.path), !location.path.hasPrefix("<"),
                  !location.path.contains("/@__swiftmacro_")   // a macro's expansion: its caller names the line
            else { continue }
            return Anomaly.Origin(file: location.path, line: location.line, function: symbol.name)
        }
        return nil
    }
    #else
    typealias CallStack = Never
    func captureCallStack() -> CallStack? { nil }
    private func origin(of stack: CallStack?) -> Anomaly.Origin? { nil }
    #endif

    /// Whether a source path is one of Nabla's own files (`…/Sources/Nabla/…` or
    /// `…/Sources/NablaKernels/…`, absolute as in debug builds or relative to the package as in
    /// release builds), whose frames are the library's, not the user's.
    private static func isLibrarySource(_ path: String) -> Bool {
        ["Sources/Nabla/", "Sources/NablaKernels/"].contains { folder in path.hasPrefix(folder) || path.contains("/" + folder) }
    }

    private func report(_ anomaly: @autoclosure () -> Anomaly) {
        if first == nil { first = anomaly() }
    }

    // MARK: Scalar tapes (Value, GradientTape)

    /// Called for each node recorded on a scalar tape inside the scope.
    func recorded(on tape: Tape, _ index: Int32) {
        let stack = captureCallStack()
        if let stack { tape.origins[index] = stack }
        guard first == nil else { return }
        let storage = tape.storage, i = Int(index)
        let (op, operands) = Self.operation(at: i, of: storage)
        let x = storage.values[Int(storage.lhs[i])], y = storage.values[Int(storage.rhs[i])]
        guard !storage.values[i].isFinite, x.isFinite && (op.arity < 2 || y.isFinite) else { return }
        report(Anomaly(operation: op.name, pass: .forward, inputShapes: [],
                       detail: "\(op.name)(\(operands)) = \(Self.format(storage.values[i]))", origin: origin(of: stack)))
    }

    /// The primitive of scalar node `i` and its operands' values, written `-2` or `0, 1`.
    private static func operation(at i: Int, of storage: TapeStorage) -> (Primitive, String) {
        let op = storage.ops[i]
        let x = format(storage.values[Int(storage.lhs[i])]), y = format(storage.values[Int(storage.rhs[i])])
        return (op, op.arity == 2 ? "\(x), \(y)" : x)
    }

    /// Called when the derivative rule of scalar node `index` gave `gradients` (nil: none).
    func checkBackward(on tape: Tape, _ index: Int, seed: Double, _ gradients: (Double?, Double?)) {
        guard first == nil, seed.isFinite else { return }
        let bad = [gradients.0, gradients.1].compactMap { $0 }.first { !$0.isFinite }
        guard let bad else { return }
        let (op, operands) = Self.operation(at: index, of: tape.storage)
        report(Anomaly(operation: op.name, pass: .backward, inputShapes: [],
                       detail: "the derivative of \(op.name)(\(operands)) is \(Self.format(bad))",
                       origin: origin(of: tape.origins[Int32(index)])))
    }

    // MARK: Tensor tapes

    /// Called for each node recorded on a tensor tape inside the scope.
    func recorded<Scalar>(on tape: TensorTape<Scalar>, _ index: Int32) {
        let stack = captureCallStack()
        if let stack { tape.origins[index] = stack }
        guard first == nil else { return }
        let node = tape.nodes[Int(index)]
        guard let summary = Self.nonFiniteSummary(node.value) else { return }
        let operands = node.operation.arity == 2 ? [node.x, node.y] : [node.x]
        guard operands.allSatisfy({ Self.nonFiniteSummary(tape.nodes[Int($0)].value) == nil }) else { return }
        report(Anomaly(operation: node.operation.name, pass: .forward,
                       inputShapes: operands.map { tape.nodes[Int($0)].value.shape },
                       detail: summary, origin: origin(of: stack)))
    }

    /// Called when the derivative rule of tensor node `index` gave `gradients` (nil: none).
    func checkBackward<Scalar>(on tape: TensorTape<Scalar>, _ index: Int, _ gradients: (NDArray<Scalar>?, NDArray<Scalar>?)) {
        guard first == nil else { return }
        let summary = gradients.0.flatMap(Self.nonFiniteSummary) ?? gradients.1.flatMap(Self.nonFiniteSummary)
        guard let summary else { return }
        let node = tape.nodes[index]
        let operands = node.operation.arity == 2 ? [node.x, node.y] : [node.x]
        report(Anomaly(operation: node.operation.name, pass: .backward,
                       inputShapes: operands.map { tape.nodes[Int($0)].value.shape },
                       detail: "in its gradient, " + summary, origin: origin(of: tape.origins[Int32(index)])))
    }

    // MARK: Formatting

    static func format(_ x: Double) -> String { NumberFormat.shortest(x) }

    /// "1 of 6 entries is nan", "2 of 6 entries are inf, 1 is -inf"; nil when all are finite.
    static func nonFiniteSummary<Scalar: TensorScalar>(_ array: NDArray<Scalar>) -> String? {
        var nan = 0, positive = 0, negative = 0
        array.withUnsafeBufferPointer { buffer in
            for x in buffer where !x.isFinite {
                if x.isNaN { nan += 1 } else if x > 0 { positive += 1 } else { negative += 1 }
            }
        }
        let parts = [(nan, "nan"), (positive, "inf"), (negative, "-inf")].filter { $0.0 > 0 }
        guard !parts.isEmpty else { return nil }
        return parts.enumerated().map { k, part in
            let verb = part.0 == 1 ? "is" : "are"
            return k == 0 ? "\(part.0) of \(array.count) entries \(verb) \(part.1)" : "\(part.0) \(verb) \(part.1)"
        }.joined(separator: ", ")
    }
}
