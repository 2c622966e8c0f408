import Foundation
import Testing
@testable import Nabla

/// `nabla explain … --html FILE` and `--order 2`, end to end with the built tool.
@Suite("nabla explain --html")
struct ExplainPageCommandTests {
    static func temporaryPath(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("nabla-explain-\(UUID().uuidString)-\(name)").path
    }

    @Test func writesThePage() throws {
        let path = Self.temporaryPath("tutorial.html")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let run = try CommandLineTests.nabla(["explain", CommandLineTests.tutorial, "--at", "a=2,o=1", "--html", path])
        #expect(run.status == 0 && run.errors.isEmpty)
        #expect(run.output == "wrote \(path)\n")
        let page = try String(contentsOfFile: path, encoding: .utf8)
        #expect(page.hasPrefix("<!DOCTYPE html>"))
        #expect(page.contains(#""output":"g","value":47,"#) && page.contains(#""gradient":{"a":-432,"o":-1}"#))
        // No temporary file is left beside it.
        let directory = (path as NSString).deletingLastPathComponent
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasPrefix(".") && $0.contains((path as NSString).lastPathComponent) }
        #expect(leftovers.isEmpty)
    }

    @Test func orderTwoPutsTheHessianInThePageAndTheText() throws {
        let path = Self.temporaryPath("hessian.html")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let run = try CommandLineTests.nabla(["explain", "y = x^3 * z", "--at", "x=1,z=2", "--order", "2", "--html", path])
        #expect(run.status == 0)
        // By hand: ∂²y/∂x² = 6xz = 12, ∂²y/∂x∂z = 3x² = 3, ∂²y/∂z² = 0.
        #expect(try String(contentsOfFile: path, encoding: .utf8).contains(#""hessian":{"x":{"x":12,"z":3},"z":{"x":3,"z":0}}"#))
        let text = try CommandLineTests.nabla(["explain", "y = x^3 * z", "--at", "x=1,z=2", "--order", "2"])
        #expect(text.status == 0)
        #expect(text.output.hasSuffix("\n\nhessian of y:\n       x   z\n   x  12   3\n   z   3   0\n"))
    }

    @Test func theTextNamesWhyAGradientIsZero() throws {
        let run = try CommandLineTests.nabla(["explain", "y = relu(x) * 3 + max(x, z)", "--at", "x=-1,z=2"])
        #expect(run.status == 0)
        #expect(run.output.hasSuffix("""

            Why some gradients are zero:
              dy/dx = 0: ∂y/∂x = [x - z > 0] + 3·[x > 0] is 0 at x = -1, z = 2: max(x, z) passes the gradient only to its larger operand, z (x = -1 < z = 2); relu(x) has slope 0 where x ≤ 0 (x = -1)

            """))
    }

    @Test("Errors are clear, and no file is written", arguments: [
        (["c = 2b * ", "--at", "b=1"], Int32(1), "error: line 1, column 10: expected an expression after '*'\n  c = 2b * \n           ^\n"),
        (["y = 2x"], 1, "error: missing a value for the input 'x'\n"),
        (["repeat 3 { x = 2x }", "--at", "x=1"], 1,
         "error: line 1, column 1: nabla explain shows every operation, and this program's loop would show each of its 3 steps: write a few steps out as statements, or see the values and gradient with nabla grad\n  repeat 3 { x = 2x }\n  ^^^^^^\n"),
        (["y = 2x", "--at", "x=1", "--order", "3"], 64, "Error: --order must be 1 or 2, got 3\n"),
    ])
    func errors(arguments: [String], status: Int32, message: String) throws {
        let path = Self.temporaryPath("error.html")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let run = try CommandLineTests.nabla(["explain"] + arguments + ["--html", path])
        #expect(run.status == status)
        #expect(run.errors.hasPrefix(message), "\(run.errors)")
        #expect(run.output.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    @Test func aMissingValueAfterAtIsAUsageError() throws {
        let run = try CommandLineTests.nabla(["explain", "y = 2x", "--html", Self.temporaryPath("x.html"), "--at"])
        #expect(run.status == 64)
        #expect(run.errors.hasPrefix("Error: Missing value for '--at <name=value>'"))
    }

    @Test func thePageNeverOverwritesTheProgramOrADirectory() throws {
        let program = Self.temporaryPath("program.txt")
        try "y = 2x\n".write(toFile: program, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: program) }
        let same = try CommandLineTests.nabla(["explain", "-f", program, "--at", "x=1", "--html", program])
        #expect(same.status == 1 && same.errors.contains("--html '\(program)' is the program's file"))
        #expect(try String(contentsOfFile: program, encoding: .utf8) == "y = 2x\n")
        let directory = try CommandLineTests.nabla(["explain", "y = 2x", "--at", "x=1", "--html", FileManager.default.temporaryDirectory.path])
        #expect(directory.status == 1 && directory.errors.hasPrefix("error: "))
    }
}
