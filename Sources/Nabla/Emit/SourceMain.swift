// The `main` of an emitted program: it reads `name=value` arguments as `nabla grad --at` reads
// them, calls the program's function, and prints the JSON object that `nabla grad --json`
// prints, number for number (the shortest text that reads back as the same double, as Swift
// writes it).

/// What an emitted `main` reads and prints.
struct SourceMain {
    /// The function it calls, and the labels of its results.
    var function: String
    var resultLabels: [String]
    /// The program's inputs, in the function's parameter order.
    var inputs: [String]
    /// The names the program computes (an argument naming one is an error).
    var computed: [String]
    /// The JSON object: the output's name and result, then `values`, `gradient` and (order 2)
    /// `hessian` as names and results.
    var output: (name: String, result: Int)
    var values: [(name: String, result: Int)]
    var gradient: [(name: String, result: Int)]
    var hessian: [(name: String, row: [(name: String, result: Int)])]?
    /// How each number is named in the error for a value that is not finite (`the value of 'd'`,
    /// `dg/da`), by result.
    var descriptions: [String]

    /// The pieces of the file after the functions: the number formatting, the argument reading,
    /// and `main`.
    func definitions(_ language: SourceLanguage) -> [String] {
        language == .swift ? [Self.swiftHelpers, swiftMain] : [Self.cHelpers, cMain]
    }

    /// The JSON text before each number, in order, and the result printed after it.
    private var pieces: [(text: String, result: Int)] {
        var pieces: [(String, Int)] = []
        pieces.append(("{\"output\":\(JSON.string(output.name)),\"value\":", output.result))
        func object(_ key: String, _ pairs: [(name: String, result: Int)]) {
            let pending = ",\"\(key)\":{"
            if pairs.isEmpty { pieces.append((pending + "}", -1)) }
            for (k, pair) in pairs.enumerated() {
                pieces.append(((k == 0 ? pending : ",") + "\(JSON.string(pair.name)):", pair.result))
            }
            if !pairs.isEmpty { pieces.append(("}", -1)) }
        }
        object("values", values)
        object("gradient", gradient)
        if let hessian {
            pieces.append((",\"hessian\":{", -1))
            for (k, row) in hessian.enumerated() {
                pieces.append(((k == 0 ? "" : ",") + "\(JSON.string(row.name)):{" + (row.row.isEmpty ? "}" : ""), -1))
                for (j, cell) in row.row.enumerated() {
                    pieces.append(((j == 0 ? "" : ",") + "\(JSON.string(cell.name)):", cell.result))
                }
                if !row.row.isEmpty { pieces.append(("}", -1)) }
            }
            pieces.append(("}", -1))
        }
        pieces.append(("}", -1))
        return pieces
    }

    private var inputList: String { ScriptError.list(inputs) }

    // MARK: Swift

    private func swiftField(_ result: Int) -> String { resultLabels.count == 1 ? "r" : "r.\(resultLabels[result])" }

