#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Testing
@testable import Nabla

/// Saving and loading models in the safetensors format: round trips give identical
/// predictions, PyTorch's files load under PyTorch's names, and bad files change nothing.
@Suite("Saving and loading models")
struct ModelSerializationTests {
    static func model(seed: UInt64) -> Sequential<Float> {
        Sequential<Float>(Linear<Float>(3, 4, seed: seed), ReLU<Float>(), Linear<Float>(4, 2, seed: seed + 1), BatchNorm<Float>(2))
    }

    static func temporaryPath(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("nabla-\(UUID().uuidString)-\(name)").path
    }

    @Test func aSavedModelReloadsToIdenticalPredictions() throws {
        let trained = Self.model(seed: 1)
        _ = trained(Tensor(NDArray<Float>.randomNormal([8, 3], seed: 2)))        // moves the running statistics
        let path = Self.temporaryPath("model.safetensors")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try trained.save(to: path)
        let fresh = Self.model(seed: 7)
        try fresh.load(from: path)
        trained.eval(); fresh.eval()
        let x = Tensor(NDArray<Float>.randomNormal([5, 3], seed: 3))
        #expect(fresh(x).data == trained(x).data)
        #expect(fresh.namedBuffers.map(\.buffer.value) == trained.namedBuffers.map(\.buffer.value))
        // The same file loads into Double layers too (converted).
        let double = Sequential<Double>(Linear<Double>(3, 4, seed: 1), ReLU<Double>(), Linear<Double>(4, 2, seed: 2), BatchNorm<Double>(2))
        try double.load(from: path)
        #expect(double.parameters[0].data.scalars == trained.parameters[0].data.scalars.map(Double.init))
    }

