// A whole SVG picture: its size, a white background, a readable font, and the elements on it.

/// An SVG document built from ``SVGElement``s: a picture of a fixed size in user units (the
/// view box matches the size, so one unit is one pixel at 100%).
///
/// ```swift
/// var document = SVGDocument(width: 200, height: 100)
/// document.append(.circle(center: SVGPoint(x: 100, y: 50), radius: 20, style: .filled(Palette.color(0))))
/// let markup = document.markup
/// ```
public struct SVGDocument: Hashable, Sendable {
    public var width: Double
    public var height: Double
    /// Painted behind everything; `nil` for a transparent picture.
    public var background: SVGColor?
    /// A CSS font-family list that every viewer can satisfy.
    public var fontFamily: String
    public var elements: [SVGElement]

    public init(width: Double, height: Double, background: SVGColor? = .white,
                fontFamily: String = "Helvetica, Arial, 'DejaVu Sans', 'Liberation Sans', sans-serif",
                elements: [SVGElement] = []) {
        self.width = width.isFinite ? Swift.max(1, width) : 640
        self.height = height.isFinite ? Swift.max(1, height) : 480
        self.background = background
        self.fontFamily = fontFamily
        self.elements = elements
    }

    /// The rectangle of the whole picture.
    public var bounds: PlotRect {
        PlotRect(x: 0, y: 0, width: width, height: height)
    }

    public mutating func append(_ element: SVGElement) {
        elements.append(element)
    }

    public mutating func append(contentsOf elements: [SVGElement]) {
        self.elements.append(contentsOf: elements)
    }
}

extension SVGDocument {
    /// Writes the document's markup to `path` with an ``AtomicFileWriter``: only a regular
    /// file or a new path is written (a device, FIFO, directory or socket is an error and is
    /// left alone), atomically, and a failed write leaves `path` as it was and no temporary
    /// file.
    public func write(to path: String) throws(FileWriteError) {
        try AtomicFileWriter.write(Array(markup.utf8), to: path)
    }
}
