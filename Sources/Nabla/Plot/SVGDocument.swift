// A whole SVG picture: its size, a white background, a readable font, and the elements on it.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

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

/// Why an SVG file could not be written.
public struct SVGWriteError: Error, CustomStringConvertible, Sendable {
    public var path: String
    /// The C library's error number.
    public var code: Int32

    public var description: String {
        "cannot write \(path): \(String(cString: strerror(code)))"
    }
}

extension SVGDocument {
    /// Writes the document's markup to a file, replacing it if it exists.
    public func write(to path: String) throws(SVGWriteError) {
        guard let file = fopen(path, "w") else { throw SVGWriteError(path: path, code: errno) }
        let bytes = Array(markup.utf8)
        let written = bytes.withUnsafeBufferPointer { fwrite($0.baseAddress, 1, $0.count, file) }
        let failed = written != bytes.count
        let code = errno
        if fclose(file) != 0 || failed { throw SVGWriteError(path: path, code: failed ? code : errno) }
    }
}
