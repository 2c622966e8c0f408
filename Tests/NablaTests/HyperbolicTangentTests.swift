import Foundation
import Testing
import NablaKernels

/// Nabla's own `tanh` against values of the mathematical function (to 25 digits, from a
/// multiple-precision library) and against the C library's, which is independent of it.
@Suite("Hyperbolic tangent")
struct HyperbolicTangentTests {
    /// |a − b| in units in the last place of `exact`.
    private func ulps(_ a: Double, _ exact: Double) -> Double { (a - exact).magnitude / exact.ulp }

    @Test func matchesTheMathematicalValues() {
        // tanh of each Double (its exact binary value, 0.1 being 0.1000000000000000055…) to 25
        // significant digits, rounded to the nearest Double by the literal.
        let table: [(x: Double, tanh: Double)] = [
            (0.5, 0.4621171572600097585023185), (1, 0.7615941559557648881194583),
            (0.1, 0.09966799462495582261427704), (2, 0.9640275800758168839464137),
            (-0.55, -0.5005202111902352417035304), (5, 0.9999092042625951312109904),
            (1e-8, 9.999999999999999875892275e-9), (0.75, 0.6351489523872873192144344),
            (-3, -0.9950547536867304513318802),
        ]
        for (x, exact) in table {
            // Within 1.5 ulp of the exact value, so within 2 of its rounding.
            #expect(ulps(HyperbolicTangent.tanh(x), exact) <= 2, "tanh(\(x)) = \(HyperbolicTangent.tanh(x)), exact \(exact)")
        }
    }

    @Test func staysWithinTwoUlpOfTheCLibraryAcrossBothBranches() {
        var generator = SystemRandomNumberGenerator()
        var worst = 0.0
        for i in 0..<200_000 {
            let x: Double = switch i % 4 {
            case 0: .random(in: -0.6...0.6, using: &generator)
            case 1: .random(in: -3...3, using: &generator)
            case 2: .random(in: -25...25, using: &generator)
            default: Foundation.pow(10, .random(in: -300...0, using: &generator))
            }
            let mine = HyperbolicTangent.tanh(x), theirs = Foundation.tanh(x)
            worst = max(worst, ulps(mine, theirs))
        }
        // Each is within 2 ulp of the exact value; measured, they differ by at most 2.
        #expect(worst <= 3, "largest difference from the C library: \(worst) ulp")
    }

    @Test func isOddSaturatesAndKeepsSpecialValues() {
        for x in [0.3, 0.55, 0.55.nextDown, 0.55.nextUp, 1.7, 21.9, 22, 30, 1e-300, Double.leastNonzeroMagnitude] {
            #expect(HyperbolicTangent.tanh(-x) == -HyperbolicTangent.tanh(x))
        }
        #expect(HyperbolicTangent.tanh(22) == 1 && HyperbolicTangent.tanh(-1e300) == -1)
        #expect(HyperbolicTangent.tanh(.infinity) == 1 && HyperbolicTangent.tanh(-.infinity) == -1)
        #expect(HyperbolicTangent.tanh(0).sign == .plus && HyperbolicTangent.tanh(-0.0).sign == .minus)
        #expect(HyperbolicTangent.tanh(.nan).isNaN)
        #expect(HyperbolicTangent.tanh(.leastNonzeroMagnitude) == .leastNonzeroMagnitude)
        // Monotone across the change of branch.
        let below = HyperbolicTangent.tanh(0.55.nextDown), at = HyperbolicTangent.tanh(0.55)
        #expect(below <= at && at <= HyperbolicTangent.tanh(0.55.nextUp))
    }
}
