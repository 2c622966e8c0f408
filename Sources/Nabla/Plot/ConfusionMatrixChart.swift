// Confusion matrices: how often each true class was predicted as each class, with the overall
// accuracy in the title.

/// A K × K table of counts, rows by true class and columns by predicted class, drawn as cells
/// shaded by the share of their row (so that rare classes read as clearly as common ones), each
/// with its count written in it.
///
/// ```swift
/// let chart = ConfusionMatrixChart(trueLabels: labels, predictedLabels: predictions,
///                                  classNames: ["setosa", "versicolor", "virginica"])
/// try chart.document(width: 420, height: 420).write(to: "confusion.svg")
/// ```
public struct ConfusionMatrixChart: Chart {
    /// `counts[t][p]`: how many samples of true class `t` were predicted as class `p`.
    /// Missing entries of ragged rows count as 0, negative ones too.
    public var counts: [[Int]]
    /// Names by class index; missing names are the index itself.
    public var classNames: [String]
    /// The title, to which the overall accuracy is added.
    public var title: String
    /// The colour of a cell holding its whole row.
    public var color: SVGColor

    /// A chart of given counts.
    public init(title: String = "Confusion matrix", counts: [[Int]], classNames: [String] = [],
                color: SVGColor = Palette.color(0)) {
        self.title = title
        self.counts = counts
        self.classNames = classNames
        self.color = color
    }

    /// The matrix of a classifier's predictions, tallied from pairs of labels. Pairs with a
    /// negative label are skipped; extra elements of the longer array are ignored.
    public init(title: String = "Confusion matrix", trueLabels: [Int], predictedLabels: [Int],
                classNames: [String] = [], color: SVGColor = Palette.color(0)) {
        let pairs = zip(trueLabels, predictedLabels).filter { $0.0 >= 0 && $0.1 >= 0 }
        let k = Swift.max(classNames.count, (pairs.map { Swift.max($0.0, $0.1) }.max() ?? -1) + 1)
        var counts = Array(repeating: Array(repeating: 0, count: k), count: k)
        for (t, p) in pairs { counts[t][p] += 1 }
        self.init(title: title, counts: counts, classNames: classNames, color: color)
    }

    /// The number of classes: rows, columns or names, whichever is most.
    public var classCount: Int {
        Swift.max(counts.count, counts.map(\.count).max() ?? 0, classNames.count)
    }

    /// The count in row `t`, column `p`; 0 outside the matrix or when negative.
    public func count(true t: Int, predicted p: Int) -> Int {
        guard t >= 0, t < counts.count, p >= 0, p < counts[t].count else { return 0 }
        return Swift.max(0, counts[t][p])
    }

    /// The share of samples on the diagonal, or `nil` when there are none.
    public var accuracy: Double? {
        let k = classCount
        var (correct, total) = (0, 0)
        for t in 0..<k {
            for p in 0..<k {
                let (sum, overflow) = total.addingReportingOverflow(count(true: t, predicted: p))
                guard !overflow else { return nil }
                total = sum
                if t == p { correct += count(true: t, predicted: p) }
            }
        }
        return total > 0 ? Double(correct) / Double(total) : nil
    }

    func name(_ index: Int) -> String {
        index < classNames.count ? classNames[index] : String(index)
    }

    /// The title with the accuracy, then the shaded cells with their counts and the class labels.
    public func draw(in frame: PlotRect) -> [SVGElement] {
        let area = frame.inset(by: ChartStyle.padding)
        let (elements, titleHeight) = titleLines(in: area, centredOn: frame.midX)
        guard classCount > 0 else { return elements }
        let layout = Layout(chart: self, area: area.inset(top: titleHeight))
        return elements + layout.cells(of: self) + layout.labels(of: self)
    }

    /// The title and the accuracy on one line when they fit, else on two (the accuracy smaller,
    /// so that a narrow panel still shows it), and the height they take.
    private func titleLines(in area: PlotRect, centredOn x: Double) -> ([SVGElement], Double) {
        let score = accuracy.map { "accuracy " + NumberFormat.percent($0) } ?? (classCount > 0 ? "no samples" : "")
        let titleStyle = SVGTextStyle(size: ChartStyle.titleSize, anchor: .middle, baseline: .top, bold: true)
        let oneLine = [title, score].filter { !$0.isEmpty }.joined(separator: " · ")
        if oneLine.isEmpty { return ([], 0) }
        if title.isEmpty || score.isEmpty
            || TextMetrics.width(of: oneLine, size: ChartStyle.titleSize, bold: true) <= area.width {
            let shown = TextMetrics.shortened(oneLine, toFit: area.width, size: ChartStyle.titleSize, bold: true)
            return ([.text(shown, at: SVGPoint(x: x, y: area.minY), style: titleStyle)], ChartStyle.titleSize + 10)
        }
        let shown = TextMetrics.shortened(title, toFit: area.width, size: ChartStyle.titleSize, bold: true)
        let subtitleY = area.minY + ChartStyle.titleSize + 4
        return ([
            .text(shown, at: SVGPoint(x: x, y: area.minY), style: titleStyle),
            .text(score, at: SVGPoint(x: x, y: subtitleY),
                  style: SVGTextStyle(size: ChartStyle.axisTitleSize, color: .mutedInk, anchor: .middle, baseline: .top)),
        ], ChartStyle.titleSize + ChartStyle.axisTitleSize + 14)
    }
}

extension ConfusionMatrixChart {
    /// Where the matrix, its class names and axis titles go: square cells as large as the area
    /// allows after the names, with column names slanted when they are wider than a cell.
    struct Layout {
        var matrix: PlotRect
        var cell: Double
        var rowNames: [String]
        var columnNames: [String]
        var slanted: Bool
        var nameSize: Double
        var area: PlotRect

