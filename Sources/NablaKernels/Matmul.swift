import CNablaKernels

/// Matrix multiplication kernels: row-major, no graphs, no autodiff (the layer below tensors).
public enum Matmul {
    /// C = A·B for row-major matrices: `a` is m×k, `b` is k×n, `c` (m×n) is overwritten.
    /// `threads` is the most threads to use (blocks of C's columns or rows, each at least 2 MFLOP;
    /// the result does not depend on it). O(m·n·k).
    @inlinable
    public static func multiply(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, into c: UnsafeMutablePointer<Float>,
                                m: Int, n: Int, k: Int, threads: Int = 1) {
        nabla_sgemm(Int32(m), Int32(n), Int32(k), a, Int32(k), b, Int32(n), c, Int32(n), Int32(threads))
    }

    /// C = A·B in double precision, as the `Float` overload. O(m·n·k).
    @inlinable
    public static func multiply(_ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, into c: UnsafeMutablePointer<Double>,
                                m: Int, n: Int, k: Int, threads: Int = 1) {
        nabla_dgemm(Int32(m), Int32(n), Int32(k), a, Int32(k), b, Int32(n), c, Int32(n), Int32(threads))
    }

    /// A·B for row-major arrays (`a` m×k, `b` k×n), as a new m×n array. Element counts that do not
    /// match m, n and k are a programmer error and stop. O(m·n·k).
    public static func multiply<Scalar: MatmulScalar>(_ a: [Scalar], _ b: [Scalar], m: Int, n: Int, k: Int, threads: Int = 1) -> [Scalar] {
        require(a.count == m * k, "Matmul: A has \(a.count) elements, expected \(m)×\(k)")
        require(b.count == k * n, "Matmul: B has \(b.count) elements, expected \(k)×\(n)")
        return [Scalar](unsafeUninitializedCapacity: m * n) { c, count in
            a.withUnsafeBufferPointer { a in
                b.withUnsafeBufferPointer { b in
                    Scalar.gemm(a.baseAddress!, false, b.baseAddress!, false, c.baseAddress!, m, n, k, threads)
                }
            }
            count = m * n
        }
    }

    /// The micro-kernel float products use on this CPU, from the calling thread: "avx512f",
    /// "avx2-fma", "neon" or "portable". Chosen at run time from what the CPU supports.
    public static var kernel: String { String(cString: nabla_sgemm_kernel()) }

    /// The depth of the k-slices a product is summed in: each slice's sum is added to C. An
    /// update (``MatmulScalar/gemmUpdate(_:_:_:_:_:_:_:_:scale:subtracting:_:)``) sums all of k in
    /// one slice, which gives the same bits when k is at most this.
    public static var sliceDepth: Int { Int(nabla_gemm_slice_depth()) }

    /// Forces the portable kernel for the products the calling thread starts (for testing the
    /// fallback on machines with SIMD kernels); other threads keep the kernel chosen for the CPU.
    /// `false` restores the CPU's choice.
    public static func forcePortable(_ force: Bool) { nabla_kernels_force_portable(force ? 1 : 0) }

    /// Keeps the float products the calling thread starts on the AVX2 kernel where the CPU has
    /// AVX-512 (for tests and benchmarks comparing the two; they give the same bits). `false`
    /// restores the CPU's choice.
    public static func forceAVX2(_ force: Bool) { nabla_kernels_force_avx2(force ? 1 : 0) }
}

/// Element types the matrix kernels handle.
public protocol MatmulScalar {
    /// C (m×n) = op(A)·op(B): A is m×k, or k×m when `transposeA`; B is k×n, or n×k when
    /// `transposeB`. Row-major, densely stored; C is overwritten. O(m·n·k).
    static func gemm(_ a: UnsafePointer<Self>, _ transposeA: Bool, _ b: UnsafePointer<Self>, _ transposeB: Bool,
                     _ c: UnsafeMutablePointer<Self>, _ m: Int, _ n: Int, _ k: Int, _ threads: Int)

