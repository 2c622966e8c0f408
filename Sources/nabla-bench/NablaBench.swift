/// `nabla-bench [--json] [workload…]`: Nabla's benchmarks. Build in release:
/// `swift run -c release nabla-bench`. Run it pinned to one core (`taskset -c 0`), as the peers
/// are; `Benchmarks/compare.py` runs it beside micrograd and prints the ratios. Built with the
/// MPI trait it has the distributed workloads too (`DistributedWorkloads`), run under
/// `mpirun` by Benchmarks/mpi/run.py.
@main
enum NablaBench {
    static func main() {
        // `NABLA_BENCH_KERNEL=avx2` keeps the float products (started on this thread, as every
        // workload's are) on the AVX2 kernel on a CPU with AVX-512, to measure one kernel against
        // the other; the matmul records name the kernel that ran.
        if let kernel = getenv("NABLA_BENCH_KERNEL"), String(cString: kernel) == "avx2" { Matmul.forceAVX2(true) }
        var arguments = Array(CommandLine.arguments.dropFirst())
        let json = arguments.contains("--json")
        arguments.removeAll { $0 == "--json" }
        if arguments.first == "stop" {
            // `nabla-bench stop CASE`: one programmer error (see ProgrammerErrors); `stop --list`
            // prints each case and the text its message must contain.
            if arguments.count == 2 && arguments[1] == "--list" {
                for entry in ProgrammerErrors.cases { print("\(entry.name)\t\(entry.expected)") }
                return
            }
            guard arguments.count == 2, ProgrammerErrors.commit(arguments[1]) else {
                print("usage: nabla-bench stop CASE|--list (cases: \(ProgrammerErrors.cases.map(\.name).joined(separator: ", ")))")
                exit(2)
            }
            print("nabla-bench: \(arguments[1]) did not stop")
            exit(1)
        }
        if arguments.contains("--help") || arguments.contains("-h") {
            print("usage: nabla-bench [--json] [workload…]\nworkloads: \((Workloads.all + DistributedWorkloads.names).joined(separator: ", ")), chain-N, checkpoint-mlp-K")
            return
        }
        let names = arguments.isEmpty ? Workloads.all : arguments
        let harness = Harness()
        for name in names {
            let records = Workloads.run(name, harness: harness)
            if records.isEmpty {
                print("nabla-bench: unknown workload '\(name)' (known: \(Workloads.all.joined(separator: ", ")), chain-N, checkpoint-mlp-K)")
                exit(2)
            }
            for record in records where DistributedWorkloads.printsRecords { print(json ? record.json : record.text) }
        }
        DistributedWorkloads.finish()
    }
}

import NablaKernels

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
