import PropertyBased
import Testing
@testable import Nabla

/// Static and dynamic graphs are two ways of running the same op declarations: on any program
/// they must give the same values, gradients and second derivatives, bit for bit (zeros
/// included: both keep a lone −0 contribution as it is).
@Suite("Static and dynamic agree")
struct StaticDynamicPropertyTests {
    @Test func onRandomPrograms() async {
        await propertyCheck(count: 1000, input: Gen<UInt64>.value(in: 0...UInt64.max)) { seed in
            let program = RandomProgram(seed: seed)
            // Dynamic.
            let leaves = program.point.enumerated().map { Value($1, requiresGrad: true, name: "x\($0)") }
            let output = program.build(leaves)
            let gradients = output.differentiableGradients(wrt: leaves)
            let dynamic = [output.data] + gradients.map(\.data) + gradients.flatMap { $0.gradients(wrt: leaves) }

            // Static.
            let graph = Graph()
            let inputs = program.point.indices.map { graph.input("x\($0)") }
            let y = program.build(inputs)
            let first = graph.gradients(of: y, wrt: inputs)
            let second = first.flatMap { graph.gradients(of: $0, wrt: inputs) }
            let compiled = graph.compile([y] + first + second)
            let feeds = Dictionary(uniqueKeysWithValues: zip(inputs.map { $0.name! }, program.point))

            if dynamic.allSatisfy(\.isFinite) {
                let outputs = try? compiled.run(feeds)
                #expect(outputs.map { zip($0, dynamic).allSatisfy(sameNumber) } == true,
                        "\(program)\nstatic  \(outputs.map { "\($0)" } ?? "threw")\ndynamic \(dynamic)")
            } else {
                // A non-finite number in the dynamic result: the compiled program reports it.
                #expect(throws: ProgramError.self, "\(program)") { try compiled.run(feeds) }
            }

            // The dynamic computation captured into a static graph computes the same numbers.
            let capturedGraph = Graph()
            let captured = capturedGraph.capture(output)
            let capturedProgram = capturedGraph.compile([captured])
            if output.data.isFinite {
                let capturedFeeds = capturedProgram.inputNames.map { ($0, program.point[Int($0.dropFirst())!]) }
                let values = try? capturedProgram.run(Dictionary(uniqueKeysWithValues: capturedFeeds))
                #expect(values.map { sameNumber($0[0], output.data) } == true, "\(program)")
            }
        }
    }
}

/// Bit-for-bit equality.
private func sameNumber(_ a: Double, _ b: Double) -> Bool { a.bitPattern == b.bitPattern }