    /// The same product, with `epilogue` called on each tile of C as soon as the tile's values
    /// are final (after its last k-slice is written back, while it is in L1), by the thread that
    /// computed it: C = epilogue(op(A)·op(B)) in one pass over C. The tiles cover C once;
    /// several may be passed at a time on different threads, so `epilogue` must only read shared
    /// state and write its own tile. O(m·n·k) plus the epilogue's work.
    static func gemm(_ a: UnsafePointer<Self>, _ transposeA: Bool, _ b: UnsafePointer<Self>, _ transposeB: Bool,
                     _ c: UnsafeMutablePointer<Self>, _ m: Int, _ n: Int, _ k: Int, _ threads: Int,
                     epilogue: (MatmulTile<Self>) -> Void)

    /// C (m×n) = C + s·(op(A)·op(B)), or C − s·(op(A)·op(B)) when `subtracting` (the product
    /// itself when `scale` is nil): BLAS's C ← αAB + C in one pass, each tile of the product
    /// combined with C while it is in L1 and never stored. Rounded as the separate operations
    /// round, so bit for bit theirs when k ≤ ``Matmul/sliceDepth``. O(m·n·k).
    static func gemmUpdate(_ a: UnsafePointer<Self>, _ transposeA: Bool, _ b: UnsafePointer<Self>, _ transposeB: Bool,
                           _ c: UnsafeMutablePointer<Self>, _ m: Int, _ n: Int, _ k: Int, scale: Self?, subtracting: Bool, _ threads: Int)
}

/// A block of a product's C whose values are final, handed to an epilogue (see
/// `MatmulScalar.gemm(_:_:_:_:_:_:_:_:_:epilogue:)`): `rows`×`columns` elements starting at
/// `base`, consecutive rows `rowStride` elements apart, the first being C[`firstRow`][`firstColumn`]
/// (counted within its matrix: the same for every matrix of a batched product).
public struct MatmulTile<Scalar> {
    /// The tile's first element, C[firstRow][firstColumn].
    public let base: UnsafeMutablePointer<Scalar>
    /// The distance in elements from one row of C to the next.
    public let rowStride: Int
    /// The number of rows in the tile (at most the micro-kernel's 6).
    public let rows: Int
    /// The number of columns in the tile (at most the micro-kernel's 16 for `Float`, 8 for
    /// `Double`).
    public let columns: Int
    /// The row of C where the tile starts.
    public let firstRow: Int
    /// The column of C where the tile starts.
    public let firstColumn: Int

    /// A tile from the values the C kernel passes.
    @inlinable
    init(_ base: UnsafeMutablePointer<Scalar>, _ rowStride: Int32, _ rows: Int32, _ columns: Int32, _ firstRow: Int32, _ firstColumn: Int32) {
        (self.base, self.rowStride, self.rows, self.columns) = (base, Int(rowStride), Int(rows), Int(columns))
        (self.firstRow, self.firstColumn) = (Int(firstRow), Int(firstColumn))
    }
}

/// Calls `body` with `epilogue` at a stable address, as the context a C epilogue receives.
@inlinable
func withEpilogueContext<Scalar>(_ epilogue: (MatmulTile<Scalar>) -> Void, _ body: (UnsafeMutableRawPointer) -> Void) {
    withoutActuallyEscaping(epilogue) { epilogue in
        // The product returns only after every tile's call, so the closure outlives its use.
        var function = epilogue
        withUnsafeMutablePointer(to: &function) { body(UnsafeMutableRawPointer($0)) }
    }
}

extension Float: MatmulScalar {
    /// Single precision, by the C kernel (`nabla_sgemm_transposed`), which reads the transposed
    /// operands in place.
    @inlinable
    public static func gemm(_ a: UnsafePointer<Float>, _ transposeA: Bool, _ b: UnsafePointer<Float>, _ transposeB: Bool,
                            _ c: UnsafeMutablePointer<Float>, _ m: Int, _ n: Int, _ k: Int, _ threads: Int) {
        nabla_sgemm_transposed(Int32(m), Int32(n), Int32(k), a, Int32(transposeA ? m : k), transposeA ? 1 : 0,
                               b, Int32(transposeB ? k : n), transposeB ? 1 : 0, c, Int32(n), Int32(threads))
    }

