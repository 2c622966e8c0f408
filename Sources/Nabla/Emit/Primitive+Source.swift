// Each primitive written as an expression of Swift or C that computes, bit for bit, what
// `Primitive.evaluate` computes on Doubles: the same IEEE operations, the same C library calls
// (Swift's `exp`, `erf`, … on Linux are glibc's, the ones <math.h> declares), the same
// branches, in the same order. `tanh` is Nabla's own (`HyperbolicTangent`), written out as a
// helper with the library's coefficients.

/// A helper function the emitted code defines once, above the functions that call it, for the
/// primitives that are more than one expression.
enum SourceHelper: String, CaseIterable, Comparable {
    case sigmoid, softplus, silu, tanh

    static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }

    /// The helper's name in the language (C's has a prefix, its functions sharing one namespace;
    /// Swift's `tanh` is `nablaTanh`, not to be read as the C library's).
    func name(_ language: SourceLanguage) -> String {
        if self == .tanh { return language == .swift ? "nablaTanh" : "nabla_tanh" }
        return language == .swift ? rawValue : "nabla_\(rawValue)"
    }

    /// The helpers a helper calls.
    var dependencies: [SourceHelper] { self == .silu ? [.sigmoid] : [] }

    /// The helper's definition, as `Rules.Sigmoid`, `Rules.Softplus`, `Rules.SiLU` and
    /// `HyperbolicTangent` evaluate.
    func definition(_ language: SourceLanguage) -> String {
        switch (self, language) {
        case (.tanh, _): Self.tanhDefinition(language)
        case (.sigmoid, .swift):
            """
            /// σ(x) = 1 / (1 + e^(−x)), as e^x / (1 + e^x) for x < 0 so that neither branch overflows.
            @inline(__always) private func sigmoid(_ x: Double) -> Double {
                if x >= 0 { return 1 / (1 + exp(-x)) }
                let e = exp(x)
                return e / (1 + e)
            }
            """
        case (.sigmoid, .c):
            """
            /* σ(x) = 1 / (1 + e^(−x)), as e^x / (1 + e^x) for x < 0 so that neither branch overflows. */
            static inline double nabla_sigmoid(double x) {
                if (x >= 0) return 1.0 / (1.0 + exp(-x));
                double e = exp(x);
                return e / (1.0 + e);
            }
            """
        case (.softplus, .swift):
            """
            /// softplus x = ln(1 + e^x), and x above the threshold c (or where e^x overflows).
            @inline(__always) private func softplus(_ x: Double, threshold c: Double) -> Double {
                if x > c { return x }
                let e = exp(x)
                return e == .infinity ? x : log1p(e)
            }
            """
        case (.softplus, .c):
            """
            /* softplus x = ln(1 + e^x), and x above the threshold c (or where e^x overflows). */
            static inline double nabla_softplus(double x, double c) {
                if (x > c) return x;
                double e = exp(x);
                return e == INFINITY ? x : log1p(e);
            }
            """
        case (.silu, .swift):
            """
            /// SiLU, x · σ(x).
            @inline(__always) private func silu(_ x: Double) -> Double { x * sigmoid(x) }
            """
        case (.silu, .c):
            """
            /* SiLU, x · σ(x). */
            static inline double nabla_silu(double x) { return x * nabla_sigmoid(x); }
            """
        }
    }
}