    private var swiftMain: String {
        var lines = ["// main: name=value arguments (several to an argument, separated by commas), as nabla grad --at reads them."]
        lines.append("var given: [String: Double] = [:]")
        lines.append("for argument in CommandLine.arguments.dropFirst() {")
        lines.append("    for pair in argument.split(separator: \",\", omittingEmptySubsequences: false) {")
        lines.append("        let parts = pair.split(separator: \"=\", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)")
        lines.append("        guard parts.count == 2, !parts[0].isEmpty else { fail(\"expects name=value, got '\\(pair)'\", status: 64) }")
        lines.append("        let (name, text) = (parts[0], parts[1])")
        lines.append("        guard isDecimal(text), let value = Double(text) else {")
        lines.append("            fail(\"'\\(name)=\\(text)': the value is not a decimal number (write values as 2, -0.5 or 1e-3)\", status: 64)")
        lines.append("        }")
        lines.append("        guard value.isFinite else { fail(\"'\\(name)=\\(text)': input values must be finite numbers\", status: 64) }")
        lines.append("        guard given.updateValue(value, forKey: name) == nil else { fail(\"'\\(name)' is given twice\", status: 64) }")
        lines.append("    }")
        lines.append("}")
        let inputLiterals = "[" + inputs.map(swiftString).joined(separator: ", ") + "]"
        let computedLiterals = "[" + computed.map(swiftString).joined(separator: ", ") + "]"
        lines.append("let inputs: Set<String> = \(inputs.isEmpty ? "[]" : inputLiterals)")
        lines.append("let computed: Set<String> = \(computed.isEmpty ? "[]" : computedLiterals)")
        lines.append("for name in given.keys.sorted() where !inputs.contains(name) {")
        lines.append("    if computed.contains(name) { fail(\"'\\(name)' is computed by the program; only inputs (\(swiftEscaped(inputList))) take values\") }")
        lines.append("    fail(\"'\\(name)' is not a name in the program (its inputs are \(swiftEscaped(inputs.isEmpty ? "none" : inputList)))\")")
        lines.append("}")
        for input in inputs {
            lines.append("guard given[\(swiftString(input))] != nil else { fail(\(swiftString("missing a value for the input '\(input)'"))) }")
        }
        let arguments = inputs.map { "\(SourceLanguage.swift.identifier($0)): given[\(swiftString($0))]!" }
        lines.append("let r = \(function)(\(arguments.joined(separator: ", ")))")
        for (k, description) in descriptions.enumerated() {
            lines.append("if !\(swiftField(k)).isFinite { fail(\(swiftString(description + " is ")) + json(\(swiftField(k)), nonFinite: true) + \" (nabla grad names the operation)\") }")
        }
        lines.append("var line = \"\"")
        for piece in pieces {
            lines.append("line += \(swiftString(piece.text))" + (piece.result >= 0 ? " + json(\(swiftField(piece.result)))" : ""))
        }
        lines.append("print(line)")
        return lines.joined(separator: "\n")
    }

    private static let swiftHelpers = """
        /// A number as nabla grad --json writes it: integers below 10^15 without a fraction, others
        /// in the shortest form that reads back as the same double (Swift's description).
        func json(_ x: Double, nonFinite: Bool = false) -> String {
            guard x.isFinite else { return nonFinite ? (x.isNaN ? "nan" : x < 0 ? "-inf" : "inf") : "null" }
            if x == x.rounded(), abs(x) < 1e15 { return x == 0 ? (x.sign == .minus ? "-0" : "0") : String(Int64(x)) }
            return "\\(x)"
        }

        /// Whether `text` is a decimal number as the notation writes them: 2, -0.5, .5, 1e-3.
        func isDecimal(_ text: String) -> Bool {
            var bytes = Array(text.utf8)[...]
            if let sign = bytes.first, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") { bytes = bytes.dropFirst() }
            func digits() -> Int {
                let count = bytes.prefix { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }.count
                bytes = bytes.dropFirst(count)
                return count
            }
            var mantissa = digits()
            if bytes.first == UInt8(ascii: ".") { bytes = bytes.dropFirst(); mantissa += digits() }
            guard mantissa > 0 else { return false }
            if let e = bytes.first, e == UInt8(ascii: "e") || e == UInt8(ascii: "E") {
                bytes = bytes.dropFirst()
                if let sign = bytes.first, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") { bytes = bytes.dropFirst() }
                guard digits() > 0 else { return false }
            }
            return bytes.isEmpty
        }

        /// Prints `error: message` on standard error and exits with `status`.
        func fail(_ message: String, status: Int32 = 1) -> Never {
            FileHandle.standardError.write(Data("error: \\(message)\\n".utf8))
            exit(status)
        }
        """