    /// Single precision with an epilogue, by `nabla_sgemm_fused`, which calls it (through a C
    /// function that finds the closure in its context) on each finished tile.
    @inlinable
    public static func gemm(_ a: UnsafePointer<Float>, _ transposeA: Bool, _ b: UnsafePointer<Float>, _ transposeB: Bool,
                            _ c: UnsafeMutablePointer<Float>, _ m: Int, _ n: Int, _ k: Int, _ threads: Int,
                            epilogue: (MatmulTile<Float>) -> Void) {
        withEpilogueContext(epilogue) { context in
            nabla_sgemm_fused(Int32(m), Int32(n), Int32(k), a, Int32(transposeA ? m : k), transposeA ? 1 : 0,
                              b, Int32(transposeB ? k : n), transposeB ? 1 : 0, c, Int32(n), Int32(threads), { context, c, ldc, rows, columns, row0, col0 in
                                  context!.assumingMemoryBound(to: ((MatmulTile<Float>) -> Void).self).pointee(MatmulTile(c!, ldc, rows, columns, row0, col0))
                              }, context)
        }
    }

    /// The update C ± s·op(A)·op(B) in single precision, by `nabla_sgemm_update`.
    @inlinable
    public static func gemmUpdate(_ a: UnsafePointer<Float>, _ transposeA: Bool, _ b: UnsafePointer<Float>, _ transposeB: Bool,
                                  _ c: UnsafeMutablePointer<Float>, _ m: Int, _ n: Int, _ k: Int, scale: Float?, subtracting: Bool, _ threads: Int) {
        nabla_sgemm_update(Int32(m), Int32(n), Int32(k), a, Int32(transposeA ? m : k), transposeA ? 1 : 0, b, Int32(transposeB ? k : n),
                            transposeB ? 1 : 0, c, Int32(n), Double(scale ?? 1), scale == nil ? 0 : 1, subtracting ? 1 : 0, Int32(threads))
    }
}

extension Double: MatmulScalar {
    /// Double precision, by the C kernel (`nabla_dgemm_transposed`), which reads the transposed
    /// operands in place.
    @inlinable
    public static func gemm(_ a: UnsafePointer<Double>, _ transposeA: Bool, _ b: UnsafePointer<Double>, _ transposeB: Bool,
                            _ c: UnsafeMutablePointer<Double>, _ m: Int, _ n: Int, _ k: Int, _ threads: Int) {
        nabla_dgemm_transposed(Int32(m), Int32(n), Int32(k), a, Int32(transposeA ? m : k), transposeA ? 1 : 0,
                               b, Int32(transposeB ? k : n), transposeB ? 1 : 0, c, Int32(n), Int32(threads))
    }

    /// Double precision with an epilogue, by `nabla_dgemm_fused`, as the `Float` overload.
    @inlinable
    public static func gemm(_ a: UnsafePointer<Double>, _ transposeA: Bool, _ b: UnsafePointer<Double>, _ transposeB: Bool,
                            _ c: UnsafeMutablePointer<Double>, _ m: Int, _ n: Int, _ k: Int, _ threads: Int,
                            epilogue: (MatmulTile<Double>) -> Void) {
        withEpilogueContext(epilogue) { context in
            nabla_dgemm_fused(Int32(m), Int32(n), Int32(k), a, Int32(transposeA ? m : k), transposeA ? 1 : 0,
                              b, Int32(transposeB ? k : n), transposeB ? 1 : 0, c, Int32(n), Int32(threads), { context, c, ldc, rows, columns, row0, col0 in
                                  context!.assumingMemoryBound(to: ((MatmulTile<Double>) -> Void).self).pointee(MatmulTile(c!, ldc, rows, columns, row0, col0))
                              }, context)
        }
    }

    /// The update C ± s·op(A)·op(B) in double precision, by `nabla_dgemm_update`.
    @inlinable
    public static func gemmUpdate(_ a: UnsafePointer<Double>, _ transposeA: Bool, _ b: UnsafePointer<Double>, _ transposeB: Bool,
                                  _ c: UnsafeMutablePointer<Double>, _ m: Int, _ n: Int, _ k: Int, scale: Double?, subtracting: Bool, _ threads: Int) {
        nabla_dgemm_update(Int32(m), Int32(n), Int32(k), a, Int32(transposeA ? m : k), transposeA ? 1 : 0, b, Int32(transposeB ? k : n),
                            transposeB ? 1 : 0, c, Int32(n), Double(scale ?? 1), scale == nil ? 0 : 1, subtracting ? 1 : 0, Int32(threads))
    }
}
