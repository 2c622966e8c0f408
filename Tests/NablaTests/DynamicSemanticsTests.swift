import Testing
@testable import Nabla

/// The dynamic graph behaves as PyTorch users expect.
@Suite("Dynamic semantics")
struct DynamicSemanticsTests {
    @Test func operatorsWithConstantsOnEitherSide() {
        let x = Value(4, requiresGrad: true)
        let forms: [(Value, Double, Double)] = [
            (5 - x * 3, -7, -3), (2 / x, 0.5, -2.0 / 16), (x * 5 + 6, 26, 5), (x - 1, 3, 1),
            (1 + x, 5, 1), (x / 2, 2, 0.5), (-x, -4, -1), (pow(x, 0.5), 2, 0.25), (pow(2, x), 16, 16 * 0.6931471805599453),
        ]
        for (k, (y, value, derivative)) in forms.enumerated() {
            #expect(y.data == value, "form \(k)")
            #expect(FiniteDifferences.close(y.gradient(wrt: x), derivative, tolerance: 1e-15), "form \(k)")
        }
    }

    @Test func aValueUsedTwiceGetsTheSumOfBothPaths() {
        let b = Value(3, requiresGrad: true)
        let y = (b * 2) + (b * 5)
        y.backward()
        #expect(b.grad == 7)
    }

    @Test func backwardAccumulatesUntilZeroed() {
        let x = Value(3, requiresGrad: true)
        let y = x * x
        y.backward()
        #expect(x.grad == 6)
        y.backward()
        #expect(x.grad == 12)
        x.zeroGrad()
        #expect(x.grad == 0)
        y.backward(seed: 0.5)
        #expect(x.grad == 3)
    }

    @Test func gradientsOfIntermediateValues() {
        let a = Value(2, requiresGrad: true)
        let b = a * 3
        let c = b * b
        #expect(c.gradients(wrt: [a, b, c]) == [36, 12, 1])
        #expect(c.gradient(wrt: Value(5)) == 0)               // a constant
        #expect(c.gradient(wrt: Value(5, requiresGrad: true)) == 0)  // an unrelated leaf
        #expect(a.grad == 0)                                   // gradients(wrt:) accumulates nothing
    }

    @Test func withoutRecordingRecordsNothing() {
        let x = Value(2, requiresGrad: true)
        let y = withoutRecording { x * 3 + 1 }
        #expect(y.data == 7)
        #expect(!y.requiresGrad)
        #expect(!withoutRecording { isRecording })
        #expect(isRecording)
        let z = x * 3
        #expect(z.requiresGrad)
    }

    @Test func detachCutsTheGraph() {
        let x = Value(2, requiresGrad: true)
        let y = x * x
        let z = y.detached() * x + y
        #expect(z.data == 12)
        #expect(z.gradient(wrt: x) == 4 + 4)   // d/dx (c·x + x²) with c = 4 held constant
        #expect(!y.detached().requiresGrad)
    }

    @Test func leavesKeepTheirDataAndCanBeUpdated() {
        let w = Value(1, requiresGrad: true, name: "w")
        for _ in 0..<100 {
            let loss = pow(w - 3, 2)
            w.zeroGrad()
            loss.backward()
            withoutRecording { w.data -= 0.1 * w.grad }
        }
        #expect(Swift.abs(w.data - 3) < 1e-9)
        #expect(w.name == "w")
    }

    @Test func constantsFromEitherSideAndComparisons() {
        let x = Value(-2, requiresGrad: true)
        #expect(max(x, 0).data == 0 && min(x, 0).data == -2)
        #expect(max(0.0, x).gradient(wrt: x) == 0 && min(x, 0.0).gradient(wrt: x) == 1)
        #expect(abs(x).gradient(wrt: x) == -1)
    }

    @Test func backwardFromALeafAddsTheSeed() {
        let x = Value(2, requiresGrad: true)
        x.backward()
        #expect(x.grad == 1)
    }

    @Test func backwardFromAConstantIsAnError() async {
        await #expect(processExitsWith: .failure) {
            Value(3).backward()
        }
    }

    @Test func combiningGraphsEndedByBackwardIsAnError() async {
        await #expect(processExitsWith: .failure) {
            let x = Value(2, requiresGrad: true)
            let y = x * x
            y.backward()
            let z = x * 3   // a new graph
            _ = z + y
        }
    }
}