    private func swiftEscaped(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    private func swiftString(_ text: String) -> String { "\"" + swiftEscaped(text) + "\"" }

    // MARK: C

    private var cMain: String {
        var lines = ["/* main: name=value arguments (several to an argument, separated by commas), as nabla grad --at reads them. */"]
        lines.append("int main(int argc, char **argv) {")
        for input in inputs {
            let name = SourceLanguage.c.identifier(input)
            lines.append("    double v_\(name) = 0; int given_\(name) = 0;")
        }
        lines.append("    for (int i = 1; i < argc; i++) {")
        lines.append("        char *pair = argv[i];")
        lines.append("        for (;;) {")
        lines.append("            char *comma = strchr(pair, ','), *eq;")
        lines.append("            if (comma) *comma = 0;")
        lines.append("            eq = strchr(pair, '=');")
        lines.append("            if (!eq || eq == pair) nabla_fail(64, \"expects name=value, got '%s'\", pair, \"\");")
        lines.append("            *eq = 0;")
        lines.append("            const char *name = pair, *text = eq + 1;")
        lines.append("            double value;")
        lines.append("            int problem = nabla_decimal(text, &value);")
        lines.append("            if (problem == 1) nabla_fail(64, \"'%s=%s': the value is not a decimal number (write values as 2, -0.5 or 1e-3)\", name, text);")
        lines.append("            if (problem == 2) nabla_fail(64, \"'%s=%s': input values must be finite numbers\", name, text);")
        var first = true
        for input in inputs {
            let name = SourceLanguage.c.identifier(input)
            lines.append("            \(first ? "" : "else ")if (strcmp(name, \(cString(input))) == 0) {")
            lines.append("                if (given_\(name)) nabla_fail(64, \"'%s' is given twice\", name, \"\");")
            lines.append("                v_\(name) = value; given_\(name) = 1;")
            lines.append("            }")
            first = false
        }
        let isComputed = computed.isEmpty ? "0" : computed.map { "strcmp(name, \(cString($0))) == 0" }.joined(separator: " || ")
        lines.append("            \(first ? "" : "else ")if (\(isComputed)) nabla_fail(1, \"'%s' is computed by the program; only inputs (%s) take values\", name, \(cString(inputList)));")
        lines.append("            else nabla_fail(1, \"'%s' is not a name in the program (its inputs are %s)\", name, \(cString(inputs.isEmpty ? "none" : inputList)));")
        lines.append("            if (!comma) break;")
        lines.append("            pair = comma + 1;")
        lines.append("        }")
        lines.append("    }")
        for input in inputs {
            let name = SourceLanguage.c.identifier(input)
            lines.append("    if (!given_\(name)) nabla_fail(1, \"%s\", \(cString("missing a value for the input '\(input)'")), \"\");")
        }
        let arguments = inputs.map { "v_" + SourceLanguage.c.identifier($0) }.joined(separator: ", ")
        lines.append("    struct \(function)_result r = \(function)(\(arguments));")
        for (k, description) in descriptions.enumerated() {
            lines.append("    if (!isfinite(r.\(resultLabels[k]))) nabla_fail(1, \"%s is %s (nabla grad names the operation)\", \(cString(description)), nabla_nonfinite(r.\(resultLabels[k])));")
        }
        for piece in pieces {
            lines.append("    fputs(\(cString(piece.text)), stdout);" + (piece.result >= 0 ? " nabla_json(r.\(resultLabels[piece.result]));" : ""))
        }
        lines += ["    fputs(\"\\n\", stdout);", "    return 0;", "}"]
        return lines.joined(separator: "\n")
    }

    /// `text` as a C string literal: bytes other than printable ASCII written in octal.
    private func cString(_ text: String) -> String {
        var out = "\""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\\"): out += "\\\\"
            case UInt8(ascii: "\""): out += "\\\""
            case UInt8(ascii: "%"): out += "%"
            case 0x20..<0x7f: out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let octal = String(byte, radix: 8)
                out += "\\" + String(repeating: "0", count: 3 - octal.count) + octal
            }
        }
        return out + "\""
    }

    static let cHelpers = #"""
        /* A number as nabla grad --json writes it: integers below 10^15 without a fraction, others in
           the shortest form that reads back as the same double, laid out as Swift writes doubles
           (decimal from 1e-4 to 2^53, else d.ddde±XX). */
        static void nabla_json(double x) {
            char buf[40], digits[20];
            int precision, exponent, n = 0;
            if (x == round(x) && fabs(x) < 1e15) {
                if (x == 0) fputs(signbit(x) ? "-0" : "0", stdout);
                else printf("%lld", (long long)x);
                return;
            }
            for (precision = 1; precision <= 17; precision++) {
                snprintf(buf, sizeof buf, "%.*e", precision - 1, x);
                if (strtod(buf, NULL) == x) break;
                /* At a power of two the doubles below are twice as close as those above: the
                   shortest decimal may be the next one up rather than the nearest. */
                if (frexp(x, &exponent) == (x < 0 ? -0.5 : 0.5)) {
                    char up[40];
                    int k, end = (int)(strchr(buf, 'e') - buf);
                    memcpy(up, buf, sizeof buf);
                    for (k = end - 1; k >= 0 && (up[k] == '9' || up[k] == '.'); k--) if (up[k] == '9') up[k] = '0';
                    if (k >= 0 && up[k] >= '0' && up[k] <= '8') {
                        up[k]++;
                        if (strtod(up, NULL) == x) { memcpy(buf, up, sizeof buf); break; }
                    }
                }
            }
            {
                const char *p = buf;
                if (*p == '-') { putchar('-'); p++; }
                for (; *p != 'e'; p++) if (*p != '.') digits[n++] = *p;
                digits[n] = 0;
                exponent = atoi(p + 1);
                while (n > 1 && digits[n - 1] == '0') digits[--n] = 0;
            }
            if (exponent < -4 || fabs(x) > 9007199254740992.0) {
                putchar(digits[0]);
                if (n > 1) printf(".%s", digits + 1);
                printf("e%c%02d", exponent < 0 ? '-' : '+', exponent < 0 ? -exponent : exponent);
            } else if (exponent < 0) {
                int k;
                fputs("0.", stdout);
                for (k = 1; k < -exponent; k++) putchar('0');
                fputs(digits, stdout);
            } else {
                int k;
                for (k = 0; k <= exponent; k++) putchar(k < n ? digits[k] : '0');
                putchar('.');
                if (n > exponent + 1) fputs(digits + exponent + 1, stdout); else putchar('0');
            }
        }

        static const char *nabla_nonfinite(double x) { return isnan(x) ? "nan" : x < 0 ? "-inf" : "inf"; }

        /* Reads a decimal number as the notation writes them (2, -0.5, .5, 1e-3): 0 when it is one
           and finite, 1 when it is not a decimal number, 2 when it is not finite. */
        static int nabla_decimal(const char *text, double *value) {
            const char *p = text;
            int mantissa = 0, exponent = 0;
            if (*p == '+' || *p == '-') p++;
            while (*p >= '0' && *p <= '9') { p++; mantissa++; }
            if (*p == '.') { p++; while (*p >= '0' && *p <= '9') { p++; mantissa++; } }
            if (!mantissa) return 1;
            if (*p == 'e' || *p == 'E') {
                p++;
                if (*p == '+' || *p == '-') p++;
                while (*p >= '0' && *p <= '9') { p++; exponent++; }
                if (!exponent) return 1;
            }
            if (*p) return 1;
            *value = strtod(text, NULL);
            return isfinite(*value) ? 0 : 2;
        }

        /* Prints "error: " and the message on standard error, and exits with the status. */
        static void nabla_fail(int status, const char *format, const char *a, const char *b) {
            fputs("error: ", stderr);
            fprintf(stderr, format, a, b);
            fputs("\n", stderr);
            exit(status);
        }
        """#
}
