// The vocabulary of tensor subscripts, PyTorch's `x[…]` in Swift: an integer (removes the axis),
// a range (a slice, clamped as Python's), a stride (a slice with a step), `.all` (Python's `:`),
// `.ellipsis` (`...`), `.newAxis` (`None`), `.slice(start:end:step:)` and `.indices([…])` (a list
// of indices along one axis). Swift's own `...` is not accepted: alone in a subscript it means
// "the whole collection", while PyTorch's `...` means "as many whole axes as needed"; `.all` and
// `.ellipsis` say which is meant.

/// One entry of a tensor subscript (`x[i, j, …]` on any ``DifferentiableTensor``): what to take
/// along one axis, or the markers `.ellipsis` and `.newAxis`.
///
/// Integers, ranges and strides convert to it by themselves (``TensorIndexConvertible``), so
/// `x[1]`, `x[-1]`, `x[1..<3, .all]`, `x[.ellipsis, 0]`, `x[stride(from: 0, to: 6, by: 2)]` and
/// `x[.slice(start: -3, step: 2)]` read as their PyTorch counterparts `x[1]`, `x[-1]`,
/// `x[1:3, :]`, `x[..., 0]`, `x[0:6:2]`, `x[-3::2]`.
public struct TensorIndex: Sendable, Hashable, CustomStringConvertible {
    enum Kind: Sendable, Hashable {
        case single(Int)
        case slice(start: Int?, end: Int?, step: Int)
        case list([Int])
        case all
        case ellipsis
        case newAxis
    }

    let kind: Kind

    init(_ kind: Kind) { self.kind = kind }

    /// The index as Python writes it: `2`, `1:3`, `::2`, `:`, `...`, `None`, `[0, 2]`.
    public var description: String {
        switch kind {
        case .single(let i): "\(i)"
        case .slice(let start, let end, let step):
            (start.map(String.init) ?? "") + ":" + (end.map(String.init) ?? "") + (step == 1 ? "" : ":\(step)")
        case .list(let list): "\(list)"
        case .all: ":"
        case .ellipsis: "..."
        case .newAxis: "None"
        }
    }
}

/// What can stand in a tensor subscript: ``TensorIndex`` itself, `Int` (one entry, the axis
/// removed; −1 is the last), `Range<Int>`, `ClosedRange<Int>` and the partial ranges (slices with
/// Python's bounds: negative from the end, clamped to the axis), and `StrideTo<Int>`,
/// `StrideThrough<Int>` (slices with a step ≥ 1, their first and last elements read as the bounds).
public protocol TensorIndexConvertible {
    /// The subscript entry this value stands for.
    var tensorIndex: TensorIndex { get }
}

extension TensorIndexConvertible where Self == TensorIndex {
    /// The whole axis (Python's `:`).
    public static var all: TensorIndex { TensorIndex(.all) }
    /// As many whole axes as the other entries leave (Python's `...`); at most one per subscript.
    public static var ellipsis: TensorIndex { TensorIndex(.ellipsis) }
    /// A new axis of size 1 at this place (Python's `None`); it takes no axis of the tensor.
    public static var newAxis: TensorIndex { TensorIndex(.newAxis) }
    /// Python's slice `start:end:step`: nil bounds are the axis's ends, negative ones count from
    /// the end, bounds beyond the axis are clamped to it; `step` must be ≥ 1 (as in PyTorch).
    public static func slice(start: Int? = nil, end: Int? = nil, step: Int = 1) -> TensorIndex {
        TensorIndex(.slice(start: start, end: end, step: step))
    }
    /// The entries at `indices` along the axis, in that order, repeats allowed, negative ones
    /// from the end (PyTorch's `x[:, [0, 2]]`, an `index_select`). At most one list per subscript;
    /// with integer entries not next to it, its axis comes first in the result, as in NumPy.
    public static func indices(_ indices: [Int]) -> TensorIndex { TensorIndex(.list(indices)) }
}

extension TensorIndex: TensorIndexConvertible {
    /// Itself.
    public var tensorIndex: TensorIndex { self }
}

extension Int: TensorIndexConvertible {
    /// One entry of the axis, which is removed (Python's `x[2]`); −1 is the last.
    public var tensorIndex: TensorIndex { TensorIndex(.single(self)) }
}

extension Range: TensorIndexConvertible where Bound == Int {
    /// The slice `lower:upper` (Python's bounds: negative from the end, clamped).
    public var tensorIndex: TensorIndex { .slice(start: lowerBound, end: upperBound) }
}

extension ClosedRange: TensorIndexConvertible where Bound == Int {
    /// The slice from `lower` through `upper`, both included: `-3...(-1)` is the last three.
    public var tensorIndex: TensorIndex { .slice(start: lowerBound, end: upperBound == -1 ? nil : upperBound + 1) }
}

extension PartialRangeFrom: TensorIndexConvertible where Bound == Int {
    /// The slice `lower:` (Python's `x[2:]`).
    public var tensorIndex: TensorIndex { .slice(start: lowerBound) }
}

extension PartialRangeUpTo: TensorIndexConvertible where Bound == Int {
    /// The slice `:upper` (Python's `x[:3]`).
    public var tensorIndex: TensorIndex { .slice(end: upperBound) }
}

extension PartialRangeThrough: TensorIndexConvertible where Bound == Int {
    /// The slice through `upper`, included (`...(-1)` is the whole axis).
    public var tensorIndex: TensorIndex { .slice(end: upperBound == -1 ? nil : upperBound + 1) }
}

/// The slice a stride stands for: its first and last elements as bounds, the difference of its
/// first two as the step.
private func strideSlice<S: Sequence<Int>>(_ elements: S) -> TensorIndex {
    var iterator = elements.makeIterator()
    guard let first = iterator.next() else { return .slice(start: 0, end: 0) }
    guard let second = iterator.next() else { return .slice(start: first, end: first == -1 ? nil : first + 1) }
    var last = second
    while let next = iterator.next() { last = next }
    return .slice(start: first, end: last == -1 ? nil : last + 1, step: second - first)
}

extension StrideTo: TensorIndexConvertible where Element == Int {
    /// The slice `from:to:by` (Python's `x[0:6:2]` is `x[stride(from: 0, to: 6, by: 2)]`); the
    /// step must be ≥ 1.
    public var tensorIndex: TensorIndex { strideSlice(self) }
}

extension StrideThrough: TensorIndexConvertible where Element == Int {
    /// The slice from `from` through `through` by a step ≥ 1.
    public var tensorIndex: TensorIndex { strideSlice(self) }
}
