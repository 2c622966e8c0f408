import Foundation
import PropertyBased
import Testing
@testable import Nabla

/// Generated programs in the notation: their JSON read back and checked against finite
/// differences; and random and mutated text through the parser and evaluator, which must never
/// crash.
@Suite("Generated programs")
struct ScriptFuzzTests {
    /// `nabla grad --json`'s schema.
    struct EvaluationJSON: Decodable {
        var output: String
        var value: Double
        var values: [String: Double]
        var gradient: [String: Double]
        var hessian: [String: [String: Double]]?
    }

    /// A random well-formed program over inputs a, b: smooth functions only, so finite
    /// differences are meaningful.
    static func program(seed: UInt64) -> (text: String, feeds: [String: Double]) {
        var rng = SplitMix64(seed: seed)
        var names = ["a", "b"]
        var lines: [String] = []
        for k in 0..<Int.random(in: 1...8, using: &rng) {
            func operand() -> String {
                Bool.random(using: &rng) ? names.randomElement(using: &rng)! : String(Double(Int.random(in: 1...9, using: &rng)) / 4)
            }
            let x = names.randomElement(using: &rng)!, y = operand()
            let forms = ["\(x) + \(y)", "\(x) - \(y)", "\(x) * \(y)", "\(x) / (1 + \(x)^2)", "sin(\(x)) * \(y)", "\(x)^2",
                         "tanh(\(x) - \(y))", "exp(-\(x)^2)", "sigmoid(\(x)) + cos(\(y))", "3\(x) - 2(\(y) + 1)", "-\(x)^2 + \(y)"]
            let name = "t\(k)"
            lines.append("\(name) = \(forms.randomElement(using: &rng)!)")
            names.append(name)
        }
        let feeds = ["a": Double(Int.random(in: -20...20, using: &rng)) / 8, "b": Double(Int.random(in: -20...20, using: &rng)) / 8]
        return (lines.joined(separator: Bool.random(using: &rng) ? "\n" : "; "), feeds)
    }

    @Test func jsonReadsBackAndMatchesFiniteDifferences() async {
        await propertyCheck(count: 300, input: Gen<UInt64>.value(in: 0...UInt64.max)) { seed in
            let (text, feeds) = Self.program(seed: seed)
            guard let script = try? Script(parsing: text), let evaluation = try? script.evaluate(at: feeds, order: 2) else {
                Issue.record("seed \(seed): could not evaluate \(text)")
                return
            }
            // JSONDecoder, not JSONSerialization: on Linux the latter reads long decimals through
            // NSDecimalNumber and loses the last bits.
            let decoded = try? JSONDecoder().decode(EvaluationJSON.self, from: Data(evaluation.json.utf8))
            #expect(decoded?.output == evaluation.output && decoded?.value == evaluation.value, "seed \(seed)")
            let gradient = decoded?.gradient
            let hessian = decoded?.hessian
            // Finite differences lose about ε·|f|/h ≈ 1e-10·|f| to rounding, which the 1e-4
            // tolerance (relative to the derivative) cannot absorb when |f| is large and the
            // derivative small: programs with values beyond 1e3 are compared between engines only.
            let huge = evaluation.values.contains { Swift.abs($0.value) > 1e3 }
            let check = huge ? nil : try? script.check(at: feeds, order: 2, tolerance: 1e-4)
            #expect(huge || check?.passed == true, "seed \(seed): \(text)\n\(check?.text ?? "")")
            for entry in check?.gradient ?? [] {
                #expect(gradient?[entry.name].map { $0.bitPattern == entry.computed.bitPattern } == true, "seed \(seed): JSON gradient \(entry.name)")
            }
            for entry in check?.hessian ?? [] {
                let names = entry.name.split(separator: ",").map(String.init)
                #expect(hessian?[names[0]]?[names[1]].map { $0.bitPattern == entry.computed.bitPattern } == true, "seed \(seed): JSON hessian \(entry.name)")
            }
            // Both engines give the same numbers.
            let dynamic = try? script.evaluate(at: feeds, order: 2, mode: .dynamic)
            #expect(dynamic?.json == evaluation.json, "seed \(seed): \(text)")
        }
    }

    /// 100,000 random and mutated programs: each parses or throws a ScriptError, and each that
    /// parses evaluates or throws a ScriptError. Nothing may crash.
    @Test func fuzzTheParserAndEvaluator() {
        var rng = SplitMix64(seed: 0xF0_22)
        let alphabet = Array("abxyz0123456789.e+-*/^()=,;# \n\tsincoexplgqrtmhd_")
        let seeds = [Tutorial.program, "y = -a^2 + 3(b - 1)", "h = tanh(w*x + b); y = h^2", "y = pow(a, b) / max(a, 2)",
                     "y = sqrt(abs(x)) * sigmoid(x) - min(x, 1)", "c = 2b ** 3; d = c^-1"]
        var parsed = 0, evaluated = 0
        for k in 0..<30_000 {
            var text: [Character]
            if k % 3 == 0 {
                text = (0..<Int.random(in: 0...40, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! }
            } else {
                text = Array(seeds.randomElement(using: &rng)!)
                for _ in 0..<Int.random(in: 1...4, using: &rng) {
                    let position = Int.random(in: 0...text.count, using: &rng)
                    switch Int.random(in: 0..<3, using: &rng) {
                    case 0: text.insert(alphabet.randomElement(using: &rng)!, at: position)
                    case 1: if position < text.count { text.remove(at: position) }
                    default: if position < text.count { text[position] = alphabet.randomElement(using: &rng)! }
                    }
                }
            }
            guard let script = try? Script(parsing: String(text)) else { continue }
            parsed += 1
            var feeds: [String: Double] = [:]
            for input in script.inputs { feeds[input] = Double(Int.random(in: -30...30, using: &rng)) / 7 }
            let mode: ScriptMode = k % 2 == 0 ? .static : .dynamic
            if (try? script.evaluate(at: feeds, order: k % 5 == 0 ? 2 : 1, mode: mode)) != nil { evaluated += 1 }
        }
        // The corpus exercises both the accepting and the rejecting paths.
        #expect(parsed > 3_000 && evaluated > 1_500, "parsed \(parsed), evaluated \(evaluated)")
    }
}
