/// The computation graph of the tutorial Nabla starts from (a Chinese tutorial on PyTorch's
/// computation graph, restated in English, step by step, in <doc:WorkedTutorial>):
///
///     b = 5 - 3a,  c = 2b + 3,  d = 5b + 6,  e = 7c + d^2,  f = 2e,  g = 3f - o
///
/// worked out in both modes. By hand: at a = 2, o = 1, g = 47, dg/da = −252 − 180d = −432 and
/// dg/do = −1.
public enum Tutorial {
    /// The program in the tutorial's notation.
    public static let program = "b = 5 - 3a; c = 2b + 3; d = 5b + 6; e = 7c + d^2; f = 2e; g = 3f - o"

    /// Every node of the tutorial's graph.
    public struct Nodes<T> {
        /// b = 5 − 3a, c = 2b + 3, d = 5b + 6, e = 7c + d², f = 2e, g = 3f − o, as
        /// ``Tutorial/graph(a:o:)`` builds them.
        public var b, c, d, e, f, g: T
        /// The nodes, given one by one.
        @inlinable public init(b: T, c: T, d: T, e: T, f: T, g: T) {
            (self.b, self.c, self.d, self.e, self.f, self.g) = (b, c, d, e, f, g)
        }
        /// The nodes after the inputs, in forward order, with their names.
        public var named: [(name: String, node: T)] { [("b", b), ("c", c), ("d", d), ("e", e), ("f", f), ("g", g)] }
    }

    /// Builds the graph in any algebra: numbers, the dynamic graph or the static graph.
    @inlinable
    public static func graph<T: DifferentiableScalar>(a: T, o: T) -> Nodes<T> {
        let b = 5 - 3 * a
        let c = 2 * b + 3
        let d = 5 * b + 6
        let e = 7 * c + pow(d, 2)
        let f = 2 * e
        let g = 3 * f - o
        return Nodes(b: b, c: c, d: d, e: e, f: f, g: g)
    }

    /// The tutorial's closed form for the gradient: dg/da = −252 − 180d.
    public static func expectedGradientA(d: Double) -> Double { -252 - 180 * d }

    /// The tutorial worked out in both modes at the given inputs.
    public static func run(a: Double = 2, o: Double = 1) -> Report {
        // Dynamic: compute while recording, then reverse mode over the tape.
        let av = Value(a, requiresGrad: true, name: "a"), ov = Value(o, requiresGrad: true, name: "o")
        let dynamic = graph(a: av, o: ov)
        for (name, node) in dynamic.named { node.named(name) }
        let everyNode = [av, ov] + dynamic.named.map(\.node)
        let dynamicGradients = dynamic.g.gradients(wrt: everyNode)

        // Static: build symbols, add the gradient nodes, compile, run.
        let staticGraph = Graph()
        let (asym, osym) = (staticGraph.input("a"), staticGraph.input("o"))
        let symbolic = graph(a: asym, o: osym)
        for (name, node) in symbolic.named { node.named(name) }
        let everySymbol = [asym, osym] + symbolic.named.map(\.node)
        let gradientSymbols = staticGraph.gradients(of: symbolic.g, wrt: everySymbol)
        let program = staticGraph.compile(everySymbol + gradientSymbols)
        // The feeds are complete and named correctly, and the tutorial's graph has no domain
        // errors, except at inputs that overflow: report those as non-finite numbers.
        let outputs = (try? program.run(["a": a, "o": o])) ?? Array(repeating: .nan, count: 2 * everySymbol.count)

        let names = ["a", "o"] + dynamic.named.map(\.name)
        let derivation = (try? staticGraph.derivation(of: symbolic.g, at: ["a": a, "o": o]))
        // The dynamic graph captured into a static one gives the same derivation.
        let captured = Graph()
        let capturedG = captured.capture(dynamic.g)
        let capturedDerivation = try? captured.derivation(of: capturedG, at: ["a": a, "o": o])

        return Report(
            names: names,
            dynamicValues: everyNode.map(\.data), dynamicGradients: dynamicGradients,
            staticValues: Array(outputs.prefix(everySymbol.count)), staticGradients: Array(outputs.suffix(everySymbol.count)),
            derivation: derivation, capturedDerivationMatches: capturedDerivation.map(Self.lines) == derivation.map(Self.lines),
            instructionCount: program.instructionCount)
    }

