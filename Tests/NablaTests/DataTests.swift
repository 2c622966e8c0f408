import Testing
import Nabla

/// The data layer: the digits file, the synthetic sets, datasets and batching. Expected values
/// marked "Python" were computed once from the same file or formulas with CPython 3.11.
@Suite("Data sets and batching")
struct DataTests {
    // MARK: Digits

    /// Loaded once for the suite (decompressing and parsing takes a few milliseconds).
    static let digits = Result { try Digits.load() }

    @Test func digitsLoadAllImagesWithTheKnownLabelCounts() throws {
        let digits = try DataTests.digits.get()
        #expect(digits.count == 1_797)
        #expect(digits.images.shape == [1_797, 64])
        // The UCI page's class counts for the test set (and Python's count of the file).
        var histogram = [Int](repeating: 0, count: 10)
        for label in digits.labels { histogram[label] += 1 }
        #expect(histogram == [178, 182, 177, 183, 181, 182, 181, 179, 174, 180])
        // Python: the sum of every pixel in the file.
        #expect(digits.images.scalars.reduce(0, +) == 561_718)
    }

    @Test func digitsMatchTheFilesFirstAndLastLines() throws {
        let digits = try DataTests.digits.get()
        // Python: the file's first and last lines.
        let first: [Float] = [
            0, 0, 5, 13, 9, 1, 0, 0, 0, 0, 13, 15, 10, 15, 5, 0, 0, 3, 15, 2, 0, 11, 8, 0, 0, 4, 12, 0, 0, 8, 8, 0,
            0, 5, 8, 0, 0, 9, 8, 0, 0, 4, 11, 0, 1, 12, 7, 0, 0, 2, 14, 5, 10, 12, 0, 0, 0, 0, 6, 13, 10, 0, 0, 0,
        ]
        let last: [Float] = [
            0, 0, 10, 14, 8, 1, 0, 0, 0, 2, 16, 14, 6, 1, 0, 0, 0, 0, 15, 15, 8, 15, 0, 0, 0, 0, 5, 16, 16, 10, 0, 0,
            0, 0, 12, 15, 15, 12, 0, 0, 0, 4, 16, 6, 4, 16, 6, 0, 0, 8, 16, 10, 8, 16, 8, 0, 0, 1, 8, 12, 14, 12, 1, 0,
        ]
        #expect(Array(digits.images.scalars.prefix(64)) == first)
        #expect(Array(digits.images.scalars.suffix(64)) == last)
        #expect(digits.labels.first == 0 && digits.labels.last == 8)
    }

    @Test func digitsSplitIntoAFixedPartition() throws {
        let digits = try DataTests.digits.get()
        let (train, test) = digits.split()
        #expect(train.count == 1_437 && test.count == 360)
        #expect(train.inputs.shape == [1_437, 64] && test.inputs.shape == [360, 64])
        // Test example k is image 5k; training examples are the others in order (1, 2, 3, 4, 6, …).
        func image(_ index: Int) -> [Float] { digits.images.scalars[(index * 64)..<((index + 1) * 64)].map { $0 / 16 } }
        func row(_ dataset: Dataset<Float>, _ k: Int) -> [Float] { Array(dataset.inputs.scalars[(k * 64)..<((k + 1) * 64)]) }
        #expect(row(test, 0) == image(0) && row(test, 1) == image(5) && row(test, 359) == image(1_795))
        #expect(row(train, 0) == image(1) && row(train, 4) == image(6) && row(train, 1_436) == image(1_796))
        let trainIndices = (0..<1_797).filter { $0 % 5 != 0 }
        let testIndices = (0..<1_797).filter { $0 % 5 == 0 }
        #expect(train.labels == trainIndices.map { digits.labels[$0] })
        #expect(test.labels == testIndices.map { digits.labels[$0] })
        // Python: the test part's label counts.
        var histogram = [Int](repeating: 0, count: 10)
        for label in test.labels { histogram[label] += 1 }
        #expect(histogram == [42, 28, 26, 48, 38, 39, 30, 26, 36, 47])
        #expect(train.inputs.scalars.allSatisfy { $0 >= 0 && $0 <= 1 } && train.inputs.scalars.contains(1))

        let (trainImages, testImages) = digits.split(asImages: true)
        #expect(trainImages.inputs.shape == [1_437, 1, 8, 8] && testImages.inputs.shape == [360, 1, 8, 8])
        #expect(trainImages.inputs.scalars == train.inputs.scalars && testImages.labels == test.labels)
    }