        static let axisTitleGap = ChartStyle.axisTitleSize + 8

        init(chart: ConfusionMatrixChart, area: PlotRect) {
            let k = chart.classCount
            self.area = area
            nameSize = k > 12 ? 9 : ChartStyle.tickLabelSize
            let size = nameSize
            let names = (0..<k).map(chart.name)
            rowNames = names.map { TextMetrics.shortened($0, toFit: area.width * 0.3, size: size) }
            let left = Self.axisTitleGap + (rowNames.map { TextMetrics.width(of: $0, size: size) }.max() ?? 0) + 6
            let widest = names.map { TextMetrics.width(of: $0, size: size) }.max() ?? 0
            // First try names written straight under the columns.
            var bottom = size + 8 + Self.axisTitleGap
            var cell = Swift.max(0, Swift.min((area.width - left) / Double(k), (area.height - bottom) / Double(k)))
            slanted = widest > cell - 4
            columnNames = names
            if slanted {
                // Names at 45° need up to 0.71 of their width below the matrix, at most a third
                // of the area.
                let room = Swift.min(widest * 0.71 + size, area.height / 3)
                bottom = room + 6 + Self.axisTitleGap
                cell = Swift.max(0, Swift.min((area.width - left) / Double(k), (area.height - bottom) / Double(k)))
                columnNames = names.map { TextMetrics.shortened($0, toFit: (room - size) / 0.71, size: size) }
            }
            self.cell = cell
            let side = cell * Double(k)
            // Centre the matrix with its names in the width available.
            let x = area.minX + left + Swift.max(0, (area.width - left - side) / 2)
            matrix = PlotRect(x: x, y: area.minY, width: side, height: side)
        }

        func cells(of chart: ConfusionMatrixChart) -> [SVGElement] {
            let k = chart.classCount
            var rects: [SVGElement] = []
            var texts: [SVGElement] = []
            let countSize = Swift.min(14, cell * 0.32)
            for t in 0..<k {
                let row = (0..<k).map { chart.count(true: t, predicted: $0) }
                let total = row.reduce(0.0) { $0 + Double($1) }
                for (p, count) in row.enumerated() {
                    let share = total > 0 ? Double(count) / total : 0
                    let fill = SVGColor.white.mixed(with: chart.color, amount: share)
                    let rect = PlotRect(x: matrix.minX + Double(p) * cell, y: matrix.minY + Double(t) * cell, width: cell, height: cell)
                    rects.append(.rect(rect, style: .filled(fill)))
                    let label = String(count)
                    // Counts are left out of cells too small to read them in.
                    let size = Swift.min(countSize, (cell - 4) / Swift.max(1, TextMetrics.width(of: label, size: 1)))
                    guard size >= 6 else { continue }
                    texts.append(.text(label, at: SVGPoint(x: rect.midX, y: rect.midY),
                                       style: SVGTextStyle(size: size, color: Self.textColor(count: count, on: fill),
                                                           anchor: .middle, baseline: .middle)))
                }
            }
            return [.group(rects, style: SVGStyle(stroke: .white, strokeWidth: 1)),
                    .rect(matrix, style: SVGStyle(stroke: .axis, strokeWidth: 1))] + texts
        }

        /// White on dark cells, dark on light ones, and grey for zeros so that the mistakes
        /// that did happen stand out.
        static func textColor(count: Int, on fill: SVGColor) -> SVGColor {
            if fill.luminance < 0.35 { return .white }
            return count == 0 ? SVGColor(hex: 0xAAAAAA) : .ink
        }

        func labels(of chart: ConfusionMatrixChart) -> [SVGElement] {
            var elements: [SVGElement] = []
            var rowStyle = SVGTextStyle(size: nameSize, color: .mutedInk, anchor: .end, baseline: .middle)
            for (t, name) in rowNames.enumerated() {
                elements.append(.text(name, at: SVGPoint(x: matrix.minX - 6, y: matrix.minY + (Double(t) + 0.5) * cell), style: rowStyle))
            }
            rowStyle.anchor = slanted ? .end : .middle
            rowStyle.baseline = slanted ? .middle : .top
            rowStyle.rotation = slanted ? -45 : 0
            var namesBottom = matrix.maxY + nameSize + 6
            for (p, name) in columnNames.enumerated() {
                let x = matrix.minX + (Double(p) + 0.5) * cell
                let y = matrix.maxY + (slanted ? 8 : 5)
                elements.append(.text(name, at: SVGPoint(x: x, y: y), style: rowStyle))
                if slanted {
                    namesBottom = Swift.max(namesBottom, y + TextMetrics.width(of: name, size: nameSize) * 0.71 + nameSize / 2)
                }
            }
            let axisTitle = SVGTextStyle(size: ChartStyle.axisTitleSize, color: .mutedInk, anchor: .middle, baseline: .top)
            elements.append(.text("predicted", at: SVGPoint(x: matrix.midX, y: namesBottom + 4), style: axisTitle))
            var trueTitle = axisTitle
            trueTitle.rotation = -90
            // Beside the row names rather than at the panel's edge, which may be far off.
            let rowNamesWidth = rowNames.map { TextMetrics.width(of: $0, size: nameSize) }.max() ?? 0
            let x = Swift.max(area.minX, matrix.minX - 6 - rowNamesWidth - Self.axisTitleGap)
            elements.append(.text("true", at: SVGPoint(x: x, y: matrix.midY), style: trueTitle))
            return elements
        }
    }
}
