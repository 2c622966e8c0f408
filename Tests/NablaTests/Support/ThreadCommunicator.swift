import Foundation
@testable import Nabla

/// A ``Communicator`` whose ranks are threads of this process, so that data-parallel training
/// is tested without MPI: every collective waits until each rank has deposited its buffer;
/// the last to arrive combines them (sums in rank order 0, 1, …), and each copies the result.
/// A collective that has not completed after `timeout` seconds throws instead of hanging the
/// test run.
final class ThreadCommunicator: Communicator, @unchecked Sendable {
    let rank: Int
    let size: Int
    private let group: Group

    struct TimedOut: Error, CustomStringConvertible {
        var description: String { "a collective of the thread communicator timed out" }
    }

    /// The state the ranks of one group share.
    final class Group: @unchecked Sendable {
        let size: Int
        let timeout: Double
        let condition = NSCondition()
        var generation = 0
        var contributions: [[UInt8]]
        var result: [UInt8] = []
        var arrived = 0
        init(size: Int, timeout: Double) {
            self.size = size
            self.timeout = timeout
            contributions = Array(repeating: [], count: size)
        }
    }

    private init(rank: Int, group: Group) {
        self.rank = rank
        self.size = group.size
        self.group = group
    }

    /// `size` ranks of one group.
    static func group(_ size: Int, timeout: Double = 60) -> [ThreadCommunicator] {
        let group = Group(size: size, timeout: timeout)
        return (0..<size).map { ThreadCommunicator(rank: $0, group: group) }
    }

    /// Runs `body` on each of `size` ranks, each on a thread of its own (with an 8 MiB stack),
    /// and returns what each returned or threw, in rank order.
    static func run<T>(_ size: Int, timeout: Double = 60, _ body: @escaping (ThreadCommunicator) throws -> T) -> [Result<T, any Error>] {
        let ranks = group(size, timeout: timeout)
        let lock = NSLock()
        nonisolated(unsafe) var results = [Result<T, any Error>?](repeating: nil, count: size)
        let done = DispatchGroup()
        // Each thread runs `body` once, on its own rank's objects.
        nonisolated(unsafe) let body = body
        for communicator in ranks {
            done.enter()
            let thread = Thread {
                let result = Result { try body(communicator) }
                lock.withLock { results[communicator.rank] = result }
                done.leave()
            }
            thread.stackSize = 8 << 20
            thread.start()
        }
        done.wait()
        return results.map { $0! }
    }

    /// Deposits `bytes`, waits for every rank, and returns `combine` of all the deposits (in
    /// rank order), computed once by the last rank to arrive.
    private func exchange(_ bytes: [UInt8], _ combine: ([[UInt8]]) -> [UInt8]) throws -> [UInt8] {
        group.condition.lock()
        defer { group.condition.unlock() }
        let generation = group.generation
        group.contributions[rank] = bytes
        group.arrived += 1
        if group.arrived == size {
            group.result = combine(group.contributions)
            group.arrived = 0
            group.generation += 1
            group.condition.broadcast()
        } else {
            let deadline = Date(timeIntervalSinceNow: group.timeout)
            while group.generation == generation {
                if !group.condition.wait(until: deadline) { throw TimedOut() }
            }
        }
        return group.result
    }

    func barrier() throws { _ = try exchange([]) { _ in [] } }

    func broadcast(_ buffer: UnsafeMutableRawBufferPointer, from root: Int) throws {
        let result = try exchange(Array(buffer)) { $0[root] }
        precondition(result.count == buffer.count, "broadcast: \(buffer.count) bytes on rank \(rank), \(result.count) on the root")
        result.withUnsafeBytes { buffer.copyMemory(from: $0) }
    }

    func allreduceSum(_ buffer: UnsafeMutableBufferPointer<Float>) throws { try sum(buffer) }
    func allreduceSum(_ buffer: UnsafeMutableBufferPointer<Double>) throws { try sum(buffer) }

    private func sum<Scalar: BinaryFloatingPoint>(_ buffer: UnsafeMutableBufferPointer<Scalar>) throws {
        let result = try exchange(Array(UnsafeRawBufferPointer(buffer))) { deposits in
            var total = [Scalar](repeating: 0, count: buffer.count)
            for deposit in deposits {
                deposit.withUnsafeBytes { raw in
                    let values = raw.bindMemory(to: Scalar.self)
                    for i in total.indices { total[i] += values[i] }
                }
            }
            return total.withUnsafeBytes { Array($0) }
        }
        result.withUnsafeBytes { raw in
            for i in buffer.indices { buffer[i] = raw.load(fromByteOffset: i * MemoryLayout<Scalar>.stride, as: Scalar.self) }
        }
    }
}
