import Foundation
import Testing
import NablaKernels

/// `Kernels.threads` takes what it is given or stops with a message: never a silent clamp.
@Suite("Kernel settings")
struct KernelSettingsTests {
    @Test func aNonsenseThreadCountStopsNamingIt() async {
        let results = [
            await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) { Kernels.threads = 0 },
            await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) { Kernels.threads = -5 },
            await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) { Kernels.threads = 1025 },
        ]
        for (count, result) in zip([0, -5, 1025], results) {
            let text = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
            #expect(text.contains("Kernels.threads: \(count) is not a thread count; set 1...1024"), "\(text)")
        }
    }

    @Test func theStartingCountIsTheVariableOrTheAvailableCores() async {
        // Each in a process of its own, so that the setting is read for the first time there.
        await #expect(processExitsWith: .success) {
            unsetenv(Kernels.threadsVariable)
            guard Kernels.availableCores >= 1, Kernels.threads == Kernels.availableCores else { fatalError("\(Kernels.threads)") }
        }
        await #expect(processExitsWith: .success) {
            setenv(Kernels.threadsVariable, "3", 1)
            guard Kernels.threads == 3 else { fatalError("\(Kernels.threads)") }
        }
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            setenv(Kernels.threadsVariable, "lots", 1)
            _ = Kernels.threads
        }
        let text = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
        #expect(text.contains("NABLA_NUM_THREADS=lots is not a thread count; set 1...1024"), "\(text)")
    }

    @Test func moreThreadsThanCoresAreKeptAndComputeTheSameProduct() async {
        // In a process of its own: the setting is global.
        await #expect(processExitsWith: .success) {
            let a = NDArray<Float>.randomNormal([96, 300], seed: 1), b = NDArray<Float>.randomNormal([300, 200], seed: 2)
            let one = NDArray.matmul(a, b, threads: 1)
            Kernels.threads = 64
            guard Kernels.threads == 64, NDArray.matmul(a, b, threads: Kernels.threads) == one else { fatalError("64 threads: a different product") }
        }
    }
}
