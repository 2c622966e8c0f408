/// An n-dimensional array of `Float` or `Double`, row-major, with value semantics (copy on
/// write: copies share storage until one is changed). The storage layer of tensors: no graphs,
/// no gradients, usable on its own.
public struct NDArray<Scalar: TensorScalar>: Sendable {
    /// The size of each axis. Fixed once made: ``reshaped(_:)`` gives a new array.
    public private(set) var shape: Shape
    /// The elements in row-major order. Settable (for in-place kernels), but the count must stay
    /// that of the shape.
    public var scalars: [Scalar] {
        didSet { require(scalars.count == shape.count, "NDArray: \(scalars.count) elements for shape \(shape)") }
    }

    /// An array of `shape` holding `scalars` in row-major order. Their count must be the
    /// shape's: data from outside is checked here, and a mismatch is thrown, not a stop.
    public init(shape: Shape, scalars: [Scalar]) throws(TensorShapeError) {
        guard shape.count == scalars.count else {
            throw TensorShapeError(operation: "NDArray(shape:scalars:)", shapes: [shape],
                                   reason: "needs \(shape.count) elements, got \(scalars.count)")
        }
        self.init(shape: shape, checkedScalars: scalars)
    }

    /// For elements whose count the caller has made that of `shape` (a mismatch is a bug in
    /// Nabla, and stops).
    @usableFromInline
    package init(shape: Shape, checkedScalars scalars: [Scalar]) {
        require(shape.count == scalars.count, "NDArray: shape \(shape) needs \(shape.count) elements, got \(scalars.count)")
        self.shape = shape
        self.scalars = scalars
    }

    /// An array of `shape` with every element `value` (NumPy's `full`).
    public init(repeating value: Scalar, shape: Shape) {
        self.init(shape: shape, checkedScalars: [Scalar](repeating: value, count: shape.count))
    }

    /// A rank-0 array.
    public init(_ value: Scalar) { self.init(shape: [], checkedScalars: [value]) }

    /// The number of axes (0 for a scalar).
    public var rank: Int { shape.rank }
    /// The number of elements, the product of the dimensions (1 for rank 0).
    public var count: Int { scalars.count }

    /// The only element of an array of one element (of any rank); any other count is a programmer
    /// error and stops.
    public var scalar: Scalar {
        require(count == 1, "NDArray.scalar: the array has shape \(shape), not one element")
        return scalars[0]
    }

    /// The element at a multi-dimensional index, one non-negative entry per axis; a wrong count or
    /// an entry out of range is a programmer error and stops.
    public subscript(index: [Int]) -> Scalar {
        get { scalars[offset(of: index)] }
        set { scalars[offset(of: index)] = newValue }
    }

    func offset(of index: [Int]) -> Int {
        require(index.count == rank, "NDArray: index \(index) for shape \(shape)")
        var offset = 0
        for (axis, (i, stride)) in Swift.zip(index, shape.strides).enumerated() {
            require(i >= 0 && i < shape[axis], "NDArray: index \(index) is out of range for shape \(shape)")
            offset += i * stride
        }
        return offset
    }

    /// The same elements, in the same row-major order, with another shape (PyTorch's `reshape`).
    /// A shape of another count is a programmer error and stops.
    @inlinable
    public func reshaped(_ newShape: Shape) -> NDArray {
        require(newShape.count == count, "reshape: cannot reshape \(shape) (\(count) elements) to \(newShape)")
        return NDArray(shape: newShape, checkedScalars: scalars)
    }

    /// Runs `body` with the elements' storage.
    @inlinable
    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Scalar>) throws -> R) rethrows -> R {
        try scalars.withUnsafeBufferPointer(body)
    }

    /// Makes an array of `shape` by filling its storage.
    @inlinable
    public static func build(_ shape: Shape, _ fill: (UnsafeMutableBufferPointer<Scalar>) -> Void) -> NDArray {
        let scalars = [Scalar](unsafeUninitializedCapacity: shape.count) { buffer, count in
            fill(buffer)
            count = shape.count
        }
        return NDArray(shape: shape, checkedScalars: scalars)
    }
}

extension NDArray: Equatable {}

// MARK: Creation