extension SourceHelper {
    /// `HyperbolicTangent.tanh` in `language`: its polynomial's coefficients written from the
    /// library's own, its operations in the same order.
    static func tanhDefinition(_ language: SourceLanguage) -> String {
        let swift = language == .swift
        let c = HyperbolicTangent.polynomial.map { SourceLiteral.double($0, in: language) }
        let bound = SourceLiteral.double(HyperbolicTangent.polynomialBound, in: language)
        let saturation = SourceLiteral.double(HyperbolicTangent.saturationBound, in: language)
        let let_ = swift ? "let" : "double"
        let steps = """
                \(let_) u = a * a, u2 = u * u, u4 = u2 * u2, u8 = u4 * u4;
                \(let_) p01 = \(c[0]) + \(c[1]) * u;
                \(let_) p23 = \(c[2]) + \(c[3]) * u;
                \(let_) p45 = \(c[4]) + \(c[5]) * u;
                \(let_) p67 = \(c[6]) + \(c[7]) * u;
                \(let_) p89 = \(c[8]) + \(c[9]) * u;
                \(let_) p0123 = p01 + p23 * u2;
                \(let_) p4567 = p45 + p67 * u2;
                \(let_) p8910 = p89 + \(c[10]) * u2;
                \(let_) p = (p0123 + p4567 * u4) + p8910 * u8;
        """
        let comment = """
            tanh x as Nabla computes it: x + x³·P(x²) for |x| < \(bound), 1 − 2/(e^(2x) + 1) below \(saturation), then ±1.
            """
        if swift {
            return """
                /// \(comment)
                private func nablaTanh(_ x: Double) -> Double {
                    let a = abs(x)
                    let r: Double
                    if a < \(bound) {
                \(steps.replacingOccurrences(of: ";", with: ""))
                        r = a + a * u * p
                    } else if a < \(saturation) {
                        r = 1 - 2 / (exp(2 * a) + 1)
                    } else if a.isNaN {
                        return x
                    } else {
                        r = 1
                    }
                    return Double(signOf: x, magnitudeOf: r)
                }
                """
        }
        return """
            /* \(comment) */
            static double nabla_tanh(double x) {
                double a = fabs(x), r;
                if (a < \(bound)) {
            \(steps)
                    r = a + a * u * p;
                } else if (a < \(saturation)) {
                    r = 1.0 - 2.0 / (exp(2.0 * a) + 1.0);
                } else if (isnan(a)) {
                    return x;
                } else {
                    r = 1.0;
                }
                return copysign(r, x);
            }
            """
    }
}

extension Primitive {
    /// The helper function the primitive's expression calls, if any.
    var sourceHelper: SourceHelper? {
        switch self {
        case .sigmoid: .sigmoid
        case .softplus: .softplus
        case .silu: .silu
        case .tanh: .tanh
        default: nil
        }
    }

