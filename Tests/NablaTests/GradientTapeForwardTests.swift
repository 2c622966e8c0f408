import Testing
@testable import Nabla

/// Forward mode inside `GradientTape` scopes: directional derivatives against hand-derived
/// values and against the scope's own reverse mode.
@Suite("GradientTape forward mode")
struct GradientTapeForwardTests {
    @Test func handDerived() {
        let (d, dx, dy) = GradientTape.record { tape in
            let x = tape.variable(2), y = tape.variable(3)
            let f = x * x * y                   // ∂f/∂x = 2xy = 12, ∂f/∂y = x² = 4
            return (tape.directionalDerivatives(of: [f], wrt: [x, y], along: [1, 1])[0],
                    tape.directionalDerivative(of: f, wrt: [x, y], along: [1, 0]),
                    tape.directionalDerivative(of: f, wrt: [x, y], along: [0, 1]))
        }
        #expect(d == 16 && dx == 12 && dy == 4)
    }

    /// The tutorial: dg/da = −432 and dg/do = −1 (worked out by hand in the README).
    @Test func tutorialGraph() {
        let (dgda, dgdo, constantInput) = GradientTape.record { tape in
            let a = tape.variable(2), o = tape.variable(1)
            let g = Tutorial.graph(a: a, o: o).g
            return (tape.directionalDerivative(of: g, wrt: [a, o], along: [1, 0]),
                    tape.directionalDerivative(of: g, wrt: [a, o], along: [0, 1]),
                    tape.directionalDerivative(of: g, wrt: [tape.constant(5)], along: [1]))
        }
        #expect(dgda == -432 && dgdo == -1 && constantInput == 0)
    }

    /// Along random directions, every op of the scalar table: forward equals the reverse-mode
    /// gradient dotted with the direction, to 1e-12 relative.
    @Test func forwardAgreesWithReverse() {
        var generator = SeededGenerator(seed: 7)
        for _ in 0..<50 {
            let (a0, b0) = (0.2 + generator.nextUnit(), 0.2 + generator.nextUnit())
            let (va, vb) = (generator.nextUnit() - 0.5, generator.nextUnit() - 0.5)
            let (forward, reverse) = GradientTape.record { tape in
                let a = tape.variable(a0), b = tape.variable(b0)
                let f = exp(sin(a) * b) / (1 + pow(a, 2)) + log1p(b) * tanh(a - b) + softplus(a * b)
                let forward = tape.directionalDerivative(of: f, wrt: [a, b], along: [va, vb])
                let g = tape.gradients(of: f, wrt: [a, b])
                return (forward, g[0] * va + g[1] * vb)
            }
            #expect(Swift.abs(forward - reverse) <= 1e-12 * Swift.max(1, Swift.abs(reverse)))
        }
    }

    /// A chain of 200,000 nodes: one loop, no recursion, the exact derivative of repeated x·c.
    @Test func deepChain() {
        let d = GradientTape.record { tape in
            let x = tape.variable(1)
            var y = x
            for _ in 0..<200_000 { y = y * 1.0 }
            return tape.directionalDerivative(of: y * 3, wrt: [x], along: [2])
        }
        #expect(d == 6)
    }
}
