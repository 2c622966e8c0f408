// Run under `mpirun` by Tests/NablaTests/MPITests.swift: each rank exercises MPICommunicator
// on inputs that depend on its rank and prints one JSON line of what it got; the test holds the
// expected values. `nabla-mpi-check MODE`:
//   collectives   barrier, broadcasts, allreduce sum and mean (Float, Double, 12 MB, empty),
//                 and an invalid root, which MPI reports as an error (thrown, not an abort)
#if MPI
import Foundation
import Nabla
import NablaDistributed

func json(_ fields: [(String, String)]) -> String {
    "{" + fields.map { "\"\($0.0)\": \($0.1)" }.joined(separator: ", ") + "}"
}

func list<T>(_ values: [T]) -> String { "[" + values.map { "\($0)" }.joined(separator: ", ") + "]" }

func collectives(_ world: MPICommunicator) throws -> [(String, String)] {
    let r = world.rank
    try world.barrier()
    var floats: [Float] = [Float(r + 1), Float(2 * (r + 1)), 0.5, -Float(r)]
    try world.allreduce(&floats, .sum)
    var doubles: [Double] = [Double(r), 1e-300]
    try world.allreduce(&doubles, .mean)
    var large = [Float](repeating: Float(r + 1), count: 3_000_000)
    try world.allreduce(&large)
    let largeValues = Set(large)
    var empty: [Double] = []
    try world.allreduce(&empty)
    var bytes: [UInt8] = Array("from rank \(r)".utf8)
    try world.broadcast(&bytes, from: world.size - 1)
    let text = try world.broadcast(r == 0 ? "rank 0's options" : "", from: 0)
    var invalidRoot = "none"
    var scratch: [UInt8] = [0]
    do { try world.broadcast(&scratch, from: world.size) } catch let error as MPIError { invalidRoot = "\"\(error)\"" }
    try world.barrier()
    return [("rank", "\(r)"), ("size", "\(world.size)"), ("sum_float", list(floats)), ("mean_double", list(doubles)),
            ("large_count", "\(large.count)"), ("large_values", list(largeValues.sorted())), ("empty", list(empty)),
            ("broadcast_bytes", "\"\(String(decoding: bytes, as: UTF8.self))\""), ("broadcast_text", "\"\(text)\""),
            ("invalid_root_error", invalidRoot.replacingOccurrences(of: "\n", with: " "))]
}

let mode = CommandLine.arguments.dropFirst().first ?? "collectives"
let world = try MPICommunicator.world()
switch mode {
case "collectives":
    FileHandle.standardOutput.write(Data((json(try collectives(world)) + "\n").utf8))
default:
    FileHandle.standardError.write(Data("nabla-mpi-check: unknown mode '\(mode)' (collectives)\n".utf8))
    exit(64)
}
MPICommunicator.finalize()
#else
import Foundation
FileHandle.standardError.write(Data("nabla-mpi-check: built without MPI; build with: swift build --traits MPI\n".utf8))
exit(2)
#endif
