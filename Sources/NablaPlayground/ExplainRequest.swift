import Foundation
import Nabla

/// What `POST /api/explain` asks for: a program, its input values, the order of derivatives and
/// optionally the output, already parsed and checked, as the playground hands it to its
/// explanation (``Playground/explain``).
public struct ExplainRequest: Sendable {
    /// The program's text, as sent.
    public var program: String
    /// The program, parsed.
    public var script: Script
    /// The input values (`at`).
    public var at: [String: Double]
    /// 1 for the gradient, 2 to add the Hessian.
    public var order: Int
    /// The output (default: the program's last statement).
    public var output: String?

    /// A request for `script` (written `program`) at `at`, to `order`, of `output`.
    public init(program: String, script: Script, at: [String: Double], order: Int = 1, output: String? = nil) {
        self.program = program
        self.script = script
        self.at = at
        self.order = order
        self.output = output
    }
}

/// The body of `POST /api/explain`, decoded and checked before any work:
///
///     {"program": "y = x^2", "at": {"x": 3}, "order": 1, "output": "y"}
///
/// `program` is required; `at` is an object of numbers or a string written as `nabla`'s `--at`
/// takes it (`"a=2, o=1"`), default none; `order` is 1 or 2, default 1; `output` is a name,
/// default the last statement. Any other field is an error, so that a misspelt field is not
/// silently ignored.
struct ExplainRequestBody: Decodable {
    var program: String
    var at: [String: Double]
    var order: Int
    var output: String?

    static let fields = ["program", "at", "order", "output"]
    static let example = #"{"program": "y = x^2", "at": {"x": 3}}"#

    /// Decodes and checks `bytes`; every problem is a ``PlaygroundError`` with status 400
    /// naming the field.
    static func decode(_ bytes: [UInt8]) throws(PlaygroundError) -> ExplainRequestBody {
        do {
            return try JSONDecoder().decode(ExplainRequestBody.self, from: Data(bytes))
        } catch let error as PlaygroundError {
            throw error
        } catch DecodingError.typeMismatch(_, let context) where context.codingPath.isEmpty {
            throw PlaygroundError(status: 400, "the body must be a JSON object, such as \(example)")
        } catch DecodingError.dataCorrupted(let context) where context.codingPath.isEmpty {
            throw PlaygroundError(status: 400, bytes.isEmpty ? "the body is empty: it must be a JSON object, such as \(example)"
                                  : "the body is not valid JSON; it must be a JSON object, such as \(example)")
        } catch {
            throw PlaygroundError(status: 400, "the body could not be read: \(error)")
        }
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Key.self)
        for key in container.allKeys where !Self.fields.contains(key.stringValue) {
            throw PlaygroundError(status: 400, "unknown field '\(Self.shown(key.stringValue))' (the fields are program, at, order and output)",
                                  field: key.stringValue)
        }
        guard container.contains(Key("program")) else {
            throw PlaygroundError(status: 400, "missing the field 'program' (the program's text, a string)", field: "program")
        }
        program = try Self.value(String.self, "program", in: container, expected: "a string")
        // `at`: an object of numbers, or a string as `--at` takes it.
        if (try? container.decodeNil(forKey: Key("at"))) ?? true {
            at = [:]
        } else if let text = try? container.decode(String.self, forKey: Key("at")) {
            do { at = try Script.inputValues([text], option: "at") } catch {
                throw PlaygroundError(status: 400, error.message, field: "at")
            }
        } else {
            at = try Self.value([String: Double].self, "at", in: container,
                                expected: "an object of numbers, such as {\"a\": 2, \"o\": 1}, or a string such as \"a=2, o=1\"")
            for (name, value) in at.sorted(by: { $0.key < $1.key }) where !value.isFinite {
                throw PlaygroundError(status: 400, "the value of '\(Self.shown(name))' is not a finite number", field: "at")
            }
        }
        let order = try container.contains(Key("order")) && !container.decodeNil(forKey: Key("order"))
            ? Self.value(Double.self, "order", in: container, expected: "1 or 2") : 1
        guard order == 1 || order == 2 else {
            throw PlaygroundError(status: 400, "order must be 1 (the gradient) or 2 (the gradient and the Hessian), not \(order.shortest)",
                                  field: "order")
        }
        self.order = Int(order)
        output = try container.contains(Key("output")) && !container.decodeNil(forKey: Key("output"))
            ? Self.value(String.self, "output", in: container, expected: "a name in the program") : nil
    }

    /// The field `name` decoded as `type`; a value of another type is an error saying what was
    /// expected.
    private static func value<T: Decodable>(_ type: T.Type, _ name: String, in container: KeyedDecodingContainer<Key>,
                                            expected: String) throws -> T {
        do {
            return try container.decode(type, forKey: Key(name))
        } catch {
            throw PlaygroundError(status: 400, "'\(name)' must be \(expected)", field: name)
        }
    }

    /// A name from the request in a message: at most 40 characters, control characters as `�`.
    static func shown(_ text: String) -> String {
        let scalars = text.unicodeScalars.prefix(40).map { $0.properties.generalCategory == .control ? "\u{FFFD}" : $0 }
        return String(String.UnicodeScalarView(scalars)) + (text.unicodeScalars.count > 40 ? "…" : "")
    }

    struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(_ name: String) { stringValue = name }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}

private extension Double {
    /// `2`, `1.5`: as the request wrote it.
    var shortest: String { self == rounded() && Swift.abs(self) < 1e15 ? String(Int64(self)) : "\(self)" }
}
