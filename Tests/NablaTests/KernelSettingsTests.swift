import Foundation
import Testing
import Nabla
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

    @Test func largeElementwiseOpsSplitOverThreadsGiveTheOneThreadNumbers() async {
        // In a process of its own: the setting is global. Costly ops split from 8K elements a
        // thread, cheap ones from 512K; 7 threads on 2 cores, and ranges that do not divide evenly.
        await #expect(processExitsWith: .success) {
            let x = NDArray<Float>.randomUniform([1_200_001], low: -3, high: 3, seed: 7)
            let y = NDArray<Float>.randomUniform([1_200_001], low: 0.5, high: 2, seed: 8)
            func results() -> [NDArray<Float>] {
                var inPlace = x
                inPlace.applyInPlace(.exp, constant: 0)
                var sum = x
                sum.applyInPlace(.add, y, constant: 0)
                return [NDArray.apply(.tanh, x, x, constant: 0), NDArray.apply(.relu, x, x, constant: 0),
                        NDArray.apply(.power, y, x, constant: 0), NDArray.apply(.multiply, x, y, constant: 0), inPlace, sum]
            }
            Kernels.threads = 1
            let one = results()
            // Against each element computed alone, too.
            guard one[0].scalars[1234] == Float.tanh(x.scalars[1234]), one[1].scalars[99] == max(x.scalars[99], 0) else { fatalError("one thread") }
            for threads in [2, 7] {
                Kernels.threads = threads
                guard results() == one else { fatalError("\(threads) threads give other numbers") }
            }
        }
    }
}
