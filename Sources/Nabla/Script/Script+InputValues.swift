// Input values as the command line takes them: `--at a=2,o=1`.

extension Script {
    /// Input values written `name=value`, several to an argument separated by commas (`a=2,o=1`),
    /// as `nabla`'s `--at` takes them; `option` names the option in errors.
    ///
    /// A value is a decimal number (`2`, `-0.5`, `.5`, `1e-3`) that a double holds. Anything else
    /// is an error naming the option and the value: hexadecimal (`0x10`), `inf`, `nan`, a number
    /// beyond the doubles (`1e309`) or one that would round to zero (`1e-400`). So is a name given
    /// twice.
    public static func inputValues(_ arguments: [String], option: String = "--at") throws(ScriptError) -> [String: Double] {
        var values: [String: Double] = [:]
        for argument in arguments {
            for pair in argument.split(separator: ",") {
                let parts = pair.split(separator: "=", maxSplits: 1).map(\.trimmingWhitespace)
                guard parts.count == 2, !parts[0].isEmpty else {
                    throw ScriptError("\(option) expects name=value, got '\(quoted: pair)'")
                }
                let (name, text) = (parts[0], parts[1])
                let value = try decimal(text, given: "\(option) \(quoted: name)=\(quoted: text)", finite: "input values must be finite numbers")
                guard values.updateValue(value, forKey: name) == nil else { throw ScriptError("\(option) gives '\(quoted: name)' twice") }
            }
        }
        return values
    }

    /// A number given to a command-line option (`option` names it in errors), written as the
    /// notation writes numbers: a decimal number a double holds (`2`, `-0.5`, `.5`, `1e-3`), so
    /// never `inf`, `nan` or hexadecimal. `nabla` reads `--lr`, `--tolerance`, `--a` and `--o`
    /// with it.
    public static func decimal(_ text: String, option: String) throws(ScriptError) -> Double {
        try decimal(text, given: "\(option) \(quoted: text)", finite: "\(option) takes a finite number")
    }

    private static func decimal(_ text: String, given: String, finite: String) throws(ScriptError) -> Double {
        switch DecimalNumber.value(of: text) {
        case .success(let value): return value
        case .failure(let problem):
            let word = text.lowercased().drop { $0 == "+" || $0 == "-" }
            if DecimalNumber.reservedWords.contains(String(word)) {
                throw ScriptError("\(given): \(finite)")
            }
            throw ScriptError(problem.describing("\(given): '\(quoted: text)'",
                                                 malformed: "\(given): '\(quoted: text)' is not a decimal number (write values as 2, -0.5 or 1e-3)"))
        }
    }
}
