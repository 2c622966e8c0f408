// What `nabla grad` prints: text for people, and one JSON object for programs.

extension ScriptEvaluation {
    /// The evaluation as text:
    ///
    ///     g = 47
    ///
    ///     values:
    ///       a = 2
    ///       …
    ///     gradient of g:
    ///       dg/da = -432
    ///       …
    public var text: String {
        let n = NumberFormat.shortest
        var lines = ["\(output) = \(n(value))", "", "values:"]
        lines += values.map { "  \($0.name) = \(n($0.value))" }
        lines.append("gradient of \(output):")
        lines += gradient.map { "  d\(output)/d\($0.name) = \(n($0.value))" }
        let shown = Set(gradient.map(\.name))
        let intermediate = statementGradients.filter { !shown.contains($0.name) }
        if !intermediate.isEmpty {
            lines.append("gradient of \(output) with respect to its intermediate values:")
            lines += intermediate.map { "  d\(output)/d\($0.name) = \(n($0.value))" }
        }
        if let hessian = hessianText { lines.append(hessian) }
        return lines.joined(separator: "\n")
    }

    /// The Hessian as a table, as ``text`` ends with it (nil without one):
    ///
    ///     hessian of y:
    ///            x   z
    ///        x  12   3
    ///        z   3   0
    public var hessianText: String? {
        guard let hessian else { return nil }
        let n = NumberFormat.shortest
        var lines = ["hessian of \(output):"]
        let names = hessian.map(\.name)
        let cells = hessian.map { $0.row.map { n($0.value) } }
        let width = max(names.map(\.count).max() ?? 1, cells.flatMap { $0 }.map(\.count).max() ?? 1)
        func pad(_ s: String) -> String { String(repeating: " ", count: width - s.count) + s }
        lines.append("  " + pad("") + "  " + names.map(pad).joined(separator: "  "))
        for (name, row) in zip(names, cells) {
            lines.append("  " + pad(name) + "  " + row.map(pad).joined(separator: "  "))
        }
        return lines.joined(separator: "\n")
    }

    /// The evaluation as one JSON object, numbers in full precision (they read back as the same
    /// doubles), keys in program order:
    ///
    ///     {"output":"g","value":47,"values":{"a":2,…},"gradient":{"a":-432,"o":-1},
    ///      "hessian":{"a":{"a":2700,"o":0},"o":{"a":0,"o":0}}}
    ///
    /// `hessian` is present only when the Hessian was asked for. JSON has no ±∞ or NaN; an
    /// evaluation from ``Script/evaluate(at:output:wrt:order:mode:)`` never holds them (it throws
    /// instead, in both modes), and one built by hand that does has them written `null`, as
    /// JavaScript's `JSON.stringify` and Rust's serde_json write them.
    public var json: String {
        func object(_ pairs: [(name: String, value: Double)]) -> String {
            "{" + pairs.map { "\(JSON.string($0.name)):\(JSON.number($0.value))" }.joined(separator: ",") + "}"
        }
        var fields = [
            "\"output\":\(JSON.string(output))",
            "\"value\":\(JSON.number(value))",
            "\"values\":\(object(values))",
            "\"gradient\":\(object(gradient))",
        ]
        if let hessian {
            fields.append("\"hessian\":{" + hessian.map { "\(JSON.string($0.name)):\(object($0.row))" }.joined(separator: ",") + "}")
        }
        return "{" + fields.joined(separator: ",") + "}"
    }
}

/// Writing JSON by hand: Nabla's outputs are small and their layout is part of the interface.
enum JSON {
    /// A double in the shortest form that reads back as the same double: `47`, `-0.5`, `1e-300`;
    /// `null` for ±∞ and NaN, which JSON cannot write.
    static func number(_ x: Double) -> String {
        guard x.isFinite else { return "null" }
        if x == x.rounded(), Swift.abs(x) < 1e15 { return x == 0 ? (x.sign == .minus ? "-0" : "0") : String(Int64(x)) }
        return "\(x)"
    }

    static func string(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}