    @Test func digitsTextErrorsNameTheLineAndValue() throws {
        let good = (0..<64).map { _ in "0" }.joined(separator: ",") + ",7"
        let parsed = try Digits(csv: Array("\(good)\r\n\n\(good)\n".utf8))  // CRLF and blank lines are fine
        #expect(parsed.count == 2 && parsed.labels == [7, 7] && parsed.images.shape == [2, 64])
        let short = (0..<63).map { _ in "0" }.joined(separator: ",") + ",7"
        #expect(throws: DataError.malformedLine(file: "digits.csv", line: 2, reason: "expected 65 comma-separated values, found 64")) {
            try Digits(csv: Array("\(good)\n\(short)\n".utf8))
        }
        #expect(throws: DataError.malformedLine(file: "d.csv", line: 1, reason: "pixel 1 is '17', not an integer in 0...16")) {
            try Digits(csv: Array(("17" + good.dropFirst()).utf8), file: "d.csv")
        }
        #expect(throws: DataError.malformedLine(file: "digits.csv", line: 1, reason: "the label is '10', not an integer in 0...9")) {
            try Digits(csv: Array((good.dropLast() + "10").utf8))
        }
        #expect(throws: DataError.malformedLine(file: "digits.csv", line: 1, reason: "pixel 2 is 'x', not an integer in 0...16")) {
            try Digits(csv: Array(("0,x" + good.dropFirst(3)).utf8))
        }
        #expect(DataError.malformedLine(file: "d.csv", line: 3, reason: "bad").description == "d.csv, line 3: bad")
    }

    // MARK: Synthetic data

    @Test func twoMoonsReproduceTheCheckValuesBitForBit() throws {
        let (points, labels) = TwoMoons.generate(count: 100, noise: 0.1, seed: 42)
        #expect(points.count == 100 && labels.count == 100)
        #expect(points[0] == [1.0136460653287815, -0.05490731421044975])
        #expect(points[99] == [1.9018683669877046, 0.5064330538176164])
        var sum = 0.0
        for point in points { sum += point[0] + 2 * point[1] }
        #expect(sum == 100.28566546631914)
        #expect(labels == [Double](repeating: -1, count: 50) + [Double](repeating: 1, count: 50))
        #expect(TwoMoons.generate() == (points, labels))

        let dataset = TwoMoons.dataset(as: Float.self)
        #expect(dataset.inputs.shape == [100, 2] && dataset.inputs.scalars[0] == Float(points[0][0]))
        #expect(dataset.labels == [Int](repeating: 0, count: 50) + [Int](repeating: 1, count: 50))
        #expect(try dataset.targets == NDArray(shape: [100, 1], scalars: labels.map(Float.init)))
    }

    @Test func spiralFollowsItsFormulaAndIsDeterministic() {
        let (points, labels) = Spiral.generate(classes: 3, pointsPerClass: 100, noise: 0.2, seed: 42)
        #expect(points.count == 300 && labels == (0..<3).flatMap { [Int](repeating: $0, count: 100) })
        // Python, from the documented formula.
        #expect(points[1] == [0.0029516291326689118, 0.009660139260067023])
        #expect(points[150] == [-0.259430163643941, 0.4333266698963361])
        #expect(points[299] == [-0.48317371270419796, 0.8755245075676872])
        var sum = 0.0
        for point in points { sum += point[0] + 2 * point[1] }
        #expect(sum == -20.53403212151985)
        #expect(Spiral.generate(classes: 3, pointsPerClass: 100, noise: 0.2, seed: 42) == (points, labels))
        #expect(Spiral.generate(seed: 43).points != points)

        // Without noise, the points lie on the arms exactly.
        let clean = Spiral.generate(classes: 2, pointsPerClass: 5, noise: 0, seed: 1).points
        #expect(clean[7] == [0.5 * Double.sin(4 + 2), 0.5 * Double.cos(4 + 2)])
        #expect(Spiral.generate(classes: 2, pointsPerClass: 1, noise: 0).points == [[0, 0], [0, 0]])

        let dataset = Spiral.dataset(classes: 4, pointsPerClass: 25, as: Double.self)
        #expect(dataset.inputs.shape == [100, 2] && dataset.count == 100 && Set(dataset.labels) == [0, 1, 2, 3])
    }

    // MARK: Dataset

    @Test func datasetsCheckTheirCountsAndGatherRows() throws {
        let inputs = try NDArray<Double>(shape: [4, 2, 1], scalars: [0, 1, 2, 3, 4, 5, 6, 7])
        let targets = try NDArray<Double>(shape: [4], scalars: [10, 11, 12, 13])
        let dataset = try Dataset(inputs: inputs, labels: [0, 1, 0, 1], targets: targets)
        let picked = dataset[[3, 0, 3]]
        #expect(try picked.inputs == NDArray(shape: [3, 2, 1], scalars: [6, 7, 0, 1, 6, 7]))
        #expect(try picked.labels == [1, 0, 1] && picked.targets == NDArray(shape: [3], scalars: [13, 10, 13]))
        #expect(dataset[[]].inputs.shape == [0, 2, 1])
        #expect(try Dataset(inputs: inputs).labels.isEmpty)

        #expect(throws: DataError.countMismatch(what: "labels", count: 3, examples: 4)) {
            try Dataset(inputs: inputs, labels: [0, 1, 0])
        }
        #expect(throws: DataError.countMismatch(what: "targets", count: 2, examples: 4)) {
            try Dataset(inputs: inputs, targets: try NDArray(shape: [2, 2], scalars: [1, 2, 3, 4]))
        }
        #expect(throws: DataError.inputsHaveNoExampleAxis) { try Dataset(inputs: NDArray<Float>(1)) }
        #expect(DataError.countMismatch(what: "labels", count: 3, examples: 4).description == "a dataset has 3 labels for 4 examples")
    }

    // MARK: Batching

    /// 10 examples whose input row k is [k, −k] and label k.
    static let ten = try! Dataset(
        inputs: try NDArray<Float>(shape: [10, 2], scalars: (0..<10).flatMap { [Float($0), -Float($0)] }),
        labels: Array(0..<10)
    )

    @Test func everyEpochVisitsEachExampleOnceInItsOwnOrder() throws {
        let loader = try BatchLoader(DataTests.ten, batchSize: 3, seed: 5)
        #expect(loader.numberOfBatches == 4)
        // Python, from the documented shuffle.
        #expect(loader.order(epoch: 0) == [3, 0, 5, 4, 9, 7, 2, 6, 1, 8])
        #expect(loader.order(epoch: 1) == [8, 7, 9, 3, 0, 5, 2, 6, 4, 1])
        var orders: Set<[Int]> = []
        for epoch in 0..<5 {
            let batches = loader.batches(epoch: epoch)
            #expect(batches.map(\.count) == [3, 3, 3, 1])
            let visited = batches.flatMap(\.indices)
            #expect(visited == loader.order(epoch: epoch) && visited.sorted() == Array(0..<10))
            for batch in batches {
                #expect(batch.labels == batch.indices)
                #expect(batch.inputs.scalars == batch.indices.flatMap { [Float($0), -Float($0)] })
                #expect(batch.inputs.shape == [batch.count, 2] && batch.targets == nil)
            }
            orders.insert(visited)
        }
        #expect(orders.count == 5)
        // The same seed gives the same order on every run; another seed another order.
        #expect(try BatchLoader(DataTests.ten, batchSize: 3, seed: 5).order(epoch: 3) == loader.order(epoch: 3))
        #expect(try BatchLoader(DataTests.ten, batchSize: 3, seed: 6).order(epoch: 0) != loader.order(epoch: 0))
    }

    @Test func iterationFollowsTheLoadersEpoch() throws {
        var loader = try BatchLoader(DataTests.ten, batchSize: 4, seed: 1)
        loader.epoch = 2
        #expect(Array(loader) == loader.batches(epoch: 2))
        #expect(Array(loader).flatMap(\.indices) == loader.order(epoch: 2))
    }

    @Test func dropLastAndUnshuffledOrder() throws {
        let dropping = try BatchLoader(DataTests.ten, batchSize: 4, shuffle: false, dropLast: true)
        #expect(dropping.numberOfBatches == 2)
        #expect(dropping.batches(epoch: 7).map(\.indices) == [[0, 1, 2, 3], [4, 5, 6, 7]])
        let keeping = try BatchLoader(DataTests.ten, batchSize: 4, shuffle: false)
        #expect(keeping.batches(epoch: 0).map(\.indices) == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]])
        #expect(try BatchLoader(DataTests.ten, batchSize: 5, dropLast: true).batches(epoch: 0).map(\.count) == [5, 5])
        #expect(try BatchLoader(DataTests.ten, batchSize: 20, dropLast: true).numberOfBatches == 0)
        #expect(try BatchLoader(DataTests.ten, batchSize: 20).batches(epoch: 0).map(\.count) == [10])
        #expect(try BatchLoader(DataTests.ten[[]], batchSize: 2).batches(epoch: 0).isEmpty)
    }

    @Test func batchSizesMustBePositive() {
        #expect(throws: DataError.invalidBatchSize(0)) { try BatchLoader(DataTests.ten, batchSize: 0) }
        #expect(throws: DataError.invalidBatchSize(-3)) { try BatchLoader(DataTests.ten, batchSize: -3) }
        #expect(DataError.invalidBatchSize(0).description == "the batch size must be positive, not 0")
    }
}
