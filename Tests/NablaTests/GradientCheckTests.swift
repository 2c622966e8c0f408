import Testing
@testable import Nabla

/// Every op's first and second derivatives against central finite differences in Double, in both
/// modes, at several points; and the two modes against each other, bit for bit.
@Suite("Gradient checks")
struct GradientCheckTests {
    @Test("First derivatives match finite differences", arguments: OpCase.allCases)
    func firstOrder(_ op: OpCase) {
        for point in op.points {
            let expected = FiniteDifferences.gradient(op.number, at: point)

            let leaves = point.map { Value($0, requiresGrad: true) }
            let output = op(leaves)
            let dynamic = output.gradients(wrt: leaves)
            #expect(output.data.bitPattern == op.number(point).bitPattern, "\(op) value at \(point)")

            let graph = Graph()
            let inputs = point.indices.map { graph.input("x\($0)") }
            let y = op(inputs)
            let program = graph.compile([y] + graph.gradients(of: y, wrt: inputs))
            let outputs = try? program.run(Dictionary(uniqueKeysWithValues: zip(inputs.map { $0.name! }, point)))

            for i in point.indices {
                #expect(FiniteDifferences.close(dynamic[i], expected[i], tolerance: 1e-6),
                        "\(op) d/dx\(i) at \(point): dynamic \(dynamic[i]), finite differences \(expected[i])")
                #expect(outputs?[1 + i].bitPattern == dynamic[i].bitPattern,
                        "\(op) d/dx\(i) at \(point): static \(outputs.map { "\($0[1 + i])" } ?? "threw"), dynamic \(dynamic[i])")
            }
        }
    }

    @Test("Second derivatives match finite differences", arguments: OpCase.allCases)
    func secondOrder(_ op: OpCase) {
        for point in op.points {
            let expected = FiniteDifferences.hessian(op.number, at: point)

            // Dynamic: gradients as values, differentiated again.
            let leaves = point.map { Value($0, requiresGrad: true) }
            let gradients = op(leaves).differentiableGradients(wrt: leaves)
            let dynamic = gradients.map { $0.gradients(wrt: leaves) }

            // Static: the Hessian as graph nodes, compiled.
            let graph = Graph()
            let inputs = point.indices.map { graph.input("x\($0)") }
            let hessian = graph.hessian(of: op(inputs), wrt: inputs)
            let outputs = try? graph.compile(hessian.flatMap { $0 })
                .run(Dictionary(uniqueKeysWithValues: zip(inputs.map { $0.name! }, point)))

            for i in point.indices {
                for j in point.indices {
                    #expect(FiniteDifferences.close(dynamic[i][j], expected[i][j], tolerance: 2e-5),
                            "\(op) d²/dx\(i)dx\(j) at \(point): dynamic \(dynamic[i][j]), finite differences \(expected[i][j])")
                    let s = outputs?[i * point.count + j]
                    #expect(s?.bitPattern == dynamic[i][j].bitPattern,
                            "\(op) d²/dx\(i)dx\(j) at \(point): static \(s.map { "\($0)" } ?? "threw"), dynamic \(dynamic[i][j])")
                }
            }
        }
    }

    /// Hand-derived derivatives, the way the tutorial writes them.
    @Test func handDerivedValues() {
        let x = Value(0.5, requiresGrad: true)
        #expect(tanh(x).gradient(wrt: x) == 1 - Foundation_tanh(0.5) * Foundation_tanh(0.5))
        #expect(pow(x, 3).gradient(wrt: x) == 3 * 0.25)
        #expect((x * x).gradient(wrt: x) == 1.0)               // d(x²)/dx = 2x through both operands
        #expect((1 / x).gradient(wrt: x) == -4)                 // −1/x²
        #expect(relu(x).gradient(wrt: x) == 1 && relu(-x).gradient(wrt: x) == 0)
        #expect(relu(x * 0).gradient(wrt: x) == 0)              // relu'(0) = 0, as PyTorch
        #expect(abs(x * 0).gradient(wrt: x) == 0)               // abs'(0) = 0, as PyTorch
        #expect(max(x, x).gradients(wrt: [x]) == [1])          // a tie splits ½ + ½
        let d2 = pow(x, 3).differentiableGradient(wrt: x).differentiableGradient(wrt: x)
        #expect(d2.data == 6 * 0.5)                             // d²(x³)/dx² = 6x
        #expect(d2.gradient(wrt: x) == 6)                       // third order
    }
}

import Foundation
private func Foundation_tanh(_ x: Double) -> Double { Foundation.tanh(x) }

/// Backward reads a unary node's operand twice (it is stored as both operands), so a unary
/// rule must never return a second gradient.
@Test("Unary rules return no second gradient", arguments: Primitive.allCases.filter { $0.arity == 1 })
func unaryRulesHaveOneGradient(_ primitive: Primitive) {
    for x in [-1.5, -0.25, 0.5, 2.0] {
        let (first, second) = primitive.pullback(x, x, output: primitive.evaluate(x, x, 2), constant: 2, seed: 1.0)
        #expect(second == nil, "\(primitive.name)")
        _ = first
    }
}
