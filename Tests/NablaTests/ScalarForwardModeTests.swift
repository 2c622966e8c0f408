import Foundation
import PropertyBased
import Testing
@testable import Nabla

/// Forward mode for the scalar engines: `Dual`, the dynamic tape's forward sweep (`jvp`,
/// `jacobian`, `hessian`) and the static graph's `jvp(of:wrt:along:)`, all from the tangent rule
/// derived from each primitive's pullback. Checked against reverse mode on every row of the op
/// table, to 1e-12 relative, and static against dynamic bit for bit.
@Suite("Scalar forward mode")
struct ScalarForwardModeTests {
    /// |a − b| ≤ 1e-12 · max(|a|, |b|), or both exactly equal (zeros).
    static func agree(_ a: Double, _ b: Double, tolerance: Double = 1e-12, scale: Double = 0) -> Bool {
        a == b || Swift.abs(a - b) <= tolerance * Swift.max(Swift.abs(a), Swift.abs(b), scale)
    }

    static func basis(_ j: Int, _ n: Int) -> [Double] { (0..<n).map { $0 == j ? 1 : 0 } }

    static func feeds(_ inputs: [Symbol], _ point: [Double]) -> [String: Double] {
        Dictionary(uniqueKeysWithValues: zip(inputs.map { $0.name! }, point))
    }

    @Test("Forward matches reverse (first order)", arguments: OpCase.allCases)
    func firstOrder(_ op: OpCase) throws {
        for point in op.points {
            let n = point.count
            let leaves = point.map { Value($0, requiresGrad: true) }
            let reverse = op(leaves).gradients(wrt: leaves)

            // The static graph: one program giving the value and the tangent along inputs v0, v1.
            let graph = Graph()
            let inputs = point.indices.map { graph.input("x\($0)") }
            let along = point.indices.map { graph.input("v\($0)") }
            let y = op(inputs)
            let program = graph.compile([y, graph.jvp(of: y, wrt: inputs, along: along)])

            let general = [0.7, -1.3].prefix(n)
            for direction in (0..<n).map({ Self.basis($0, n) }) + [Array(general)] {
                // Reverse mode's directional derivative, and its scale (for cancellation).
                let expected = zip(reverse, direction).map(*).reduce(0, +)
                let scale = zip(reverse, direction).map { Swift.abs($0 * $1) }.reduce(0, +)

                // Dual numbers.
                let duals = zip(point, direction).map { Dual($0, tangent: $1) }
                let dual = op(duals)
                #expect(dual.primal.bitPattern == op.number(point).bitPattern, "\(op) value at \(point)")
                #expect(Self.agree(dual.tangent, expected, scale: scale),
                        "\(op) along \(direction) at \(point): Dual \(dual.tangent), reverse \(expected)")

                // The tape's forward sweep.
                let (value, derivative) = jvp(at: point, along: direction) { op($0) }
                #expect(value.bitPattern == op.number(point).bitPattern)
                #expect(Self.agree(derivative, expected, scale: scale),
                        "\(op) along \(direction) at \(point): jvp \(derivative), reverse \(expected)")
                #expect(derivative.bitPattern == dual.tangent.bitPattern,
                        "\(op) along \(direction) at \(point): jvp \(derivative), Dual \(dual.tangent)")

