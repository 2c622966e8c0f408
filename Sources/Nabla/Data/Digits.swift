/// The 8×8 handwritten digits: 1,797 grey-level images of the digits 0–9, pixels 0…16.
///
/// The test set of the UCI *Optical Recognition of Handwritten Digits* data (E. Alpaydin and
/// C. Kaynak, 1998; CC BY 4.0) as scikit-learn ships it; the file is a resource of this library
/// (see Data/Resources/DIGITS.md for its origin and checksum).
///
/// ```swift
/// let (train, test) = try Digits.load().split()   // 1,437 and 360 examples, inputs [n, 64] in [0, 1]
/// ```
public struct Digits: Sendable {
    /// Pixels per image side.
    public static let side = 8
    /// Pixels per image.
    public static let pixelCount = side * side
    /// The largest pixel value (a count of set pixels in a 4×4 block of a 32×32 bitmap).
    public static let maxPixel = 16
    /// The number of classes: the digits 0–9.
    public static let classCount = 10

    /// Shape [count, 64]: image k's pixels row by row, raw values 0…16.
    public let images: NDArray<Float>
    /// The digit each image shows, 0–9.
    public let labels: [Int]

    /// The number of images.
    public var count: Int { labels.count }

    /// Reads digits from comma-separated text: one image per line, 64 pixel values (integers
    /// 0…16, row by row) then the label (0–9), as in scikit-learn's `digits.csv` and UCI's
    /// `optdigits.tes` and `optdigits.tra`. Blank lines are skipped; `file` names the text in
    /// errors.
    public init(csv text: [UInt8], file: String = "digits.csv") throws(DataError) {
        var pixels: [Float] = []
        var labels: [Int] = []
        // A line of small numbers has at least two bytes per value.
        pixels.reserveCapacity(text.count / 2)
        var lineStart = 0
        var lineNumber = 0
        while lineStart < text.count {
            lineNumber += 1
            let newline = text[lineStart...].firstIndex(of: UInt8(ascii: "\n")) ?? text.count
            var line = text[lineStart..<newline]
            if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
            lineStart = newline + 1
            if line.isEmpty { continue }
            let label = try Digits.parseLine(line, into: &pixels) { reason in
                .malformedLine(file: file, line: lineNumber, reason: reason)
            }
            labels.append(label)
        }
        self.images = NDArray(shape: [labels.count, Digits.pixelCount], checkedScalars: pixels)
        self.labels = labels
    }

    /// Reads one line of 65 comma-separated integers, appends the first 64 (pixels, each in
    /// 0…16) to `pixels` and returns the last (the label, 0–9).
    private static func parseLine(
        _ line: ArraySlice<UInt8>, into pixels: inout [Float], malformed: (String) -> DataError
    ) throws(DataError) -> Int {
        let fieldCount = line.count { $0 == UInt8(ascii: ",") } + 1
        guard fieldCount == pixelCount + 1 else {
            throw malformed("expected \(pixelCount + 1) comma-separated values, found \(fieldCount)")
        }
        var fieldStart = line.startIndex
        // Field `index` (0 to 64) as an integer in 0...limit.
        func field(_ index: Int, limit: Int) throws(DataError) -> Int {
            let fieldEnd = line[fieldStart...].firstIndex(of: UInt8(ascii: ",")) ?? line.endIndex
            let text = line[fieldStart..<fieldEnd]
            fieldStart = fieldEnd + 1
            guard let value = smallInteger(text), value <= limit else {
                let name = index == pixelCount ? "the label" : "pixel \(index + 1)"
                throw malformed("\(name) is '\(String(decoding: text, as: UTF8.self))', not an integer in 0...\(limit)")
            }
            return value
        }
        for index in 0..<pixelCount {
            pixels.append(Float(try field(index, limit: maxPixel)))
        }
        return try field(pixelCount, limit: classCount - 1)
    }

    /// A field of one to three decimal digits, with optional spaces around it, as an Int.
    private static func smallInteger(_ field: ArraySlice<UInt8>) -> Int? {
        let space = UInt8(ascii: " ")
        guard let first = field.firstIndex(where: { $0 != space }), let last = field.lastIndex(where: { $0 != space }) else {
            return nil
        }
        let digits = field[first...last]
        guard digits.count <= 3 else { return nil }
        var value = 0
        for byte in digits {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
        }
        return value
    }

    /// Whether image `index` belongs to the test part of ``split(asImages:)``: every fifth image,
    /// from the first.
    public static func isTest(_ index: Int) -> Bool { index % 5 == 0 }

    /// A fixed train/test split for comparable results: the test part is the images whose index
    /// i has i % 5 == 0 (360 of the 1,797), the training part the rest (1,437), each in file
    /// order. Inputs are the pixels divided by 16, so in [0, 1], with shape [n, 64], or
    /// [n, 1, 8, 8] (one channel) `asImages` for convolutional networks. Labels are the digits.
    public func split(asImages: Bool = false) -> (train: Dataset<Float>, test: Dataset<Float>) {
        let indices = Array(0..<count)
        let scaled = Dataset(
            checkedInputs: images.map { $0 / Float(Digits.maxPixel) }.reshaped(
                asImages ? [count, 1, Digits.side, Digits.side] : [count, Digits.pixelCount]
            ),
            labels: labels,
            targets: nil
        )
        return (scaled[indices.filter { !Digits.isTest($0) }], scaled[indices.filter(Digits.isTest)])
    }
}