    /// A derivation's lines, sorted: the captured graph meets `o` later than the static graph
    /// declares it, so it lists ∂g/∂o after ∂g/∂f; the steps are the same.
    private static func lines(_ derivation: Derivation) -> [Substring] {
        derivation.description.split(separator: "\n").sorted()
    }

    /// The tutorial's numbers from both modes.
    public struct Report: Sendable {
        /// a, o, b, c, d, e, f, g.
        public var names: [String]
        /// The value of each node of ``names``, from the dynamic graph.
        public var dynamicValues: [Double]
        /// dg/dx for every x in ``names``, from the dynamic graph.
        public var dynamicGradients: [Double]
        /// The value of each node of ``names``, from the compiled static program; all NaN if it
        /// could not run (at inputs so large that a value overflows).
        public var staticValues: [Double]
        /// dg/dx for every x in ``names``, from the compiled static program; all NaN if it
        /// could not run.
        public var staticGradients: [Double]
        /// The chain rule worked out (from the static graph).
        public var derivation: Derivation?
        /// Whether the dynamic graph, captured into a static one, explains itself identically.
        public var capturedDerivationMatches: Bool
        /// Instructions in the compiled program computing all values and gradients.
        public var instructionCount: Int

        /// The dynamic graph's value of the node `name`; a name not in ``names`` stops (a
        /// programmer error).
        public func value(_ name: String) -> Double { dynamicValues[names.firstIndex(of: name)!] }
        /// The dynamic graph's dg/d`name`; a name not in ``names`` stops (a programmer error).
        public func gradient(_ name: String) -> Double { dynamicGradients[names.firstIndex(of: name)!] }

        /// Whether both modes gave the same bits for every value and gradient.
        public var modesAgree: Bool {
            zip(dynamicValues + dynamicGradients, staticValues + staticGradients)
                .allSatisfy { $0.bitPattern == $1.bitPattern }
        }

        /// The tutorial's formula −252 − 180d at this point.
        public var expectedGradientA: Double { Tutorial.expectedGradientA(d: value("d")) }
    }
}

extension Tutorial.Report: CustomStringConvertible {
    /// The report `nabla` prints with no arguments.
    public var description: String {
        let n = NumberFormat.shortest
        var lines: [String] = []
        let a = value("a"), o = value("o")
        lines.append("The tutorial's computation graph at a = \(n(a)), o = \(n(o)):")
        lines.append("  " + Tutorial.program.split(separator: ";").map { $0.trimmingSpaces }.joined(separator: ",  "))
        lines.append("")
        if let derivation {
            lines.append(derivation.text())
            lines.append("")
        }
        lines.append("Both modes (dynamic: recorded while computing; static: built, differentiated as a graph, compiled to \(instructionCount) instructions):")
        let width = 10
        lines.append("  " + "node".padded(width) + "dynamic".padded(width) + "static".padded(width) + "dg/dnode dynamic".padded(18) + "static")
        for (k, name) in names.enumerated() {
            lines.append("  " + name.padded(width) + n(dynamicValues[k]).padded(width) + n(staticValues[k]).padded(width)
                         + n(dynamicGradients[k]).padded(18) + n(staticGradients[k]))
        }
        lines.append(modesAgree ? "  Static and dynamic agree bit for bit on every value and gradient."
                                : "  MISMATCH: static and dynamic differ.")
        if capturedDerivationMatches {
            lines.append("  The dynamic graph, captured into a static graph, gives the same derivation.")
        }
        lines.append("")
        let d = value("d"), expected = expectedGradientA, got = gradient("a")
        lines.append("Result: g = \(n(value("g"))), dg/da = \(n(got)), dg/do = \(n(gradient("o")))")
        lines.append("Check against the tutorial's formula: dg/da = -252 - 180d = -252 - 180·\(Self.factor(n(d))) = \(n(expected)); "
                     + "difference \(n(Swift.abs(got - expected)))" + (got == expected ? " ✓" : " ✗"))
        return lines.joined(separator: "\n")
    }

    private static func factor(_ text: String) -> String { text.hasPrefix("-") ? "(\(text))" : text }
}

extension StringProtocol {
    var trimmingSpaces: String {
        var s = Substring(self)
        while s.first == " " { s.removeFirst() }
        while s.last == " " { s.removeLast() }
        return String(s)
    }
    func padded(_ width: Int) -> String {
        count >= width ? String(self) + " " : String(self) + String(repeating: " ", count: width - count)
    }
}
