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

    /// The micro-kernel chosen for this CPU: "avx2-fma" or "portable".
    public static var kernel: String { String(cString: nabla_sgemm_kernel()) }

    /// Forces the portable kernel on the calling thread (for testing the fallback on machines
    /// with AVX2); other threads keep the kernel chosen for the CPU.
    public static func forcePortable(_ force: Bool) { nabla_kernels_force_portable(force ? 1 : 0) }
}

/// Element types the matrix kernels handle.
public protocol MatmulScalar {
    /// C (m×n) = op(A)·op(B): A is m×k, or k×m when `transposeA`; B is k×n, or n×k when
    /// `transposeB`. Row-major, densely stored; C is overwritten. O(m·n·k).
    static func gemm(_ a: UnsafePointer<Self>, _ transposeA: Bool, _ b: UnsafePointer<Self>, _ transposeB: Bool,
                     _ c: UnsafeMutablePointer<Self>, _ m: Int, _ n: Int, _ k: Int, _ threads: Int)
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
}
