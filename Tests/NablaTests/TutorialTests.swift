import Testing
@testable import Nabla

/// The tutorial's graph, `b = 5 - 3a, c = 2b + 3, d = 5b + 6, e = 7c + d^2, f = 2e, g = 3f - o`,
/// against the numbers the tutorial works out by hand.
@Suite("The tutorial")
struct TutorialTests {
    @Test func valuesAndGradientsAtTheTutorialsPoint() {
        let report = Tutorial.run(a: 2, o: 1)
        // Forward values, from the tutorial's text.
        for (name, value) in [("b", -1.0), ("c", 1), ("d", 1), ("e", 8), ("f", 16), ("g", 47)] {
            #expect(report.value(name) == value, "\(name)")
        }
        // Total derivatives worked out by hand: dg/df = 3, dg/de = 6, dg/dc = 42, dg/dd = 12d,
        // dg/db = 84 + 60d, dg/da = −252 − 180d, dg/do = −1.
        for (name, value) in [("f", 3.0), ("e", 6), ("c", 42), ("d", 12), ("b", 144), ("a", -432), ("o", -1)] {
            #expect(report.gradient(name) == value, "dg/d\(name)")
        }
        #expect(report.modesAgree)
        #expect(report.capturedDerivationMatches)
    }

    @Test("dg/da = -252 - 180d at other points, both modes",
          arguments: [(-3.0, 0.5), (0, 0), (1.5, -2), (7.25, 3), (-0.125, 100)])
    func gradientAgainstTheTutorialsFormula(a: Double, o: Double) {
        let report = Tutorial.run(a: a, o: o)
        let d = 5 * (5 - 3 * a) + 6
        #expect(report.gradient("a") == -252 - 180 * d)
        #expect(report.gradient("o") == -1)
        #expect(report.modesAgree)
    }

    @Test func dynamicModeAsTheTutorialWritesIt() {
        let a = Value(2, requiresGrad: true), o = Value(1, requiresGrad: true)
        let b = 5 - a * 3
        let c = b * 2 + 3
        let d = b * 5 + 6
        let e = c * 7 + pow(d, 2)
        let f = e * 2
        let g = f * 3 - o
        g.backward()
        #expect(g.data == 47 && a.grad == -432 && o.grad == -1)
    }

    @Test func staticModeAsTheTutorialWritesIt() throws {
        let graph = Graph()
        let a = graph.input("a"), o = graph.input("o")
        let nodes = Tutorial.graph(a: a, o: o)
        let gradients = graph.gradients(of: nodes.g, wrt: [a, o])
        let program = graph.compile([nodes.g] + gradients)
        #expect(try program.run(["a": 2, "o": 1]) == [47, -432, -1])
        // Compiled once, run many times.
        #expect(try program.run(["a": 3, "o": 0]) == [Tutorial.graph(a: 3.0, o: 0.0).g, -252 - 180 * (5 * (5 - 9) + 6), -1])
    }

    @Test func derivationShowsTheTutorialsSteps() throws {
        let text = try #require(Tutorial.run().derivation).description
        for line in ["b = 5 - 3a = -1", "e = 7c + d^2 = 8", "g = 3f - o = 47",
                     "∂e/∂d = 2d = 2", "∂e/∂c = 7", "∂b/∂a = -3", "∂g/∂o = -1",
                     "dg/db = dg/dc·∂c/∂b + dg/dd·∂d/∂b = 42·2 + 12·5 = 144",
                     "dg/da = dg/db·∂b/∂a = 144·(-3) = -432"] {
            #expect(text.contains(line), "missing: \(line)")
        }
    }

    @Test func secondDerivativesOfTheTutorial() throws {
        // g = 6(7(2b + 3) + (5b + 6)²) − o with b = 5 − 3a: d²g/da² = 6·2·5²·3² = 2700, and
        // nothing depends on o twice.
        let a = Value(2, requiresGrad: true), o = Value(1, requiresGrad: true)
        let g = Tutorial.graph(a: a, o: o).g
        let first = g.differentiableGradients(wrt: [a, o])
        #expect(first[0].gradients(wrt: [a, o]) == [2700, 0])
        #expect(first[1].gradients(wrt: [a, o]) == [0, 0])

        let graph = Graph()
        let (x, y) = (graph.input("a"), graph.input("o"))
        let hessian = graph.hessian(of: Tutorial.graph(a: x, o: y).g, wrt: [x, y])
        #expect(try graph.compile(hessian.flatMap { $0 }).run(["a": 2, "o": 1]) == [2700, 0, 0, 0])
    }
}
