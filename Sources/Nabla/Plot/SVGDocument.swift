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
    /// The picture's width in user units (and the view box's).
    public var width: Double
    /// The picture's height in user units (and the view box's).
    public var height: Double
    /// Painted behind everything; `nil` for a transparent picture.
    public var background: SVGColor?
    /// A CSS font-family list that every viewer can satisfy.
    public var fontFamily: String
    /// What is drawn, in painting order (later elements on top).
    public var elements: [SVGElement]

    /// An empty picture of the given size; a size below 1 becomes 1, and a non-finite width or
    /// height becomes 640 or 480.
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

    /// Adds `element` on top of those already drawn.
    public mutating func append(_ element: SVGElement) {
        elements.append(element)
    }

    /// Adds `elements`, in order, on top of those already drawn.
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