    @Test func badFilesChangeNothing() throws {
        let model = Self.model(seed: 1)
        let before = model.parameters.map(\.data)
        let good = model.stateDict().encoded()
        func rejects(_ bytes: [UInt8], _ check: (ModelLoadError) -> Bool) {
            do {
                try model.load(SafeTensors(decoding: bytes))
                Issue.record("loaded a bad file")
            } catch let error as SafeTensorsError {
                #expect(check(.file(error)), "\(error)")
            } catch let error as ModelLoadError {
                #expect(check(error), "\(error)")
            } catch {
                Issue.record("unexpected \(error)")
            }
            #expect(model.parameters.map(\.data) == before)
        }
        // Truncated, and corrupted in the header.
        rejects(Array(good.prefix(good.count - 5))) { if case .file = $0 { true } else { false } }
        var corrupted = good
        corrupted[12] = UInt8(ascii: "}")
        rejects(corrupted) { if case .file = $0 { true } else { false } }
        // Wrong shapes: a file from a wider model.
        let wider = Sequential<Float>(Linear<Float>(3, 5, seed: 1), ReLU<Float>(), Linear<Float>(5, 2, seed: 2), BatchNorm<Float>(2))
        rejects(wider.stateDict().encoded()) { $0 == .wrongShape("0.weight", expected: [4, 3], found: [5, 3]) }
        // A missing and an unexpected entry.
        var partial = model.stateDict()
        partial["2.bias"] = nil
        rejects(partial.encoded()) { $0 == .missing(["2.bias"]) }
        var extra = model.stateDict()
        extra.set("head.weight", NDArray<Float>.zeros([1]))
        rejects(extra.encoded()) { $0 == .unexpected(["head.weight"]) }
        #expect(ModelLoadError.wrongShape("0.weight", expected: [4, 3], found: [5, 3]).description
            == "'0.weight' has shape [5, 3] in the file, the model's is [4, 3] (nothing was loaded)")
    }

    /// The largest resident set the process has had, in bytes.
    static func peakResidentBytes() -> Int {
        var usage = rusage()
        #if canImport(Darwin)
        getrusage(RUSAGE_SELF, &usage)
        return Int(usage.ru_maxrss)
        #else
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        return Int(usage.ru_maxrss) * 1024
        #endif
    }

    @Test func aHugeFileIsCheckedBeforeAnythingLargeIsRead() throws {
        // A sparse 40 GB file (ftruncate: it takes no disk), more than this machine's memory;
        // reading it whole would abort the process. Each case rewrites its header.
        let directory = try SafeTensorsTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/huge.safetensors"
        let size = 40 << 30
        let descriptor = open(path, O_RDWR | O_CREAT, 0o600)
        defer { close(descriptor) }
        #expect(descriptor >= 0 && ftruncate(descriptor, off_t(size)) == 0)
        func start(_ bytes: [UInt8]) { #expect(pwrite(descriptor, bytes, bytes.count, 0) == bytes.count) }
        /// A header of exactly 128 bytes (padded with spaces), so the data section is known.
        func header(_ json: String) -> [UInt8] {
            SafeTensorsTests.file(json + String(repeating: " ", count: 128 - json.utf8.count))
        }
        let dataByteCount = size - 8 - 128
        let model = Self.model(seed: 1)
        let before = model.parameters.map(\.data)
        let peak = Self.peakResidentBytes()

        // A valid file whose one tensor fills the 40 GB: its shape is checked against the
        // model's before a byte of it is read.
        start(header(#"{"0.weight":{"dtype":"U8","shape":[\#(dataByteCount)],"data_offsets":[0,\#(dataByteCount)]}}"#))
        #expect(throws: ModelLoadError.wrongShape("0.weight", expected: [4, 3], found: [dataByteCount])) { try model.load(from: path) }

        // A header claiming more bytes than the file holds: an error before any allocation,
        // for a model and for SafeTensors alike.
        let claimed = 2 * dataByteCount
        start(header(#"{"0.weight":{"dtype":"U8","shape":[\#(claimed)],"data_offsets":[0,\#(claimed)]}}"#))
        let beyond = SafeTensorsError.offsetsOutOfBounds(tensor: "0.weight", offsets: 0..<claimed, dataByteCount: dataByteCount)
        #expect(throws: ModelLoadError.file(beyond)) { try model.load(from: path) }
        #expect(throws: beyond) { try SafeTensors(contentsOf: path) }

        // A header length of 39 GB: more than a header may be, refused before it is read.
        start(withUnsafeBytes(of: UInt64(39 << 30).littleEndian, Array.init))
        let tooLarge = SafeTensorsError.headerTooLarge(headerByteCount: 39 << 30, limit: 100_000_000)
        #expect(throws: ModelLoadError.file(tooLarge)) { try model.load(from: path) }
        #expect(tooLarge.description == "the header length (the first 8 bytes) is 41875931136 bytes, more than the 100000000 a safetensors header may have")

        #expect(model.parameters.map(\.data) == before)
        // Nothing near the file's size was ever resident (other tests share the process, so
        // the bound is loose: 4 GB against 40).
        #expect(Self.peakResidentBytes() - peak < 4 << 30)
    }

    @Test func loadingReadsStraightIntoTheParameters() throws {
        // Float weights into a Float model are read into the new arrays directly; into a
        // Double model they are converted; both equal what was saved, bit for bit.
        let saved = Sequential<Float>(Linear<Float>(300, 200, seed: 4), ReLU<Float>(), Linear<Float>(200, 10, seed: 5))
        let path = Self.temporaryPath("straight.safetensors")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try saved.save(to: path)
        let loaded = Sequential<Float>(Linear<Float>(300, 200, seed: 9), ReLU<Float>(), Linear<Float>(200, 10, seed: 9))
        try loaded.load(from: path)
        #expect(loaded.parameters.map(\.data) == saved.parameters.map(\.data))
        let double = Sequential<Double>(Linear<Double>(300, 200, seed: 9), ReLU<Double>(), Linear<Double>(200, 10, seed: 9))
        try double.load(from: path)
        #expect(double.parameters.map(\.data.scalars) == saved.parameters.map { $0.data.scalars.map(Double.init) })
        #expect(try SafeTensors(contentsOf: path) == saved.stateDict())
        // A file cut short after its header was written is an error, and changes nothing.
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        try bytes.prefix(bytes.count - 4).write(to: URL(fileURLWithPath: path))
        let before = loaded.parameters.map(\.data)
        #expect(throws: ModelLoadError.self) { try loaded.load(from: path) }
        #expect(loaded.parameters.map(\.data) == before)
    }

    @Test func pytorchsStateDictLoadsUnderItsNames() throws {
        // Written by Tests/NablaTests/References/make_safetensors_reference.py from
        // nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2)).
        let url = try #require(Bundle.module.url(forResource: "torch_state_dict", withExtension: "safetensors"))
        let file = try SafeTensors(contentsOf: url.path)
        var mlp = SafeTensors()
        for name in file.names where name.hasPrefix("0.") || name.hasPrefix("2.") { mlp[name] = file[name] }
        let model = Sequential<Float>(Linear<Float>(3, 4, seed: 1), ReLU<Float>(), Linear<Float>(4, 2, seed: 2))
        try model.load(mlp)
        #expect(model.namedParameters.map(\.name) == ["0.weight", "0.bias", "2.weight", "2.bias"])
        for (name, tensor) in model.namedParameters { #expect(tensor.data == (try file.array(name, as: Float.self))) }
        // x·W₁ᵀ + b₁ through relu and the second layer, computed by hand from the file's values.
        let w1 = try file.array("0.weight", as: Float.self), b1 = try file.array("0.bias", as: Float.self)
        let w2 = try file.array("2.weight", as: Float.self), b2 = try file.array("2.bias", as: Float.self)
        let x: [Float] = [0.5, -1, 2]
        let hidden = (0..<4).map { j in Swift.max(0, b1.scalars[j] + (0..<3).reduce(Float(0)) { $0 + w1.scalars[j * 3 + $1] * x[$1] }) }
        let expected = (0..<2).map { j in b2.scalars[j] + (0..<4).reduce(Float(0)) { $0 + w2.scalars[j * 4 + $1] * hidden[$1] } }
        let output = model(Tensor([x])).scalars
        #expect(zip(output, expected).allSatisfy { Swift.abs($0 - $1) < 1e-6 })
    }
}
