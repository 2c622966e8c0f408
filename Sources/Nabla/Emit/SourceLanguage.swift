/// A language that a compiled ``Program`` can be written out in, as source code that computes
/// the same numbers with nothing but the language's standard library (see
/// ``Program/source(in:functionName:resultNames:valueCount:)``).
public enum SourceLanguage: String, CaseIterable, Sendable {
    /// Swift: a function over `Double`s, with `import Foundation` for the C library's
    /// elementary functions (Glibc on Linux, Darwin on Apple platforms).
    case swift
    /// C (C99): a function over `double`s returning a struct, with `<math.h>` only (and
    /// `<stdio.h>`, `<stdlib.h>`, `<string.h>` for a `main`).
    case c
}

extension SourceLanguage {
    /// The type of a number.
    var double: String { self == .swift ? "Double" : "double" }

    /// Words that cannot name a variable: the language's keywords, the functions the emitted
    /// code calls, and the names it uses itself.
    var reservedWords: Set<String> {
        let common: Set<String> = [
            "exp", "log", "sqrt", "sin", "cos", "tanh", "erf", "log1p", "expm1", "atan2", "pow", "abs", "fabs", "floor", "ceil",
            "nearbyint", "isnan", "min", "max", "main", "result", "value", "argc", "argv", "inputs", "values", "json",
            "sigmoid", "softplus", "logsigmoid", "silu", "step", "fail", "isDecimal",
        ]
        switch self {
        case .swift:
            return common.union([
                "associatedtype", "class", "deinit", "enum", "extension", "fileprivate", "func", "import", "init", "inout",
                "internal", "let", "open", "operator", "private", "precedencegroup", "protocol", "public", "rethrows", "static",
                "struct", "subscript", "typealias", "var", "break", "case", "catch", "continue", "default", "defer", "do",
                "else", "fallthrough", "for", "guard", "if", "in", "repeat", "return", "throw", "switch", "where", "while",
                "Any", "as", "await", "false", "is", "nil", "self", "Self", "super", "throws", "true", "try", "_",
                "Double", "Int", "String", "print", "Foundation", "CommandLine", "exit", "some", "any", "consume", "copy",
            ])
        case .c:
            return common.union([
                "auto", "break", "case", "char", "const", "continue", "default", "do", "double", "else", "enum", "extern",
                "float", "for", "goto", "if", "inline", "int", "long", "register", "restrict", "return", "short", "signed",
                "sizeof", "static", "struct", "switch", "typedef", "union", "unsigned", "void", "volatile", "while",
                "_Bool", "_Complex", "_Imaginary", "bool", "true", "false", "NULL", "NAN", "INFINITY", "printf", "fprintf",
                "strtod", "strchr", "strcmp", "strncmp", "stderr", "stdout", "snprintf", "memcpy", "size_t",
            ])
        }
    }

    /// `name` as an identifier of the language: letters, digits and `_` kept; any other character
    /// written as `u` and its code point in hexadecimal (`é` → `u00e9`); a leading digit or a
    /// reserved word given a trailing `_`.
    func identifier(_ name: String) -> String {
        var out = ""
        for scalar in name.unicodeScalars {
            if scalar.isASCII, scalar == "_" || scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) {
                out.unicodeScalars.append(scalar)
            } else {
                let hex = String(scalar.value, radix: 16)
                out += "u" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
            }
        }
        if out.isEmpty { out = "_" }
        if let first = out.unicodeScalars.first, ("0"..."9").contains(first) { out = "_" + out }
        if reservedWords.contains(out) || out.hasPrefix("nabla_") || out.hasPrefix("__") { out += "_" }
        return out
    }
}
