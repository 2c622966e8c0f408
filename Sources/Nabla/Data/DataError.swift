/// What can go wrong when loading a data set, building a ``Dataset`` or batching one.
public enum DataError: Error, Equatable, CustomStringConvertible {
    /// A data file the library ships is not in its resource bundle.
    case missingResource(String)
    /// A resource exists but could not be read.
    case unreadableResource(String, reason: String)
    /// A compressed resource is not valid gzip.
    case corruptResource(String, GzipError)
    /// A line of a text data file is malformed; `line` counts from 1.
    case malformedLine(file: String, line: Int, reason: String)
    /// A dataset's inputs are a single number: they need a first axis that counts the examples.
    case inputsHaveNoExampleAxis
    /// A dataset's labels or targets (`what`) number `count` where the inputs have `examples`.
    case countMismatch(what: String, count: Int, examples: Int)
    /// A batch size that is not positive.
    case invalidBatchSize(Int)

    /// A message naming the file, line or count at fault.
    public var description: String {
        switch self {
        case .missingResource(let name):
            "the data file '\(name)' is not in the Nabla resource bundle"
        case .unreadableResource(let name, let reason):
            "cannot read the data file '\(name)': \(reason)"
        case .corruptResource(let name, let error):
            "the data file '\(name)' is corrupt: \(error)"
        case .malformedLine(let file, let line, let reason):
            "\(file), line \(line): \(reason)"
        case .inputsHaveNoExampleAxis:
            "a dataset's inputs need a first axis that counts the examples, but they have shape []"
        case .countMismatch(let what, let count, let examples):
            "a dataset has \(count) \(what) for \(examples) examples"
        case .invalidBatchSize(let size):
            "the batch size must be positive, not \(size)"
        }
    }
}
