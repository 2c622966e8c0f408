#if canImport(FoundationXML)
import FoundationXML
#endif
import Foundation
import Testing
@testable import Nabla

/// SVG charts: well-formed markup, the expected elements, round ticks, and no trap on odd data.
@Suite("Plots")
struct PlotTests {
    // MARK: Markup

    @Test("A document is well-formed SVG with a white background, escaped text and compact numbers")
    func documentMarkup() throws {
        var document = SVGDocument(width: 200, height: 100)
        document.append(.line(from: SVGPoint(x: 0, y: 0.125), to: SVGPoint(x: 1.0 / 3, y: 2), style: .stroked(.black)))
        document.append(.text("a < b & \"c\" > 'd'\u{7}", at: SVGPoint(x: 10, y: 20),
                              style: SVGTextStyle(anchor: .middle, rotation: -90)))
        document.append(.group([.circle(center: SVGPoint(x: 5, y: 5), radius: 2, style: .filled(.white))],
                               clip: PlotRect(x: 0, y: 0, width: 10, height: 10)))
        document.append(.polyline([SVGPoint(x: .nan, y: .infinity), SVGPoint(x: 1e300, y: -1)], style: .stroked(.black)))
        let svg = try SVGSummary(document.markup)
        #expect(svg.root == "svg")
        #expect(svg.count("rect") == 2)  // background and the clip path's rectangle
        #expect(svg.count("clipPath") == 1)
        #expect(svg.texts == ["a < b & \"c\" > 'd' "])
        #expect(svg.attributes("rect").first?["fill"] == "#ffffff")
        #expect(svg.attributes("line").first?["x2"] == "0.33")
        #expect(svg.attributes("line").first?["y1"] == "0.13")
        #expect(svg.attributes("text").first?["transform"] == "rotate(-90 10 20)")
        #expect(svg.attributes("polyline").first?["points"] == "0,0 10000000,-1")
        #expect(svg.attributes("svg").first?["viewBox"] == "0 0 200 100")
    }

    @Test("Clip paths get distinct ids")
    func clipIDs() throws {
        let clip = PlotRect(x: 0, y: 0, width: 1, height: 1)
        let document = SVGDocument(width: 10, height: 10, elements: [.group([], clip: clip), .group([.group([], clip: clip)], clip: clip)])
        let ids = try SVGSummary(document.markup).attributes("clipPath").compactMap { $0["id"] }
        #expect(Set(ids).count == 3)
    }

    @Test("Numbers print with at most two decimals and no trailing zeros")
    func numbers() {
        #expect(NumberFormat.compact(3.14159) == "3.14")
        #expect(NumberFormat.compact(2.5) == "2.5")
        #expect(NumberFormat.compact(-0.001) == "0")
        #expect(NumberFormat.compact(100) == "100")
        #expect(NumberFormat.fixed(0.125, decimals: 2) == "0.13")
        #expect(NumberFormat.fixed(-2, decimals: 3) == "-2.000")
        #expect(NumberFormat.fixed(1e300, decimals: 2) == NumberFormat.shortest(1e300))
    }

