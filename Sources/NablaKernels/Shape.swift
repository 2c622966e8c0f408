/// The dimensions of an n-dimensional array, row-major. Rank 0 (`[]`) is a scalar.
public struct Shape: Hashable, Sendable, ExpressibleByArrayLiteral, CustomStringConvertible {
    /// The size of each axis, outermost first (row-major); every size is ≥ 0.
    public var dimensions: [Int]

    /// A shape with these axis sizes. A negative size is a programmer error and stops.
    @inlinable
    public init(_ dimensions: [Int]) {
        require(dimensions.allSatisfy { $0 >= 0 }, "Shape: negative dimension in \(dimensions)")
        self.dimensions = dimensions
    }

    /// A shape written as a literal, `[2, 3]`; `[]` is the scalar shape. Negative sizes stop, as in
    /// ``init(_:)``.
    public init(arrayLiteral dimensions: Int...) { self.init(dimensions) }

    /// The number of axes (0 for a scalar).
    @inlinable
    public var rank: Int { dimensions.count }
    /// The number of elements (1 for a scalar).
    @inlinable
    public var count: Int { dimensions.reduce(1, *) }
    /// The size of axis `axis`, counted from 0 (not normalised: use ``axis(_:function:)`` for an
    /// axis given from the end). Out of range traps, as `Array`'s subscript does.
    @inlinable
    public subscript(axis: Int) -> Int { dimensions[axis] }

    /// Row-major strides: how far apart, in elements, neighbours along each axis are.
    @inlinable
    public var strides: [Int] {
        var strides = [Int](repeating: 1, count: rank)
        var step = 1
        for axis in stride(from: rank - 1, through: 0, by: -1) {
            strides[axis] = step
            step *= dimensions[axis]
        }
        return strides
    }

    /// The dimensions in brackets, as error messages print them: `[2, 3]`, `[]` for a scalar.
    public var description: String { "[" + dimensions.map(String.init).joined(separator: ", ") + "]" }

    /// The shape NumPy broadcasting gives two shapes: aligned at the right, each pair of
    /// dimensions equal or one of them 1. Nil if they do not broadcast.
    @inlinable
    public static func broadcast(_ a: Shape, _ b: Shape) -> Shape? {
        let rank = Swift.max(a.rank, b.rank)
        var result = [Int](repeating: 1, count: rank)
        for k in 0..<rank {
            let x = k < rank - a.rank ? 1 : a.dimensions[k - (rank - a.rank)]
            let y = k < rank - b.rank ? 1 : b.dimensions[k - (rank - b.rank)]
            guard x == y || x == 1 || y == 1 else { return nil }
            result[k] = x == 1 ? y : x
        }
        return Shape(result)
    }

    /// Strides for reading an array of this shape as if it had shape `target` (which it
    /// broadcasts to): 0 along the axes it is repeated along.
    @inlinable
    public func broadcastStrides(to target: Shape) -> [Int] {
        let own = strides
        let offset = target.rank - rank
        return (0..<target.rank).map { k in
            k < offset || dimensions[k - offset] == 1 ? 0 : own[k - offset]
        }
    }

    /// Normalises an axis given from the end (−1 is the last) and checks it. An axis outside
    /// `-rank..<rank` is a programmer error and stops, naming `function` (a scalar accepts axis 0).
    @inlinable
    public func axis(_ axis: Int, function: String = #function) -> Int {
        let normalised = axis < 0 ? axis + rank : axis
        require(normalised >= 0 && normalised < Swift.max(rank, 1), "\(function): axis \(axis) is out of range for shape \(self)")
        return normalised
    }
}

/// Visits the elements of `shape` in row-major order, one innermost row at a time, tracking an
/// offset into each of several arrays read with their own strides. `body` gets the offsets of
/// the row's first element, the row length and the arrays' strides along the row. No recursion;
/// one call per row, so the row loop inside `body` is a plain strided loop.
///
/// Neighbouring axes that every array steps through as through one axis (stride of the outer =
/// stride of the inner × the inner's size, for every array) are visited as one, and axes of size
/// 1 are skipped, so rows are as long as the layouts allow: a row may span several of `shape`'s
/// axes (the visiting order is row-major all the same).
@inlinable
public func forEachRow(of shape: Shape, strides: [[Int]], _ body: (_ offsets: UnsafeBufferPointer<Int>, _ count: Int, _ innerStrides: UnsafeBufferPointer<Int>) -> Void) {
    let arrays = strides.count
    guard shape.count > 0 else { return }
    // The merged axes: their sizes, and each array's stride along them (axis-major: the stride of
    // array k along merged axis a is at a·arrays + k).
    var sizes: [Int] = []
    var table: [Int] = []
    for axis in 0..<shape.rank where shape.dimensions[axis] != 1 {
        let size = shape.dimensions[axis]
        if !sizes.isEmpty, (0..<arrays).allSatisfy({ table[table.count - arrays + $0] == strides[$0][axis] * size }) {
            sizes[sizes.count - 1] *= size
            for k in 0..<arrays { table[table.count - arrays + k] = strides[k][axis] }
        } else {
            sizes.append(size)
            for k in 0..<arrays { table.append(strides[k][axis]) }
        }
    }
    if sizes.isEmpty {
        let zeros = [Int](repeating: 0, count: arrays)
        zeros.withUnsafeBufferPointer { z in body(z, 1, z) }
        return
    }
    let rank = sizes.count
    let rowLength = sizes[rank - 1]
    let inner = Array(table[((rank - 1) * arrays)...])
    var offsets = [Int](repeating: 0, count: arrays)
    var counter = [Int](repeating: 0, count: rank)
    let rows = shape.count / rowLength
    inner.withUnsafeBufferPointer { inner in
        table.withUnsafeBufferPointer { table in
            sizes.withUnsafeBufferPointer { sizes in
                counter.withUnsafeMutableBufferPointer { counter in
                    offsets.withUnsafeMutableBufferPointer { offsets in
                        for _ in 0..<rows {
                            body(UnsafeBufferPointer(offsets), rowLength, inner)
                            // Advance the counter over the outer axes, moving each offset by its stride.
                            var axis = rank - 2
                            while axis >= 0 {
                                counter[axis] += 1
                                let axisStrides = axis * arrays
                                for k in 0..<arrays { offsets[k] += table[axisStrides + k] }
                                if counter[axis] < sizes[axis] { break }
                                for k in 0..<arrays { offsets[k] -= table[axisStrides + k] * counter[axis] }
                                counter[axis] = 0
                                axis -= 1
                            }
                        }
                    }
                }
            }
        }
    }
}
