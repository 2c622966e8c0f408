// What every chart is: something that draws itself into a rectangle, so that one chart can fill
// a document or a panel of a figure.

/// A picture that draws itself into any rectangle: ``LineChart``, ``DecisionBoundaryChart``,
/// ``ConfusionMatrixChart``. ``Figure`` puts several side by side.
public protocol Chart: Sendable {
    /// The chart's elements, laid out to fill `frame` (titles, labels and legend included).
    func draw(in frame: PlotRect) -> [SVGElement]
}

extension Chart {
    /// The chart alone in a document of the given size.
    public func document(width: Double = 640, height: Double = 420) -> SVGDocument {
        var document = SVGDocument(width: width, height: height)
        document.append(contentsOf: draw(in: document.bounds))
        return document
    }

    /// The chart alone as SVG markup.
    public func svg(width: Double = 640, height: Double = 420) -> String {
        document(width: width, height: height).markup
    }
}

/// Sizes shared by the charts, so that panels side by side look alike.
enum ChartStyle {
    static let padding = 12.0
    static let titleSize = 15.0
    static let axisTitleSize = 12.0
    static let tickLabelSize = 11.0
    static let legendSize = 12.0
    static let tickLength = 4.0
}
