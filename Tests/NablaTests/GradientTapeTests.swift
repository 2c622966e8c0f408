import Testing
@testable import Nabla

/// The scoped dynamic mode: same ops and rules as `Value`, graph freed with the scope.
@Suite("Gradient tape scopes")
struct GradientTapeTests {
    @Test func theTutorial() {
        let (g, dgda, dgdo) = GradientTape.record { tape in
            let a = tape.variable(2), o = tape.variable(1)
            let g = Tutorial.graph(a: a, o: o).g
            tape.backward(g)
            return (g.data, a.grad, o.grad)
        }
        #expect((g, dgda, dgdo) == (47, -432, -1))
    }

    @Test("Every op agrees with Value bit for bit, first and second order", arguments: OpCase.allCases)
    func agreesWithValue(_ op: OpCase) {
        for point in op.points {
            let leaves = point.map { Value($0, requiresGrad: true) }
            let output = op(leaves)
            let first = output.differentiableGradients(wrt: leaves)
            let expected = [output.data] + first.map(\.data) + first.flatMap { $0.gradients(wrt: leaves) }

            let got = GradientTape.record { tape in
                let xs = point.map { tape.variable($0) }
                let y = op(xs)
                let gradients = tape.differentiableGradients(of: y, wrt: xs)
                return [y.data] + gradients.map(\.data) + gradients.flatMap { tape.gradients(of: $0, wrt: xs) }
            }
            #expect(got.count == expected.count && zip(got, expected).allSatisfy { $0.bitPattern == $1.bitPattern },
                    "\(op) at \(point): tape \(got), Value \(expected)")
        }
    }

    @Test func trackedParametersAccumulateLikeBackward() {
        let w = Value(0, requiresGrad: true), b = Value(0, requiresGrad: true)
        let data = (0..<20).map { Double($0) / 10 }
        for _ in 0..<500 {
            w.zeroGrad(); b.zeroGrad()
            GradientTape.record { tape in
                let (tw, tb) = (tape.track(w), tape.track(b))
                var loss = tape.constant(0)
                for x in data {
                    let error = tw * x + tb - (3 * x - 1)
                    loss = loss + error * error
                }
                tape.backward(loss / Double(data.count))
            }
            withoutRecording {
                w.data -= 0.1 * w.grad
                b.data -= 0.1 * b.grad
            }
        }
        #expect(Swift.abs(w.data - 3) < 1e-3 && Swift.abs(b.data + 1) < 1e-3)
    }

    @Test func aParameterUsedTwiceAndInNestedScopes() {
        let w = Value(3, requiresGrad: true)
        let inner = GradientTape.record { outer in
            let x = outer.track(w)
            let innerGradient = GradientTape.record { inner in
                let y = inner.track(w)
                return inner.gradients(of: y * y, wrt: [y])[0]
            }
            outer.backward(x * x + x)
            return innerGradient
        }
        #expect(inner == 6)
        #expect(w.grad == 6 + 6 + 1)   // the inner backward (2w) and the outer (2w + 1)
    }

    @Test func constantsAndNoGradRecordNothing() {
        GradientTape.record { tape in
            let x = tape.variable(2)
            let c = tape.constant(5) * 3
            let y = withoutRecording { x * 4 }
            #expect(tape.nodeCount == 1)
            #expect(c.data == 15 && y.data == 8)
            let z = x * c + y
            #expect(tape.gradients(of: z, wrt: [x, c, y]) == [15, 0, 0])
        }
    }

    @Test func deepChainInAScope() {
        let (value, gradient, nodes) = GradientTape.record { tape in
            let x0 = tape.variable(0.5)
            var x = x0
            for _ in 0..<1_000_000 { x = tanh(x * 1.01 + 0.1) }
            tape.backward(x)
            return (x.data, x0.grad, tape.nodeCount)
        }
        #expect(nodes == 3_000_001)
        #expect(Swift.abs(value - 0.6219347411545191) < 1e-15)
        #expect(gradient.isFinite && gradient < 1e-300)
        // Buffers this large are freed with the scope; a new scope starts small.
        let capacity = GradientTape.record { tape in tape.tape.storage.capacity }
        #expect(capacity <= RecordingContext.recycledCapacity)
    }

    @Test func aTrainingLoopsScopeKeepsItsBuffer() {
        func chain(_ steps: Int) {
            GradientTape.record { tape in
                var x = tape.variable(0.5)
                for _ in 0..<steps { x = tanh(x * 1.01) }
                tape.backward(x)
            }
        }
        // A scope that used a mid-sized buffer well leaves it to the next (a training loop
        // records the same graph every step); a scope that hardly uses it frees it.
        chain(100_000)
        let reused = GradientTape.record { tape in tape.tape.storage.capacity }
        #expect(reused >= 200_000)
        let capacity = GradientTape.record { tape in tape.tape.storage.capacity }
        #expect(capacity <= RecordingContext.recycledCapacity)
    }

    @Test func aValueUsedOutsideItsScopeIsAnError() async {
        await #expect(processExitsWith: .failure) {
            let escaped = GradientTape.record { tape in tape.variable(1) * 2 }
            _ = escaped + 1
        }
    }

    @Test func valuesOfTwoScopesCannotBeCombined() async {
        await #expect(processExitsWith: .failure) {
            GradientTape.record { outer in
                let x = outer.variable(1)
                GradientTape.record { inner in _ = inner.variable(2) * x }
            }
        }
    }
}