extension NDArray {
    /// An array of `shape` filled with 0 (NumPy's and PyTorch's `zeros`).
    @inlinable
    public static func zeros(_ shape: Shape) -> NDArray { NDArray(repeating: 0, shape: shape) }
    /// An array of `shape` filled with 1 (NumPy's and PyTorch's `ones`).
    @inlinable
    public static func ones(_ shape: Shape) -> NDArray { NDArray(repeating: 1, shape: shape) }
    /// An array of `shape` filled with `value` (NumPy's and PyTorch's `full`).
    public static func full(_ shape: Shape, _ value: Scalar) -> NDArray { NDArray(repeating: value, shape: shape) }

    /// start, start + step, … below end (as NumPy's arange): ⌈(end − start)/step⌉ elements, none
    /// if that is negative. A step of 0 is a programmer error and stops.
    public static func arange(_ start: Scalar, _ end: Scalar, step: Scalar = 1) -> NDArray {
        require(step != 0, "arange: step is 0")
        let n = Swift.max(0, Int(((end - start) / step).rounded(.up)))
        return NDArray(shape: [n], checkedScalars: (0..<n).map { start + Scalar($0) * step })
    }

    /// `count` evenly spaced values from start to end inclusive (as NumPy's linspace); the last is
    /// exactly `end` when count ≥ 2. A negative count is a programmer error and stops.
    public static func linspace(_ start: Scalar, _ end: Scalar, count: Int) -> NDArray {
        require(count >= 0, "linspace: negative count")
        if count == 1 { return NDArray(shape: [1], checkedScalars: [start]) }
        let step = (end - start) / Scalar(Swift.max(count - 1, 1))
        return NDArray(shape: [count], checkedScalars: (0..<count).map { $0 == count - 1 ? end : start + Scalar($0) * step })
    }

    /// The n×n identity matrix.
    public static func identity(_ n: Int) -> NDArray {
        var result = zeros([n, n])
        for i in 0..<n { result.scalars[i * n + i] = 1 }
        return result
    }

    /// Normally distributed values from a seeded generator: the same seed gives the same numbers
    /// on every machine (the generator and the Box–Muller transform are computed in Double with
    /// correctly rounded operations only).
    public static func randomNormal(_ shape: Shape, mean: Scalar = 0, standardDeviation: Scalar = 1, seed: UInt64) -> NDArray {
        var generator = SeededGenerator(seed: seed)
        var values: [Scalar] = []
        values.reserveCapacity(shape.count)
        while values.count < shape.count {
            let (z0, z1) = generator.nextNormalPair()
            values.append(mean + standardDeviation * Scalar(z0))
            if values.count < shape.count { values.append(mean + standardDeviation * Scalar(z1)) }
        }
        return NDArray(shape: shape, checkedScalars: values)
    }

    /// Uniformly distributed values in [low, high) from a seeded generator.
    public static func randomUniform(_ shape: Shape, low: Scalar = 0, high: Scalar = 1, seed: UInt64) -> NDArray {
        var generator = SeededGenerator(seed: seed)
        return NDArray(shape: shape, checkedScalars: (0..<shape.count).map { _ in low + (high - low) * Scalar(generator.nextUnit()) })
    }
}

/// The 64-bit LCG of Benchmarks/WORKLOADS.md: the same seed gives the same sequence on
/// every machine and in every language.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    /// The current state: the seed before the first ``next()``, then the last value returned.
    public private(set) var state: UInt64
    /// A generator starting from `seed`; equal seeds give equal sequences.
    public init(seed: UInt64) { state = seed }

    /// Advances the state, s ← 6364136223846793005·s + 1442695040888963407 (mod 2⁶⁴), and
    /// returns it.
    public mutating func next() -> UInt64 {
        state = 6364136223846793005 &* state &+ 1442695040888963407
        return state
    }

    /// A double in [0, 1): the top 53 bits of the new state, times 2⁻⁵³.
    public mutating func nextUnit() -> Double { Double(next() >> 11) * 0x1p-53 }

    /// Two independent standard normal values (Box–Muller).
    public mutating func nextNormalPair() -> (Double, Double) {
        let u1 = 1 - nextUnit()          // in (0, 1], so the log is finite
        let u2 = nextUnit()
        let radius = (-2 * Double.log(u1)).squareRoot()
        let angle = 2 * Double.pi * u2
        return (radius * Double.cos(angle), radius * Double.sin(angle))
    }
}

// MARK: Elementwise