                // Static, bit for bit with dynamic.
                let outputs = try program.run(Self.feeds(inputs + along, point + direction))
                #expect(outputs[1].bitPattern == derivative.bitPattern,
                        "\(op) along \(direction) at \(point): static \(outputs[1]), dynamic \(derivative)")
            }
        }
    }

    @Test("Second directional derivatives match reverse-mode Hessians", arguments: OpCase.allCases)
    func secondOrder(_ op: OpCase) throws {
        for point in op.points {
            let n = point.count
            let leaves = point.map { Value($0, requiresGrad: true) }
            let reverse = op(leaves).differentiableGradients(wrt: leaves).map { $0.gradients(wrt: leaves) }
            let forwardOverReverse = hessian(at: point) { op($0) }

            // Static forward-over-reverse: the jvp of the gradient graph, seeding xⱼ only (as the
            // dynamic `hessian` does; an explicit zero tangent would carry −0s through).
            let graph = Graph()
            let inputs = point.indices.map { graph.input("x\($0)") }
            let gradient = graph.gradients(of: op(inputs), wrt: inputs)
            let columns = (0..<n).flatMap { j in
                graph.jvp(of: gradient, wrt: [inputs[j]], along: [graph.constant(1)])
            }
            let staticHessian = try graph.compile(columns).run(Self.feeds(inputs, point))

            for i in 0..<n {
                for j in 0..<n {
                    let expected = reverse[i][j]
                    // Forward-over-forward: Dual<Dual<Double>>, inner along eⱼ, outer along eᵢ.
                    let nested = point.indices.map { k in
                        Dual(Dual(point[k], tangent: k == j ? 1 : nil), tangent: k == i ? Dual(1.0) : nil)
                    }
                    let fof = op(nested).tangent.tangent
                    #expect(Self.agree(fof, expected), "\(op) H[\(i)][\(j)] at \(point): forward-over-forward \(fof), reverse \(expected)")

                    // Reverse-over-forward: Dual<Value>, the tangent along eⱼ differentiated.
                    let recorded = point.indices.map { k in Dual(leaves[k], tangent: k == j ? Value(1) : nil) }
                    let rof = op(recorded).tangent.gradients(wrt: leaves)[i]
                    #expect(Self.agree(rof, expected), "\(op) H[\(i)][\(j)] at \(point): reverse-over-forward \(rof), reverse \(expected)")

                    // Forward-over-reverse, dynamic and static.
                    let forb = forwardOverReverse[i][j]
                    #expect(Self.agree(forb, expected), "\(op) H[\(i)][\(j)] at \(point): forward-over-reverse \(forb), reverse \(expected)")
                    let s = staticHessian[j * n + i]
                    #expect(s.bitPattern == forb.bitPattern, "\(op) H[\(i)][\(j)] at \(point): static \(s), dynamic \(forb)")
                }
            }
        }
    }

    @Test func jvpGivesTheValueAndTheDirectionalDerivative() {
        // f(x₀, x₁) = x₀x₁ + sin x₀; ∂f/∂x₀ = x₁ + cos x₀, ∂f/∂x₁ = x₀.
        let (value, derivative) = jvp(at: [1, 2], along: [1, 0]) { x in x[0] * x[1] + sin(x[0]) }
        #expect(value == 2 + Foundation.sin(1.0))
        #expect(derivative == 2 + Foundation.cos(1.0))
        let along = jvp(at: [1, 2], along: [0.5, -2]) { x in x[0] * x[1] + sin(x[0]) }.derivative
        #expect(Self.agree(along, 0.5 * (2 + Foundation.cos(1.0)) - 2 * 1))
        // A function not depending on its input, and one returning its input.
        #expect(jvp(at: [3], along: [1]) { _ in Value(5) } == (5, 0))
        #expect(jvp(at: [3, 4], along: [2, 7]) { x in x[1] } == (4, 7))
    }

    @Test func vjpsPullbackCanBeCalledRepeatedly() {
        // f(x) = ‖x‖; ∇f = x/‖x‖ = (0.6, 0.8) at (3, 4).
        let (value, pullback) = vjp(at: [3, 4]) { x in sqrt(x[0] * x[0] + x[1] * x[1]) }
        #expect(value == 5)
        let once = pullback(1), scaled = pullback(10)
        #expect(zip(once, [0.6, 0.8]).allSatisfy { Self.agree($0, $1) })
        #expect(zip(scaled, [6, 8]).allSatisfy { Self.agree($0, $1) })
        #expect(pullback(1) == once)   // the same sweep again, the same numbers
    }

    @Test(arguments: [JacobianMode.automatic, .forward, .reverse])
    func jacobianInEveryMode(_ mode: JacobianMode) {
        // f(x₀, x₁) = (x₀x₁, x₀ + x₁, sin x₀, x₁²): J = [[x₁, x₀], [1, 1], [cos x₀, 0], [0, 2x₁]].
        let x0 = 0.75, x1 = -1.5
        let j = jacobian(at: [x0, x1], mode: mode) { x in [x[0] * x[1], x[0] + x[1], sin(x[0]), x[1] * x[1]] }
        #expect(j == [[x1, x0], [1, 1], [Foundation.cos(x0), 0], [0, 2 * x1]])
        // Wide: one output of three inputs, f = x₀x₁x₂; J = [[x₁x₂, x₀x₂, x₀x₁]].
        let wide = jacobian(at: [2, 3, 5], mode: mode) { x in [x[0] * x[1] * x[2]] }
        #expect(wide == [[15, 10, 6]])
    }

    @Test func hessianIsForwardOverReverse() {
        // f = x₀²x₁ + e^x₁: H = [[2x₁, 2x₀], [2x₀, e^x₁]].
        let x0 = 1.5, x1 = 0.5
        let h = hessian(at: [x0, x1]) { x in x[0] * x[0] * x[1] + exp(x[1]) }
        #expect(h == [[2 * x1, 2 * x0], [2 * x0, Foundation.exp(x1)]])
        let hv = hessianVectorProduct(at: [x0, x1], along: [1, -2]) { x in x[0] * x[0] * x[1] + exp(x[1]) }
        #expect(hv == [2 * x1 - 2 * 2 * x0, 2 * x0 - 2 * Foundation.exp(x1)])
    }

    @Test func dualNumbersDifferentiateGenericCode() throws {
        func f<T: DifferentiableScalar>(_ x: T) -> T { x * x + sin(x) }
        let y = f(Dual(2.0, tangent: 1.0))
        #expect(y.primal == 4 + Foundation.sin(2.0))
        #expect(y.tangent == 4 + Foundation.cos(2.0))   // 2x + cos x
        // A constant has a zero tangent, in the base's algebra.
        #expect(Dual(3.0).tangent == 0 && Dual(3.0, tangent: 1.0).constant(2).storedTangent == nil)
        // Forward-over-forward: d²/dx² (x³) = 6x.
        let x = Dual(Dual(2.0, tangent: 1), tangent: Dual(1.0))
        #expect(pow(x, 3).tangent.tangent == 12)
        // Symbols: the tangent's nodes in a static graph.
        let graph = Graph()
        let s = graph.input("s")
        let t = f(Dual(s, tangent: graph.constant(1))).tangent
        #expect(try graph.compile([t]).run(["s": 2]) == [4 + Foundation.cos(2.0)])
    }

    @Test func forwardSweepDoesNotRecurseOverDepth() {
        // A chain of 200 000 nodes: x·1.00001 + 0 repeated; d/dx = 1.00001^n.
        let n = 100_000
        let (_, derivative) = jvp(at: [1], along: [1]) { x in
            var y = x[0]
            for _ in 0..<n { y = y * 1.00001 + 0 }
            return y
        }
        var expected = 1.0
        for _ in 0..<n { expected = 1.00001 * expected }
        #expect(derivative == expected)
    }

    @Test func transformsLeaveTheCallersGraphCurrent() {
        let a = Value(2, requiresGrad: true)
        let b = a * 3                                  // the caller's graph, still recording
        _ = jvp(at: [1], along: [1]) { x in x[0] * x[0] }
        let c = b * b                                  // same graph as b: no mixed-graph stop
        #expect(c.gradient(wrt: a) == 36)              // d(9a²)/da = 18a
    }

    @Test func staticJVPAlongComputedNodesAndUnreachedOutputs() throws {
        let graph = Graph()
        let x = graph.input("x"), y = graph.input("y")
        let u = x * x
        let z = sin(u) + y
        let tangents = graph.jvp(of: [z, x * 2, y], wrt: [u], along: [graph.constant(1)])
        // d/du (sin u + y) = cos u; x·2 and y do not depend on u.
        #expect(try graph.compile(tangents).run(["x": 1.5, "y": 0]) == [Foundation.cos(2.25), 0, 0])
    }

    /// Random programs: Jacobian-vector products dynamic against static bit for bit, and against
    /// reverse mode to 1e-12 of the terms' scale.
    @Test func randomProgramsAgree() async {
        await propertyCheck(count: 200, input: Gen<UInt64>.value(in: 0...UInt64.max)) { seed in
            let program = RandomProgram(seed: seed)
            let n = program.point.count
            let direction = (0..<n).map { Double($0 + 1) * 0.375 - 0.5 }
            let leaves = program.point.map { Value($0, requiresGrad: true) }
            let reverse = program.build(leaves).gradients(wrt: leaves)
            let (value, derivative) = jvp(at: program.point, along: direction) { program.build($0) }
            guard value.isFinite && derivative.isFinite && reverse.allSatisfy(\.isFinite) else { return }
            let expected = zip(reverse, direction).map(*).reduce(0, +)
            let scale = zip(reverse, direction).map { Swift.abs($0 * $1) }.reduce(0, +)
            #expect(Self.agree(derivative, expected, tolerance: 1e-10, scale: scale), "\(program): jvp \(derivative), reverse \(expected)")

            let graph = Graph()
            let inputs = program.point.indices.map { graph.input("x\($0)") }
            let tangent = graph.jvp(of: program.build(inputs), wrt: inputs, along: direction.map(graph.constant))
            let outputs = try? graph.compile([tangent]).run(Self.feeds(inputs, program.point))
            #expect(outputs?[0].bitPattern == derivative.bitPattern, "\(program): static \(outputs.map { "\($0)" } ?? "threw"), dynamic \(derivative)")
        }
    }

    /// An output that is an input returned untouched (never recorded on the tape) has its own
    /// tangent: d x₀/d x₀ = 1 (forward mode once gave 0 here; found by the property test below).
    @Test func anInputReturnedAsAnOutput() {
        #expect(jacobian(at: [1, 2], mode: .forward) { x in [x[0], x[1] * 2] } == [[1, 0], [0, 2]])
        #expect(jacobian(at: [1, 2], mode: .reverse) { x in [x[0], x[1] * 2] } == [[1, 0], [0, 2]])
        #expect(jvp(at: [3], along: [5]) { x in x[0] }.derivative == 5)
    }

    /// Random programs as functions with many outputs (every node): the Jacobian in forward and
    /// in reverse mode, and the Hessian of their sum (forward-over-reverse), against central finite
    /// differences. Entries where two step sizes disagree (a kink such as relu's, abs's or floor's
    /// lies within the step) are skipped, as `gradcheck` cannot judge them either.
    @Test func randomProgramsJacobiansAndHessiansAgainstFiniteDifferences() {
        for seed in UInt64(1)...300 {   // fixed seeds: the same programs on every run
            let program = RandomProgram(seed: seed)
            let x = program.point, n = x.count
            func values(_ point: [Double]) -> [Double] { program.buildNodes(point.map { Value($0) }).map(\.data) }
            func gradient(_ point: [Double]) -> [Double] {
                let leaves = point.map { Value($0, requiresGrad: true) }
                return program.build(leaves).gradients(wrt: leaves)
            }
            /// Central differences, and whether each entry is smooth there: the one-sided
            /// differences on either side agree (at a kink, such as relu's at 0, they do not, even
            /// when central differences of two step sizes do), and so do central differences of
            /// two step sizes (at a jump whose midpoint is taken, such as a tie of max, the
            /// one-sided ones agree).
            func central(_ f: ([Double]) -> [Double], _ j: Int, _ h: Double = 1e-6) -> [(value: Double, smooth: Bool)] {
                var up = x, down = x
                up[j] += h; down[j] -= h
                let (fUp, fDown, fHere) = (f(up), f(down), f(x))
                var up2 = x, down2 = x
                up2[j] += 2 * h; down2[j] -= 2 * h
                let (fUp2, fDown2) = (f(up2), f(down2))
                return fUp.indices.map { i in
                    let value = (fUp[i] - fDown[i]) / (up[j] - down[j])
                    let wider = (fUp2[i] - fDown2[i]) / (up2[j] - down2[j])
                    let right = (fUp[i] - fHere[i]) / (up[j] - x[j]), left = (fHere[i] - fDown[i]) / (x[j] - down[j])
                    let tolerance = 1e-4 * Swift.max(1, Swift.abs(value))
                    return (value, value.isFinite && Swift.abs(right - left) <= tolerance && Swift.abs(wider - value) <= tolerance)
                }
            }
            func close(_ a: Double, _ b: Double, _ tolerance: Double) -> Bool {
                Swift.abs(a - b) <= tolerance * Swift.max(1, Swift.abs(a), Swift.abs(b))
            }
            // Where a node's value is NaN or infinite the function is undefined there, and 0·NaN
            // makes the modes' NaNs differ (as PyTorch's do): judge defined points only.
            guard values(x).allSatisfy(\.isFinite) else { continue }
            let forward = jacobian(at: x, mode: .forward) { program.buildNodes($0) }
            let reverse = jacobian(at: x, mode: .reverse) { program.buildNodes($0) }
            let hessianMatrix = hessian(at: x) { program.build($0) }
            for j in 0..<n {
                let differences = central(values, j), gradientDifferences = central(gradient, j)
                for i in differences.indices {
                    // Where a local derivative is infinite (sqrt at 0) and the path into it is an
                    // exact 0 (a masked branch), one mode meets 0·∞ = NaN and the other 0, as
                    // PyTorch's forward and reverse modes do: then the other must be NaN or 0.
                    if forward[i][j].isNaN || reverse[i][j].isNaN {
                        #expect((forward[i][j].isNaN || forward[i][j] == 0) && (reverse[i][j].isNaN || reverse[i][j] == 0),
                                "\(program): J[\(i)][\(j)] forward \(forward[i][j]), reverse \(reverse[i][j])")
                        continue
                    }
                    guard differences[i].smooth else { continue }
                    let fd = differences[i].value
                    #expect(close(forward[i][j], fd, 1e-5), "\(program): J[\(i)][\(j)] forward \(forward[i][j]), finite differences \(fd)")
                    #expect(close(reverse[i][j], fd, 1e-5), "\(program): J[\(i)][\(j)] reverse \(reverse[i][j]), finite differences \(fd)")
                }
                for i in 0..<n where !hessianMatrix[i][j].isNaN && gradientDifferences[i].smooth {
                    #expect(close(hessianMatrix[i][j], gradientDifferences[i].value, 1e-5),
                            "\(program): H[\(i)][\(j)] \(hessianMatrix[i][j]), finite differences \(gradientDifferences[i].value)")
                }
            }
        }
    }

    // MARK: The command line's forward mode

    /// `Script.evaluate(mode: .forward)` against the reverse modes on random programs: the gradient
    /// (inputs and statements) and the Hessian to 1e-12 relative.
    @Test func scriptForwardModeAgreesWithReverseModes() async {
        await propertyCheck(count: 100, input: Gen<UInt64>.value(in: 0...UInt64.max)) { seed in
            Self.checkForwardAgainstReverse(seed: seed)
        }
    }

    /// A program whose Hessian has an entry made small by cancellation (it failed the check
    /// with a tolerance relative to each entry alone).
    @Test func cancellationInAHessianEntryIsWithinTheTolerance() {
        Self.checkForwardAgainstReverse(seed: 4255032611303913376)
        Self.checkForwardAgainstReverse(seed: 11476844447632143860)
    }

    static func checkForwardAgainstReverse(seed: UInt64) {
        let (text, feeds) = ScriptFuzzTests.program(seed: seed)
        guard let script = try? Script(parsing: text),
              let reverse = try? script.evaluate(at: feeds, order: 2, mode: .static) else { return }
        guard let forward = try? script.evaluate(at: feeds, order: 2, mode: .forward) else {
            Issue.record("seed \(seed): forward mode threw on \(text)")
            return
        }
        #expect(forward.value.bitPattern == reverse.value.bitPattern)
        // The two modes add the same terms in other orders: where terms cancel, an entry far
        // smaller than the others carries their rounding, so entries agree to 1e-12 of the
        // largest entry of their gradient or Hessian (seed 4255032611303913376: H[b][b]
        // 1.7882982759125959e-09 forward, …147164e-09 reverse, beside larger entries).
        let gradients = zip(forward.gradient + forward.statementGradients, reverse.gradient + reverse.statementGradients)
        let gradientScale = gradients.map { Swift.abs($0.1.value) }.filter(\.isFinite).max() ?? 0
        for (f, r) in gradients {
            #expect(f.name == r.name && Self.agree(f.value, r.value, scale: gradientScale),
                    "seed \(seed): d/d\(f.name) forward \(f.value), reverse \(r.value) in \(text)")
        }
        // A Hessian that is zero where terms cancel exactly in one mode (seed 11476844447632143860:
        // tanh(t0 − t3) with t3 the same formula as t0, H[a][a] −1.1e-16 forward, 0 reverse) has
        // no entry to scale by: its terms are products of first derivatives, so the gradient's
        // largest entry scales it too.
        let hessianScale = max(gradientScale, (reverse.hessian ?? []).flatMap { $0.row.map { Swift.abs($0.value) } }.filter(\.isFinite).max() ?? 0)
        for (f, r) in zip(forward.hessian ?? [], reverse.hessian ?? []) {
            for (a, b) in zip(f.row, r.row) {
                #expect(Self.agree(a.value, b.value, scale: hessianScale),
                        "seed \(seed): H[\(f.name)][\(a.name)] forward \(a.value), reverse \(b.value) in \(text)")
            }
        }
    }

    /// `nabla grad --mode forward --order 2 --json`: the same JSON object as the other modes, the
    /// same names, and numbers agreeing to 1e-12 relative.
    @Test func commandLineForwardMode() throws {
        let program = "u = x * z; y = x^2 * z + exp(z) * sin(u)"
        var decoded: [String: ScriptFuzzTests.EvaluationJSON] = [:]
        for mode in ["static", "dynamic", "forward"] {
            let run = try CommandLineTests.nabla(["grad", program, "--at", "x=1.5,z=0.5", "--order", "2", "--json", "--mode", mode])
            #expect(run.status == 0 && run.errors.isEmpty, "\(mode): \(run.errors)")
            decoded[mode] = try JSONDecoder().decode(ScriptFuzzTests.EvaluationJSON.self, from: Data(run.output.utf8))
        }
        let forward = try #require(decoded["forward"]), reverse = try #require(decoded["static"])
        #expect(forward.output == "y" && forward.value == reverse.value && forward.values == reverse.values)
        #expect(Set(forward.gradient.keys) == ["x", "z"] && Set(forward.gradient.keys) == Set(reverse.gradient.keys))
        for (name, value) in forward.gradient {
            #expect(Self.agree(value, reverse.gradient[name]!), "d/d\(name): forward \(value), reverse \(reverse.gradient[name]!)")
        }
        // Hand-derived: ∂y/∂x = 2xz + eᶻ cos(xz) z, ∂y/∂z = x² + eᶻ sin(xz) + eᶻ cos(xz) x.
        let (x, z) = (1.5, 0.5)
        #expect(Self.agree(forward.gradient["x"]!, 2 * x * z + Foundation.exp(z) * Foundation.cos(x * z) * z, tolerance: 1e-14))
        #expect(Self.agree(forward.gradient["z"]!, x * x + Foundation.exp(z) * Foundation.sin(x * z) + Foundation.exp(z) * Foundation.cos(x * z) * x,
                           tolerance: 1e-14))
        let hessian = try #require(forward.hessian), expected = try #require(reverse.hessian)
        #expect(Set(hessian.keys) == ["x", "z"])
        for (row, cells) in hessian {
            for (column, value) in cells {
                #expect(Self.agree(value, expected[row]![column]!), "H[\(row)][\(column)]: forward \(value), reverse \(expected[row]![column]!)")
            }
        }
    }
}