    /// The primitive applied to the operands `x` and `y` (variable names or literals) with the
    /// node's constant `c`, as an expression of `language` computing exactly
    /// `evaluate(x, y, c)`.
    func sourceExpression(_ x: String, _ y: String, constant c: Double, in language: SourceLanguage) -> String {
        let swift = language == .swift
        let literal = { (value: Double) in SourceLiteral.double(value, in: language) }
        let zero = swift ? "0" : "0.0", one = swift ? "1" : "1.0"
        func isNaN(_ v: String) -> String { swift ? "\(v).isNaN" : "isnan(\(v))" }
        let nan = swift ? "Double.nan" : "NAN"
        switch self {
        case .input, .custom, .loopValue: return x
        case .constant: return literal(c)
        case .add: return "\(x) + \(y)"
        case .subtract: return "\(x) - \(y)"
        case .multiply: return "\(x) * \(y)"
        case .divide: return "\(x) / \(y)"
        case .power: return "pow(\(x), \(y))"
        // Swift.min(x, y) is `y < x ? y : x` and Swift.max(x, y) is `y >= x ? y : x`; written out
        // so that C picks the same zero of ±0.
        case .minimum: return "\(isNaN(x)) || \(isNaN(y)) ? \(nan) : (\(y) < \(x) ? \(y) : \(x))"
        case .maximum: return "\(isNaN(x)) || \(isNaN(y)) ? \(nan) : (\(y) >= \(x) ? \(y) : \(x))"
        case .masked: return "\(x) > 0 ? \(y) : \(zero)"
        case .negate: return "-\(x)"
        case .exp: return "exp(\(x))"
        case .log: return "log(\(x))"
        case .sqrt: return swift ? "\(x).squareRoot()" : "sqrt(\(x))"
        case .sin: return "sin(\(x))"
        case .cos: return "cos(\(x))"
        case .tanh: return "\(SourceHelper.tanh.name(language))(\(x))"
        case .erf: return "erf(\(x))"
        case .sigmoid: return "\(SourceHelper.sigmoid.name(language))(\(x))"
        case .relu: return "\(x) <= 0 ? \(zero) : \(x)"
        case .abs: return swift ? "abs(\(x))" : "fabs(\(x))"
        case .sign: return "\(x) > 0 ? \(one) : (\(x) < 0 ? -\(one) : (\(x) == 0 ? \(zero) : \(x)))"
        case .heaviside:
            return "\(isNaN(x)) ? \(x) : (\(x) > 0 ? \(one) : \(zero)) + (\(x) == 0 ? \(literal(c)) : \(zero))"
        case .addConstant: return "\(x) + \(literal(c))"
        case .multiplyConstant: return "\(x) * \(literal(c))"
        case .powerConstant:
            // The same shortcuts as `Rules.PowerConstant`, decided here since c is known.
            return c == 2 ? "\(x) * \(x)" : c == 1 ? x : "pow(\(x), \(literal(c)))"
        case .log1p: return "log1p(\(x))"
        case .expm1: return "expm1(\(x))"
        case .floor: return swift ? "\(x).rounded(.down)" : "floor(\(x))"
        case .ceil: return swift ? "\(x).rounded(.up)" : "ceil(\(x))"
        // nearbyint rounds in the current rounding mode, to nearest with ties to even by default.
        case .round: return swift ? "\(x).rounded(.toNearestOrEven)" : "nearbyint(\(x))"
        case .atan2: return "atan2(\(x), \(y))"
        case .softplus:
            return swift ? "softplus(\(x), threshold: \(literal(c)))" : "nabla_softplus(\(x), \(literal(c)))"
        case .logSigmoid: return "(\(x) < 0 ? \(x) : \(zero)) - log1p(exp(-\(swift ? "abs" : "fabs")(\(x))))"
        case .elu: return "\(x) > 0 ? \(x) : expm1(\(x)) * \(literal(c))"
        case .hardtanh:
            return "\(x) < \(literal(-c)) ? \(literal(-c)) : (\(x) > \(literal(c)) ? \(literal(c)) : \(x))"
        case .silu: return "\(SourceHelper.silu.name(language))(\(x))"
        }
    }
}

/// Numbers written as literals that read back as the same `Double`.
enum SourceLiteral {
    /// `x` as a literal of `language`: the shortest decimal that reads back as `x` (`3.0`,
    /// `0.1`, `1e-05`), negative ones in parentheses; subnormal numbers as their bit pattern in
    /// Swift (whose compiler warns about decimal ones) and as hexadecimal literals in C;
    /// infinities and NaN by name.
    static func double(_ x: Double, in language: SourceLanguage) -> String {
        let swift = language == .swift
        if x.isNaN { return swift ? "Double.nan" : "NAN" }
        if x.isInfinite { return x < 0 ? (swift ? "(-Double.infinity)" : "(-INFINITY)") : (swift ? "Double.infinity" : "INFINITY") }
        var text = "\(x)"
        if x.isSubnormal {
            if swift { return "Double(bitPattern: 0x\(String(x.bitPattern, radix: 16)))" }
            text = (x < 0 ? "-" : "") + hexadecimal(x.magnitude)
        }
        return x.sign == .minus ? "(\(text))" : text
    }

    /// A positive subnormal number as a C hexadecimal literal, `0x0.0000000000001p-1022` for
    /// the least: its 52 fraction bits, exactly.
    private static func hexadecimal(_ x: Double) -> String {
        let fraction = String(x.significandBitPattern, radix: 16)
        return "0x0." + String(repeating: "0", count: 13 - fraction.count) + fraction + "p-1022"
    }
}