extension NDArray {
    /// `f` applied to every element. With a `minimumChunk` (elements per thread, as
    /// ``Kernels/forEachChunk(of:minimumChunk:_:)`` takes it), a large array is split over
    /// ``Kernels/threads`` threads and `f` is called concurrently: pass one only for an `f`
    /// without state. By default the loop stays on the calling thread, in order.
    @inlinable @inline(__always)
    public func map(minimumChunk: Int = .max, _ f: (Scalar) -> Scalar) -> NDArray {
        // A plain loop over raw buffers (not Array.map, which appends one element at a time),
        // so the compiler can vectorise it; large arrays in chunks on several threads.
        NDArray.build(shape) { out in
            scalars.withUnsafeBufferPointer { x in
                Kernels.forEachChunk(of: out.count, minimumChunk: minimumChunk) { range in
                    for i in range { out[i] = f(x[i]) }
                }
            }
        }
    }

    /// `f` applied to corresponding elements of two arrays, with NumPy broadcasting. Shapes that
    /// do not broadcast are a programmer error and stop, naming `operation`. O(result count).
    /// `minimumChunk` as for ``map(minimumChunk:_:)`` (used where the shapes are equal).
    @inlinable @inline(__always)
    public static func combine(_ a: NDArray, _ b: NDArray, operation: String = "elementwise op",
                               minimumChunk: Int = .max, _ f: (Scalar, Scalar) -> Scalar) -> NDArray {
        if a.shape == b.shape {
            return NDArray.build(a.shape) { out in
                a.scalars.withUnsafeBufferPointer { x in
                    b.scalars.withUnsafeBufferPointer { y in
                        Kernels.forEachChunk(of: out.count, minimumChunk: minimumChunk) { range in
                            for i in range { out[i] = f(x[i], y[i]) }
                        }
                    }
                }
            }
        }
        guard let shape = Shape.broadcast(a.shape, b.shape) else {
            requirementFailed("\(operation): shapes \(a.shape) and \(b.shape) do not broadcast")
        }
        if b.count == 1 {
            let y = b.scalars[0]
            return NDArray(shape: shape, checkedScalars: a.broadcast(to: shape).scalars.map { f($0, y) })
        }
        // The commonest broadcast (a bias row added to every row): one operand has the full
        // shape and the other is its trailing axes. Row by row, contiguous, vectorisable.
        let trailing = b.shape.dimensions.drop { $0 == 1 }
        if a.shape == shape, !trailing.isEmpty, shape.dimensions.suffix(trailing.count).elementsEqual(trailing) {
            let n = b.count
            return NDArray.build(shape) { out in
                a.scalars.withUnsafeBufferPointer { x in
                    b.scalars.withUnsafeBufferPointer { y in
                        var base = 0
                        while base < out.count {
                            for j in 0..<n { out[base + j] = f(x[base + j], y[j]) }
                            base += n
                        }
                    }
                }
            }
        }
        if a.count == 1 {
            let x = a.scalars[0]
            return NDArray(shape: shape, checkedScalars: b.broadcast(to: shape).scalars.map { f(x, $0) })
        }
        // The rows first (where each starts in a, b and the result; every row has the same
        // length and strides), then the loops here, where `f` is inlined: called from inside
        // forEachRow's closure it was an indirect call per element.
        let strides = [a.shape.broadcastStrides(to: shape), b.shape.broadcastStrides(to: shape), shape.strides]
        var starts: [Int] = []
        var rowLength = 0, stepX = 0, stepY = 0
        forEachRow(of: shape, strides: strides) { offsets, count, inner in
            starts.append(offsets[0]); starts.append(offsets[1]); starts.append(offsets[2])
            (rowLength, stepX, stepY) = (count, inner[0], inner[1])
        }
        return NDArray.build(shape) { out in
            a.scalars.withUnsafeBufferPointer { x in
                b.scalars.withUnsafeBufferPointer { y in
                    starts.withUnsafeBufferPointer { starts in
                        for row in 0..<(starts.count / 3) {
                            var (i, j, k) = (starts[3 &* row], starts[3 &* row &+ 1], starts[3 &* row &+ 2])
                            // Rows where one operand is contiguous and the other constant (a
                            // per-channel bias or scale over NCHW images), or both contiguous:
                            // plain loops that vectorise. Other rows step with their strides.
                            switch (stepX, stepY) {
                            case (1, 0):
                                let c = y[j]
                                for t in 0..<rowLength { out[k &+ t] = f(x[i &+ t], c) }
                            case (0, 1):
                                let c = x[i]
                                for t in 0..<rowLength { out[k &+ t] = f(c, y[j &+ t]) }
                            case (1, 1):
                                for t in 0..<rowLength { out[k &+ t] = f(x[i &+ t], y[j &+ t]) }
                            default:
                                for _ in 0..<rowLength {
                                    out[k] = f(x[i], y[j])
                                    i &+= stepX; j &+= stepY; k &+= 1
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// Replaces each element x by f(x), in place (copying first only if the storage is shared).
    /// `minimumChunk` as for ``map(minimumChunk:_:)``.
    @inlinable
    public mutating func updateEach(minimumChunk: Int = .max, _ f: (Scalar) -> Scalar) {
        scalars.withUnsafeMutableBufferPointer { x in
            Kernels.forEachChunk(of: x.count, minimumChunk: minimumChunk) { range in
                for i in range { x[i] = f(x[i]) }
            }
        }
    }

    /// Replaces each element x by f(x, y) with y the corresponding element of `other`, which
    /// has the same shape or is a row repeated along the leading axes (a bias). `minimumChunk`
    /// as for ``map(minimumChunk:_:)`` (used where the shapes are equal).
    @inlinable
    public mutating func updateEach(with other: NDArray, minimumChunk: Int = .max, _ f: (Scalar, Scalar) -> Scalar) {
        require(other.shape == shape || NDArray.repeatsAsRows(other.shape, in: shape),
                     "updateEach(with:): \(other.shape) does not fit \(shape)")
        let n = other.count
        other.scalars.withUnsafeBufferPointer { y in
            scalars.withUnsafeMutableBufferPointer { x in
                if n == x.count {
                    Kernels.forEachChunk(of: x.count, minimumChunk: minimumChunk) { range in
                        for i in range { x[i] = f(x[i], y[i]) }
                    }
                    return
                }
                var base = 0
                while base < x.count {
                    for j in 0..<n { x[base + j] = f(x[base + j], y[j]) }
                    base += n
                }
            }
        }
    }

    /// Whether an array of shape `row` broadcasts to `shape` by repeating along leading axes
    /// only (its non-unit axes are the trailing axes of `shape`).
    @inlinable
    public static func repeatsAsRows(_ row: Shape, in shape: Shape) -> Bool {
        let trailing = row.dimensions.drop { $0 == 1 }
        return !trailing.isEmpty && row.rank <= shape.rank && shape.dimensions.suffix(trailing.count).elementsEqual(trailing)
    }

    /// self + other·scale in one pass (same shapes): the update of gradient descent.
    @inlinable
    public func adding(_ other: NDArray, scaledBy scale: Scalar) -> NDArray {
        require(other.shape == shape, "adding(_:scaledBy:): shapes \(shape) and \(other.shape) differ")
        return NDArray.build(shape) { out in
            scalars.withUnsafeBufferPointer { x in
                other.scalars.withUnsafeBufferPointer { y in
                    for i in 0..<out.count { out[i] = x[i] + y[i] * scale }
                }
            }
        }
    }

    /// The array repeated along new or size-1 axes to `target` (NumPy's broadcast_to,
    /// materialised). A shape that does not broadcast to `target` is a programmer error and stops.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    @inlinable
    public func broadcast(to target: Shape) -> NDArray {
        if target == shape { return self }
        guard Shape.broadcast(shape, target) == target else {
            requirementFailed("broadcast: shape \(shape) does not broadcast to \(target)")
        }
        return stridedCopy(target, strides: shape.broadcastStrides(to: target))
    }

    /// An array of shape `target` whose element at index (i₀, i₁, …) is this array's element at
    /// offset `start + Σ iₖ·strides[k]`: the one loop behind broadcasting, permuting and
    /// slicing (strides of 0 repeat, reordered strides permute, a smaller box slices).
    @inlinable
    public func stridedCopy(_ target: Shape, strides: [Int], start: Int = 0) -> NDArray {
        NDArray.build(target) { out in
            scalars.withUnsafeBufferPointer { x in
                var k = 0
                forEachRow(of: target, strides: [strides]) { offsets, count, inner in
                    var i = start + offsets[0]
                    let step = inner[0]
                    for _ in 0..<count { out[k] = x[i]; i &+= step; k &+= 1 }
                }
            }
        }
    }
}

// MARK: Reductions

extension NDArray {
    /// Reduces over `axes` (all axes when nil) with `combine`, starting each result from
    /// `initial`. With `keepingDimensions` the reduced axes stay, with size 1.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    @inlinable
    public func reduce(axes: [Int]?, keepingDimensions: Bool, initial: Scalar, _ combine: (Scalar, Scalar) -> Scalar) -> NDArray {
        let reduced = Set((axes ?? Array(0..<rank)).map { shape.axis($0, function: "reduce") })
        let kept = Shape(shape.dimensions.enumerated().map { reduced.contains($0.offset) ? 1 : $0.element })
        let resultShape = keepingDimensions ? kept : Shape(shape.dimensions.enumerated().filter { !reduced.contains($0.offset) }.map(\.element))
        // The reduced axes in one block: the array is [outer, r, inner] and each output element
        // combines its r inputs in order, in plain loops (a bias's gradient: outer = 1; a pooling
        // window: inner = the positions).
        let blocks = reductionBlocks(reduced)
        if blocks.filter(\.reduced).count <= 1 {
            let split = blocks.firstIndex { $0.reduced } ?? blocks.count
            let outer = blocks[..<split].reduce(1) { $0 * $1.size }
            let r = split < blocks.count ? blocks[split].size : 1
            let inner = split < blocks.count ? blocks[(split + 1)...].reduce(1) { $0 * $1.size } : 1
            var out = [Scalar](repeating: initial, count: outer * inner)
            out.withUnsafeMutableBufferPointer { out in
                scalars.withUnsafeBufferPointer { x in
                    for a in 0..<outer {
                        let target = a * inner
                        for b in 0..<r {
                            let row = (a * r + b) * inner
                            for c in 0..<inner { out[target &+ c] = combine(out[target &+ c], x[row &+ c]) }
                        }
                    }
                }
            }
            return NDArray(shape: resultShape, checkedScalars: out)
        }
        // Reduced axes in several blocks: the input's rows in order, each adding into the outputs
        // with a stride. The rows are listed first and the loop runs here, where `combine` is
        // inlined (inside forEachRow's closure it would be an indirect call per element).
        let outStrides = kept.strides.enumerated().map { reduced.contains($0.offset) ? 0 : $0.element }
        var starts: [Int] = []
        var rowLength = 0, step = 0
        forEachRow(of: shape, strides: [outStrides]) { offsets, count, inner in
            starts.append(offsets[0])
            (rowLength, step) = (count, inner[0])
        }
        var out = [Scalar](repeating: initial, count: kept.count)
        out.withUnsafeMutableBufferPointer { out in
            scalars.withUnsafeBufferPointer { x in
                var i = 0
                for start in starts {
                    var k = start
                    for _ in 0..<rowLength { out[k] = combine(out[k], x[i]); i &+= 1; k &+= step }
                }
            }
        }
        return NDArray(shape: resultShape, checkedScalars: out)
    }

    /// The sum over `axes` (all axes when nil): Σᵢ xᵢ over the reduced axes, 0 over none.
    ///
    /// Added pairwise, as NumPy adds along an axis (see ``SummationScalar``), over inner and
    /// outer axes alike: the rounding error grows as log₂ n for n terms, not as n (in Float, a
    /// running sum of 2×10⁷ ones stops at 2²⁴ = 16,777,216; this gives 2×10⁷). The order of
    /// additions depends only on the shape and the axes, so the same sum gives the same bits on
    /// every machine.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    @inlinable
    public func sum(axes: [Int]? = nil, keepingDimensions: Bool = false) -> NDArray {
        let reduced = Set((axes ?? Array(0..<rank)).map { shape.axis($0, function: "sum") })
        let resultShape = Shape(shape.dimensions.enumerated().compactMap { axis, size in
            reduced.contains(axis) ? (keepingDimensions ? 1 : nil) : size
        })
        if count == 0 { return .zeros(resultShape) }
        var groups = reductionBlocks(reduced)
        // One reduced group at a time, the innermost first: each is the middle axis of an
        // [outer, reduced, inner] array.
        var values = scalars
        while let p = groups.lastIndex(where: \.reduced) {
            let outer = groups[..<p].reduce(1) { $0 * $1.size }
            let inner = groups[(p + 1)...].reduce(1) { $0 * $1.size }
            let length = groups[p].size
            values = [Scalar](unsafeUninitializedCapacity: outer * inner) { out, initialized in
                values.withUnsafeBufferPointer { x in
                    Scalar.pairwiseSum(x.baseAddress!, outer: outer, reduced: length, inner: inner, into: out.baseAddress!)
                }
                initialized = outer * inner
            }
            groups.remove(at: p)
            if p > 0, p < groups.count {   // the kept groups on either side now touch
                groups[p - 1].size *= groups[p].size
                groups.remove(at: p)
            }
        }
        return NDArray(shape: resultShape, checkedScalars: values)
    }

    /// The axes of a reduction over `reduced`, with neighbouring axes that are all reduced or all
    /// kept merged into one block and size-1 axes (which change nothing) left out: what is left
    /// alternates kept, reduced, kept, … (row-major order, so a block is contiguous).
    @inlinable
    func reductionBlocks(_ reduced: Set<Int>) -> [(size: Int, reduced: Bool)] {
        var blocks: [(size: Int, reduced: Bool)] = []
        for (axis, size) in shape.dimensions.enumerated() where size != 1 {
            let isReduced = reduced.contains(axis)
            if let last = blocks.last, last.reduced == isReduced {
                blocks[blocks.count - 1].size *= size
            } else {
                blocks.append((size, isReduced))
            }
        }
        return blocks
    }

    /// Sums over the axes along which `self` was broadcast from `original` (leading axes, and axes
    /// of size 1 in `original`): the inverse of broadcasting, used to bring gradients back to an
    /// operand's shape. Pairwise, as ``sum(axes:keepingDimensions:)``.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    @inlinable
    public func unbroadcast(to original: Shape) -> NDArray {
        if original == shape { return self }
        let extra = rank - original.rank
        require(extra >= 0, "unbroadcast: \(shape) cannot come from \(original)")
        var axes = Array(0..<extra)
        for (k, dimension) in original.dimensions.enumerated() where dimension == 1 && shape[extra + k] != 1 {
            axes.append(extra + k)
        }
        return sum(axes: axes, keepingDimensions: true).reshaped(original)
    }
}

// MARK: Layout

extension NDArray {
    /// The axes reordered: axis k of the result is axis `permutation[k]` of `self` (PyTorch's
    /// `permute`). Anything but a permutation of `0..<rank` is a programmer error and stops.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    @inlinable
    public func permuted(_ permutation: [Int]) -> NDArray {
        require(permutation.sorted() == Array(0..<rank), "permute: \(permutation) is not a permutation of the axes of \(shape)")
        let own = shape.strides
        return stridedCopy(Shape(permutation.map { shape[$0] }), strides: permutation.map { own[$0] })
    }

    /// The last two axes swapped (the matrix transpose, batched; PyTorch's `mT`). Fewer than two
    /// axes is a programmer error and stops.
    public func transposed() -> NDArray {
        require(rank >= 2, "transpose: needs at least 2 axes, shape is \(shape)")
        var permutation = Array(0..<rank)
        permutation.swapAt(rank - 1, rank - 2)
        return permuted(permutation)
    }
}

// MARK: From and to nested Swift arrays

extension NDArray {
    /// A vector.
    public init(_ values: [Scalar]) { self.init(shape: [values.count], checkedScalars: values) }

    /// A matrix from its rows, shape [rows, columns]; rows of different lengths are a programmer
    /// error and stop.
    public init(_ rows: [[Scalar]]) {
        let columns = rows.first?.count ?? 0
        require(rows.allSatisfy { $0.count == columns }, "NDArray: rows of different lengths \(rows.map(\.count))")
        self.init(shape: [rows.count, columns], checkedScalars: rows.flatMap { $0 })
    }

    /// A rank-3 array from nested arrays; nested arrays of different shapes are a programmer error
    /// and stop.
    public init(_ planes: [[[Scalar]]]) {
        let inner = planes.first.map { NDArray($0).shape } ?? [0, 0]
        let arrays = planes.map { NDArray($0) }
        require(arrays.allSatisfy { $0.shape == inner }, "NDArray: nested arrays of different shapes")
        self.init(shape: Shape([planes.count] + inner.dimensions), checkedScalars: arrays.flatMap(\.scalars))
    }

    /// The rows of a matrix as nested arrays; an array whose rank is not 2 stops.
    public var rows: [[Scalar]] {
        require(rank == 2, "rows: the array has shape \(shape), not 2 axes")
        return (0..<shape[0]).map { Array(scalars[$0 * shape[1]..<($0 + 1) * shape[1]]) }
    }
}