    @Test("Writing a document to a file, and the error for a path that cannot be written")
    func writing() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("nabla-plot-\(UUID().uuidString).svg").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let document = SVGDocument(width: 10, height: 10)
        try document.write(to: path)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == document.markup)
        #expect(throws: FileWriteError.self) { try document.write(to: "/nonexistent-directory/x.svg") }
    }

    // MARK: Ticks

    @Test("Ticks are round, cover the data and are labelled with the decimals they need", arguments: [
        (0.0, 1.0, [0, 0.2, 0.4, 0.6, 0.8, 1], ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"]),
        (0.0013, 0.0071, [0.001, 0.002, 0.003, 0.004, 0.005, 0.006, 0.007, 0.008],
         ["0.001", "0.002", "0.003", "0.004", "0.005", "0.006", "0.007", "0.008"]),
        (-3, 250, [-50, 0, 50, 100, 150, 200, 250], ["-50", "0", "50", "100", "150", "200", "250"]),
        (7, 7, [3, 4, 5, 6, 7, 8, 9, 10, 11], ["3", "4", "5", "6", "7", "8", "9", "10", "11"]),
        (0, 0, [-1, -0.5, 0, 0.5, 1], ["-1.0", "-0.5", "0.0", "0.5", "1.0"]),
    ] as [(Double, Double, [Double], [String])])
    func niceTicks(lower: Double, upper: Double, values: [Double], labels: [String]) {
        let ticks = AxisTicks(covering: PlotInterval(lower, upper), count: 5)
        #expect(ticks.values.count == values.count)
        for (tick, value) in zip(ticks.values, values) { #expect(abs(tick - value) < 1e-12) }
        #expect(ticks.labels == labels)
        #expect(ticks.interval.lower <= Swift.min(lower, upper) && ticks.interval.upper >= Swift.max(lower, upper))
    }

    @Test("Ticks within a fixed range stay inside it; a minimum step keeps epochs whole")
    func fixedRangeTicks() {
        let accuracy = AxisTicks(within: PlotInterval(0.5, 1), count: 5)
        #expect(accuracy.interval == PlotInterval(0.5, 1))
        #expect(accuracy.labels == ["0.5", "0.6", "0.7", "0.8", "0.9", "1.0"])
        let epochs = AxisTicks(covering: PlotInterval(1, 3), count: 6, minimumStep: 1)
        #expect(epochs.values == [1, 2, 3])
        #expect(epochs.labels == ["1", "2", "3"])
    }

    @Test("Ticks of degenerate intervals never trap", arguments: [
        (Double.nan, 1.0), (-Double.infinity, Double.infinity), (-1e308, 1e308), (0x1p-1063, 0x1p-1062),
        (1e16, 1e16 + 4), (-5, -5), (Double.greatestFiniteMagnitude, Double.greatestFiniteMagnitude),
    ] as [(Double, Double)])
    func degenerateTicks(lower: Double, upper: Double) {
        let ticks = AxisTicks(covering: PlotInterval(lower, upper))
        #expect(!ticks.values.isEmpty && ticks.values.count <= 1001)
        #expect(ticks.values.allSatisfy { $0.isFinite })
        #expect(ticks.interval.lower < ticks.interval.upper && ticks.interval.span.isFinite)
        #expect(ticks.labels.allSatisfy { !$0.isEmpty })
    }

    @Test("Logarithmic ticks fall on powers of ten, with 2 and 5 between over few decades")
    func logarithmicTicks() {
        let few = AxisTicks(logarithmicCovering: PlotInterval(log10(0.03), log10(0.8)))
        #expect(few.labels == ["0.01", "0.02", "0.05", "0.1", "0.2", "0.5", "1"])
        let many = AxisTicks(logarithmicCovering: PlotInterval(-6, 3))
        #expect(many.labels == ["1e-6", "0.0001", "0.01", "1", "100", "10000"])
        let one = AxisTicks(logarithmicCovering: PlotInterval(2, 2))
        #expect(one.isLogarithmic && !one.values.isEmpty)
    }

    // MARK: Line charts

    @Test("A line chart draws one polyline per run of finite points, ticks, labels and a legend")
    func lineChart() throws {
        let chart = LineChart(title: "Loss <train & test>", xLabel: "epoch", yLabel: "loss", series: [
            .init("train", values: [1.0, 0.5, .nan, 0.25, 0.2, .infinity, 0.1]),
            .init("test", values: [1.1, 0.6, 0.4, 0.3, 0.25, 0.2, 0.18]),
        ])
        let svg = try SVGSummary(chart.svg())
        // train: [1, 0.5], [0.25, 0.2], then a lone 0.1 drawn as a dot; test: one line.
        #expect(svg.count("polyline") == 3)
        #expect(svg.count("circle") == 1)
        #expect(svg.attributes("polyline").map { $0["points"]!.split(separator: " ").count } == [2, 2, 7])
        #expect(svg.texts.contains("Loss <train & test>"))
        #expect(svg.texts.contains("epoch") && svg.texts.contains("loss"))
        #expect(svg.texts.contains("train") && svg.texts.contains("test"))
        #expect(["1", "2", "3", "4", "5", "6", "7"].allSatisfy { svg.texts.contains($0) })
        #expect(svg.markup.contains("Loss &lt;train &amp; test&gt;"))
    }

    @Test("A fixed y range sets the y ticks; points outside it are clipped")
    func lineChartFixedRange() throws {
        let chart = LineChart(yRange: 0...1, series: [.init("accuracy", values: [0.5, 0.9, 1.2])])
        let svg = try SVGSummary(chart.svg())
        #expect(["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"].allSatisfy { svg.texts.contains($0) })
        #expect(!svg.texts.contains("1.2"))
        #expect(svg.count("clipPath") == 1)
    }

    @Test("Line charts of empty, single, equal and non-finite data render", arguments: [
        [], [(1.0, 2.0)], [(1, 3), (2, 3), (3, 3)], [(.nan, 1), (2, .infinity), (-.infinity, .nan)],
        [(0, 1e308), (1, -1e308)], [(1e-300, 0), (2e-300, 1)],
    ] as [[(Double, Double)]])
    func lineChartOddData(points: [(Double, Double)]) throws {
        for series in [[], [LineChart.Series("only", points: points.map { (x: $0.0, y: $0.1) })]] {
            let chart = LineChart(title: "odd", series: series)
            let svg = try SVGSummary(chart.svg(width: 300, height: 200))
            #expect(svg.markup.contains("nan") == false && svg.markup.contains("inf") == false)
            let finite = points.filter { $0.0.isFinite && $0.1.isFinite }.count
            #expect(svg.count("polyline") + svg.count("circle") == (series.isEmpty ? 0 : (finite > 1 ? 1 : finite)))
        }
    }

    @Test("A logarithmic y axis leaves out values that are not positive")
    func logarithmicLineChart() throws {
        let chart = LineChart(yScale: .logarithmic, series: [.init("loss", values: [1, 0.1, 0, 0.01, -1, 0.001, 0.002])])
        let svg = try SVGSummary(chart.svg())
        // Lines through [1, 0.1] and [0.001, 0.002], and a dot for the lone 0.01.
        #expect(svg.count("polyline") == 2 && svg.count("circle") == 1)
        #expect(["0.001", "0.01", "0.1", "1"].allSatisfy { svg.texts.contains($0) })
        let fixed = LineChart(yRange: 0...1, yScale: .logarithmic, series: [.init("loss", values: [0.5, 0.2])])
        #expect(try SVGSummary(fixed.svg()).texts.contains("0.2"))
    }

    @Test("A chart drawn into a tiny frame still gives well-formed markup")
    func tinyFrame() throws {
        let chart = LineChart(title: "a long title for a tiny chart", series: [.init("s", values: [1, 2])])
        let svg = try SVGSummary(chart.svg(width: 10, height: 5))
        #expect(svg.count("polyline") == 1)
    }

    // MARK: Decision boundaries

    @Test("A decision boundary draws a cell per grid entry and a circle per point")
    func decisionBoundary() throws {
        let points = Self.moons(count: 40)
        let chart = DecisionBoundaryChart(title: "moons", points: points, classNames: ["red", "blue"], resolution: 20) { x, y in
            Self.kernelScore(x, y, points: points)
        }
        let svg = try SVGSummary(chart.svg())
        #expect(svg.count("rect") == 1 + 20 * 20 + 1 + 2)  // background, cells, frame, two clip rectangles
        #expect(svg.count("circle") == 40 + 2)  // points and legend dots
        #expect(svg.texts.contains("red") && svg.texts.contains("blue") && svg.texts.contains("moons"))
        // Both classes appear among the cells.
        let fills = Set(svg.attributes("rect").compactMap { $0["fill"] })
        #expect(fills.count > 5)
    }

    @Test("A K-class grid colours cells by class and labels every class")
    func decisionBoundaryClasses() throws {
        let grid = [[0, 1, 2], [2, 1, 0]]
        let chart = DecisionBoundaryChart(xRange: 0...3, yRange: 0...2, grid: .classes(grid),
                                          points: [.init(x: 0.5, y: 0.5, label: 0), .init(x: .nan, y: 1, label: 1)])
        let svg = try SVGSummary(chart.svg())
        #expect(svg.count("circle") == 1 + 3)
        #expect(["class 0", "class 1", "class 2"].allSatisfy { svg.texts.contains($0) })
        let cellFills = svg.attributes("rect").compactMap { $0["fill"] }.filter { $0 != "none" }
        #expect(Set(cellFills).count == 1 + 3)  // the background, and a colour per class
    }

    @Test("Decision boundaries of empty, ragged and non-finite grids render", arguments: [
        DecisionBoundaryChart.Grid.scores([]), .scores([[.nan, .infinity], [-.infinity]]), .scores([[0, 0], [0, 0]]),
        .classes([[]]), .classes([[-1, 5]]), .scores([[1]], threshold: .nan),
    ])
    func decisionBoundaryOddGrids(grid: DecisionBoundaryChart.Grid) throws {
        let chart = DecisionBoundaryChart(xRange: 0...0, yRange: -1...1, grid: grid, points: [])
        let svg = try SVGSummary(chart.svg(width: 300, height: 300))
        #expect(svg.count("svg") == 1)
    }

    @Test("Scores sampled at grid nodes are drawn as the cells around the nodes")
    func decisionBoundaryNodes() throws {
        let xs = [0.0, 1, 2, 3], ys = [10.0, 20]
        let chart = DecisionBoundaryChart(xs: xs, ys: ys, scores: [[-1, -1, 1, 1], [-1, 1, 1, 1]], points: [])
        #expect(chart.xRange == -0.5...3.5)
        #expect(chart.yRange == 5...25)
        #expect(try SVGSummary(chart.svg()).count("rect") == 1 + 8 + 1 + 2)
        // A single node, or none, still gives a usable region.
        let single = DecisionBoundaryChart(xs: [10], ys: [.nan], scores: [[0]], points: [])
        #expect(single.xRange == 9.5...10.5)
        #expect(single.yRange == DecisionBoundaryChart.region(around: []).y)
    }

    @Test("The region around points is their padded bounding box")
    func region() {
        let region = DecisionBoundaryChart.region(around: [.init(x: 0, y: 0, label: 0), .init(x: 10, y: 5, label: 1)])
        #expect(region.x == -1...11)
        #expect(region.y == -0.5...5.5)
        let empty = DecisionBoundaryChart.region(around: [.init(x: .nan, y: 1, label: 0)])
        #expect(empty.x.lowerBound < empty.x.upperBound)
    }

    // MARK: Confusion matrices

    @Test("A confusion matrix draws K×K cells with their counts and the accuracy in the title")
    func confusionMatrix() throws {
        let chart = ConfusionMatrixChart(counts: [[50, 0, 0], [0, 47, 3], [0, 2, 48]], classNames: ["setosa", "versicolor", "virginica"])
        #expect(chart.accuracy == 145.0 / 150)
        let svg = try SVGSummary(chart.svg(width: 420, height: 420))
        #expect(svg.count("rect") == 1 + 9 + 1)  // background, cells, frame
        #expect(svg.texts.contains("Confusion matrix · accuracy 96.7%"))
        #expect(svg.texts.filter { $0 == "setosa" }.count == 2)
        #expect(svg.texts.contains("true") && svg.texts.contains("predicted"))
        for count in ["50", "47", "3", "2", "48"] { #expect(svg.texts.contains(count)) }
        // Full-row cells are dark with white counts; others have dark counts, grey for zeros.
        let fill = { (count: String) in svg.elements.first { $0.name == "text" && $0.text == count }?.attributes["fill"] }
        #expect(fill("50") == "#ffffff")
        #expect(fill("3") == SVGColor.ink.hexString)
        #expect(fill("0") == "#aaaaaa")
    }

    @Test("Tallying labels counts pairs into the right cells")
    func confusionFromLabels() {
        let chart = ConfusionMatrixChart(trueLabels: [0, 0, 1, 1, 2, -1], predictedLabels: [0, 1, 1, 1, 0, 0])
        #expect(chart.counts == [[1, 1, 0], [0, 2, 0], [1, 0, 0]])
        #expect(chart.accuracy == 0.6)
    }

    @Test("Confusion matrices of no classes, no samples, ragged, negative and many classes render", arguments: [
        [], [[0, 0], [0, 0]], [[1], [2, 3, 4]], [[-5, 2], [1, Int.max]], Array(repeating: Array(repeating: 3, count: 30), count: 30),
    ] as [[[Int]]])
    func confusionOddCounts(counts: [[Int]]) throws {
        let names = ["a class with a rather long name", "b"]
        let svg = try SVGSummary(ConfusionMatrixChart(counts: counts, classNames: names).svg(width: 300, height: 300))
        #expect(svg.count("svg") == 1)
    }

    // MARK: Figures

    @Test("A figure lays panels out in a grid and draws each into its rectangle")
    func figure() throws {
        let loss = LineChart(title: "loss", series: [.init("train", values: [1, 0.5])])
        let matrix = ConfusionMatrixChart(counts: [[1, 0], [0, 1]])
        let figure = Figure(title: "run", columns: 2, panels: [loss, loss, matrix])
        #expect(figure.rows == 2)
        let frames = figure.panelFrames(in: PlotRect(x: 0, y: 0, width: 800, height: 600))
        #expect(frames.count == 3)
        #expect(frames[1].minX == 400 && frames[2].minY == frames[0].maxY)
        let document = figure.document(panelWidth: 400, panelHeight: 300)
        #expect(document.width == 800)
        let svg = try SVGSummary(document.markup)
        #expect(svg.count("polyline") == 2)
        #expect(svg.texts.filter { $0 == "loss" }.count == 2)
        #expect(try SVGSummary(Figure(panels: []).svg()).count("svg") == 1)
    }

    // MARK: Samples

    /// Writes sample charts to the folder in `NABLA_PLOT_SAMPLES` for looking at (with
    /// `rsvg-convert` to PNG, say); skipped otherwise.
    @Test("Sample charts", .enabled(if: ProcessInfo.processInfo.environment["NABLA_PLOT_SAMPLES"] != nil))
    func samples() throws {
        let folder = ProcessInfo.processInfo.environment["NABLA_PLOT_SAMPLES"]!
        let epochs = 40
        let trainLoss = (0..<epochs).map { 0.7 * exp(-Double($0) / 8) + 0.03 + 0.01 * sin(Double($0)) }
        let testLoss = (0..<epochs).map { 0.75 * exp(-Double($0) / 9) + 0.06 }
        let trainAccuracy = trainLoss.map { 1 - $0 * 0.6 }
        let testAccuracy = testLoss.map { 1 - $0 * 0.65 }
        let loss = LineChart(title: "Loss", xLabel: "epoch", yLabel: "loss",
                             series: [.init("train", values: trainLoss), .init("test", values: testLoss)])
        let logLoss = LineChart(title: "Loss (log scale)", xLabel: "epoch", yLabel: "loss", yScale: .logarithmic,
                                series: [.init("train", values: trainLoss.map { $0 * $0 }), .init("test", values: testLoss)])
        let accuracy = LineChart(title: "Accuracy", xLabel: "epoch", yLabel: "accuracy", yRange: 0.5...1,
                                 series: [.init("train", values: trainAccuracy), .init("test", values: testAccuracy)])
        let points = Self.moons(count: 100)
        let boundary = DecisionBoundaryChart(title: "Decision boundary", xLabel: "x₁", yLabel: "x₂", points: points,
                                             classNames: ["class −1", "class +1"]) { x, y in
            Self.kernelScore(x, y, points: points)
        }
        let classes = DecisionBoundaryChart(title: "Nearest centre, 3 classes", points: points.map {
            .init(x: $0.x, y: $0.y, label: $0.x < 0 ? 2 : $0.label)
        }, resolution: 60) { x, y in x < 0 ? 2 : (y > 0.25 ? 0 : 1) }
        let confusion = ConfusionMatrixChart(counts: [[50, 0, 0], [0, 47, 3], [0, 2, 48]],
                                             classNames: ["setosa", "versicolor", "virginica"])
        let digits = ConfusionMatrixChart(title: "Digits", counts: (0..<10).map { t in (0..<10).map { p in t == p ? 90 + t : (t + p) % 7 == 0 ? 3 : 0 } },
                                          classNames: (0..<10).map { "digit \($0)" })
        let odd = LineChart(title: "Odd data: gaps, a lone point & <escapes>", xLabel: "x", yLabel: "y", series: [
            .init("with gaps", values: [1, 2, .nan, 3, 4, .infinity, 2, .nan, 5, 6]),
            .init("all equal", values: [3, 3, 3, 3, 3, 3, 3, 3, 3, 3]),
            .init("empty", points: []),
            .init("a series with quite a long name", values: [2.5], firstX: 5),
        ])
        let samples: [(String, SVGDocument)] = [
            ("loss", loss.document(width: 480, height: 320)),
            ("accuracy", accuracy.document(width: 480, height: 320)),
            ("log-loss", logLoss.document(width: 480, height: 320)),
            ("boundary", boundary.document(width: 480, height: 440)),
            ("classes", classes.document(width: 480, height: 440)),
            ("confusion", confusion.document(width: 420, height: 420)),
            ("digits", digits.document(width: 520, height: 520)),
            ("odd", odd.document(width: 480, height: 320)),
            ("slanted", ConfusionMatrixChart(title: "Long names", counts: [[5, 1, 0, 0], [2, 7, 1, 0], [0, 0, 9, 1], [0, 0, 0, 0]],
                                             classNames: ["Iris setosa", "Iris versicolor", "Iris virginica", "unknown"])
                .document(width: 300, height: 320)),
            ("small", Figure(columns: 3, panels: [loss, boundary, confusion]).document(panelWidth: 240, panelHeight: 200)),
            ("figure", Figure(title: "moons · MLP 2-16-16-1 · 40 epochs", panels: [loss, accuracy, boundary])
                .document(panelWidth: 420, panelHeight: 380)),
            ("grid", Figure(columns: 2, panels: [loss, accuracy, confusion, boundary]).document(panelWidth: 400, panelHeight: 360)),
        ]
        for (name, document) in samples { try document.write(to: folder + "/" + name + ".svg") }
    }

    // MARK: Helpers

    /// Two interleaved half circles with a little noise, labelled 0 and 1 (a deterministic
    /// version of scikit-learn's `make_moons`).
    static func moons(count: Int) -> [DecisionBoundaryChart.Sample] {
        var state: UInt64 = 42
        func noise() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return (Double(state >> 11) / Double(1 << 53) - 0.5) * 0.3
        }
        return (0..<count).map { i in
            let t = Double(i / 2) / Double(Swift.max(1, count / 2 - 1)) * Double.pi
            return i % 2 == 0
                ? .init(x: cos(t) + noise(), y: sin(t) + noise(), label: 0)
                : .init(x: 1 - cos(t) + noise(), y: 0.5 - sin(t) + noise(), label: 1)
        }
    }

    /// A smooth two-class score: a Gaussian kernel vote of the points, positive near class 1.
    static func kernelScore(_ x: Double, _ y: Double, points: [DecisionBoundaryChart.Sample]) -> Double {
        points.reduce(0) { sum, p in
            sum + (p.label == 1 ? 1 : -1) * exp(-((x - p.x) * (x - p.x) + (y - p.y) * (y - p.y)) / 0.08)
        }
    }
}

/// An SVG document parsed with Foundation's XML parser: parsing throws unless the markup is
/// well-formed, and the elements, attributes and text are kept for checks.
struct SVGSummary {
    struct Element {
        var name: String
        var attributes: [String: String]
        var text = ""
    }

    let markup: String
    private(set) var elements: [Element] = []

    init(_ markup: String) throws {
        self.markup = markup
        let delegate = Collector()
        let parser = XMLParser(data: Data(markup.utf8))
        parser.delegate = delegate
        guard parser.parse() else { throw parser.parserError ?? CocoaError(.fileReadCorruptFile) }
        elements = delegate.elements
    }

    var root: String? { elements.first?.name }

    func count(_ name: String) -> Int {
        elements.filter { $0.name == name }.count
    }

    func attributes(_ name: String) -> [[String: String]] {
        elements.filter { $0.name == name }.map(\.attributes)
    }

    /// The content of every `text` element, in document order.
    var texts: [String] {
        elements.filter { $0.name == "text" }.map(\.text)
    }

    private final class Collector: NSObject, XMLParserDelegate {
        var elements: [Element] = []
        var open: [Int] = []

        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                    attributes: [String: String] = [:]) {
            open.append(elements.count)
            elements.append(Element(name: name, attributes: attributes))
        }

        func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
            open.removeLast()
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) {
            if let last = open.last, elements[last].name == "text" { elements[last].text += string }
        }
    }
}
