import Testing
import Nabla

/// The gradient-check table: every primitive and every operator form, as a function of one or
/// two variables written with Nabla's public API, and points where it is smooth.
enum OpCase: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case add, subtract, multiply, divide, negate, power, powerConstant, powerCubic, powerNegative, constantPower
    case exp, log, sqrt, sin, cos, tanh, erf, sigmoid, relu, abs, sign, heaviside, minimum, maximum, masked
    case addConstant, constantAdd, subtractConstant, constantSubtract
    case multiplyConstant, constantMultiply, divideConstant, constantDivide, minConstant, maxConstant
    case log1p, expm1, floor, ceil, round, atan2
    case softplus, softplusThreshold, logSigmoid, elu, eluAlpha, hardtanh, hardtanhBound, silu

    var testDescription: String { rawValue }

    var arity: Int {
        switch self {
        case .add, .subtract, .multiply, .divide, .power, .minimum, .maximum, .masked, .atan2: 2
        default: 1
        }
    }

    /// The function, in any algebra that builds graphs (``Value`` with constants gives numbers).
    func callAsFunction<T: GraphScalar>(_ v: [T]) -> T {
        let x = v[0], y = v.count > 1 ? v[1] : v[0]
        switch self {
        case .add: return x + y
        case .subtract: return x - y
        case .multiply: return x * y
        case .divide: return x / y
        case .negate: return -x
        case .power: return pow(x, y)
        case .powerConstant: return pow(x, 2)
        case .powerCubic: return pow(x, 3)
        case .powerNegative: return pow(x, -1.5)
        case .constantPower: return pow(2.5, x)
        case .exp: return Nabla.exp(x)
        case .log: return Nabla.log(x)
        case .sqrt: return Nabla.sqrt(x)
        case .sin: return Nabla.sin(x)
        case .cos: return Nabla.cos(x)
        case .tanh: return Nabla.tanh(x)
        case .erf: return Nabla.erf(x)
        case .sigmoid: return Nabla.sigmoid(x)
        case .relu: return Nabla.relu(x)
        case .abs: return Nabla.abs(x)
        case .sign: return Nabla.sign(x)
        case .heaviside: return Nabla.heaviside(x, atZero: 0.5)
        case .minimum: return min(x, y)
        case .maximum: return max(x, y)
        case .masked: return Nabla.masked(x, y)
        case .addConstant: return x + 1.5
        case .constantAdd: return 1.5 + x
        case .subtractConstant: return x - 1.5
        case .constantSubtract: return 1.5 - x
        case .multiplyConstant: return x * -2.5
        case .constantMultiply: return -2.5 * x
        case .divideConstant: return x / 3
        case .constantDivide: return 3 / x
        case .minConstant: return min(x, 0.25)
        case .maxConstant: return max(0.25, x)
        case .log1p: return Nabla.log1p(x)
        case .expm1: return Nabla.expm1(x)
        case .floor: return Nabla.floor(x)
        case .ceil: return Nabla.ceil(x)
        case .round: return Nabla.round(x)
        case .atan2: return Nabla.atan2(x, y)
        case .softplus: return Nabla.softplus(x)
        case .softplusThreshold: return Nabla.softplus(x, threshold: 0.5)
        case .logSigmoid: return Nabla.logSigmoid(x)
        case .elu: return Nabla.elu(x)
        case .eluAlpha: return Nabla.elu(x, alpha: 1.5)
        case .hardtanh: return Nabla.hardtanh(x)
        case .hardtanhBound: return Nabla.hardtanh(x, min: -2, max: 2)
        case .silu: return Nabla.silu(x)
        }
    }

    /// Points at which to check, away from kinks and outside nothing the function is defined on.
    var points: [[Double]] {
        switch self {
        case .power: return [[1.3, 0.7], [0.5, -1.2], [2.2, 2.5], [3.1, 0.3]]
        case .divide: return [[1.3, 0.7], [-0.5, -1.2], [2.2, 2.5], [0.9, -3.0]]
        case .minimum, .maximum: return [[1.3, 0.7], [-0.5, -1.2], [2.2, 2.5], [-0.9, 3.0]]
        case .log, .sqrt, .powerNegative: return [[0.3], [1.1], [2.7], [7.5]]
        case .log1p: return [[-0.6], [-0.3], [0.4], [2.2]]
        case .constantDivide: return [[0.4], [-1.1], [2.7], [-7.5]]
        case .exp, .sin, .cos, .tanh, .erf, .sigmoid, .constantPower: return [[-1.7], [-0.3], [0.4], [2.2]]
        // Either side of each kink: softplus's threshold 0.5, hardtanh's bounds ±1 and ±2, elu's 0.
        case .softplusThreshold: return [[-1.7], [0.3], [0.7], [2.2]]
        case .hardtanhBound: return [[-2.6], [-1.2], [0.4], [2.2]]
        case .softplus, .logSigmoid, .silu: return [[-3.1], [-0.3], [0.4], [2.2]]
        default:
            return arity == 2 ? [[1.3, 0.7], [-0.5, -1.2], [2.2, 2.5], [-0.9, 3.0]] : [[-1.7], [-0.3], [0.4], [2.2]]
        }
    }

    /// The function on numbers (constants record nothing), for finite differences.
    func number(_ x: [Double]) -> Double { self(x.map { Value($0) }).data }
}
