import Testing
@testable import Nabla

/// softmax, log softmax, log Σ exp and cross-entropy shift by the row's maximum, so logits of
/// any size keep their digits. Expected values are mathematics: softmax of two equal logits is
/// ½ each and their cross-entropy ln 2 (PyTorch: 0.6931); logits one apart give σ(1) and σ(−1).
@Suite("Stable softmax")
struct StableSoftmaxTests {
    /// Where x − log Σ exp(x) lost the digits: at 10⁴ Float's softmax([x, x]) was 0.49989; at
    /// 10⁷, 0.368 each with cross-entropy 1.0.
    static let magnitudes: [Double] = [1e4, -1e4, 1e7, -1e7, 1e15, -1e15]

    @Test("Float", arguments: magnitudes) func float(_ x: Double) throws { try check(Float.self, x, tolerance: 2e-6) }
    @Test("Double", arguments: magnitudes) func double(_ x: Double) throws { try check(Double.self, x, tolerance: 1e-14) }

    /// Softmax, log softmax, cross-entropy and its gradient (softmax − onehot) of the row
    /// [x, x − d] for d = 0 and, where x − 1 is representable, d = 1, in both modes, which agree
    /// to the bit.
    func check<S: TensorScalar>(_: S.Type, _ x: Double, tolerance: Double) throws {
        let ln2 = 0.6931471805599453
        let sigma1 = 0.7310585786300049, log1pExpMinus1 = 0.31326168751822286   // σ(1), log(1 + e⁻¹)
        var rows: [(offset: S, softmax: [Double], logSoftmax: [Double])] = [(0, [0.5, 0.5], [-ln2, -ln2])]
        if S(x) - 1 != S(x) { rows.append((1, [sigma1, 1 - sigma1], [-log1pExpMinus1, -1 - log1pExpMinus1])) }
        for row in rows {
            let logits = try NDArray<S>(shape: [1, 2], scalars: [S(x), S(x) - row.offset])
            let expected = row.softmax + row.logSoftmax + [-row.logSoftmax[1]] + [row.softmax[0], row.softmax[1] - 1]

            let z = Tensor(logits, requiresGrad: true)
            let loss = z.crossEntropy(labels: [1])
            loss.backward()
            let dynamic = z.softmax(axis: 1).scalars + z.logSoftmax(axis: 1).scalars + [loss.scalar] + z.grad!.scalars

            let graph = TensorGraph<S>()
            let zs = graph.input("z", shape: [1, 2])
            let ls = zs.crossEntropy(labels: [1])
            let program = try! graph.compile([zs.softmax(axis: 1), zs.logSoftmax(axis: 1), ls] + graph.gradients(of: ls, wrt: [zs]))
            let outputs = try! program.run(["z": logits])
            let symbolic = outputs.flatMap(\.scalars)

            for (k, (value, exact)) in zip(dynamic, expected).enumerated() {
                #expect(Swift.abs(Double(value) - exact) <= tolerance, "\(S.self) [\(x), \(x) − \(row.offset)] output \(k): \(value), expected \(exact)")
            }
            #expect(zip(dynamic, symbolic).allSatisfy { sameBits($0, $1) }, "static \(symbolic), dynamic \(dynamic)")
        }
    }

    @Test func logSumExpOfLargeLogitsKeepsTheirDigits() throws {
        // log(e^x + e^x) = x + ln 2: 10⁷ + 0.6931 is 10,000,000.69 to Double's digits.
        let z = Tensor<Double>(try NDArray(shape: [1, 2], scalars: [1e7, 1e7]))
        #expect(Swift.abs(z.logSumExp(axis: 1).scalar - (1e7 + 0.6931471805599453)) < 1e-8)
    }

    @Test func infiniteRowsAsPyTorch() throws {
        // torch.logsumexp(tensor([[-inf, -inf], [inf, 0]]), 1) is [-inf, inf]: the maximum is
        // replaced by 0 where it is infinite, so no ∞ − ∞ appears.
        let z = Tensor<Double>(try NDArray(shape: [2, 2], scalars: [-.infinity, -.infinity, .infinity, 0]))
        #expect(z.logSumExp(axis: 1).scalars == [-.infinity, .infinity])
        let graph = TensorGraph<Double>()
        let zs = graph.input("z", shape: [2, 2])
        let outputs = try! graph.compile([zs.logSumExp(axis: 1)]).run(["z": z.data])
        #expect(outputs[0].scalars == [-.infinity, .infinity])
    }
}

/// Whether two numbers have the same bits (sign, exponent and significand).
func sameBits<S: BinaryFloatingPoint>(_ a: S, _ b: S) -> Bool {
    a.sign == b.sign && a.exponentBitPattern == b.exponentBitPattern && a.significandBitPattern == b.significandBitPattern
}
