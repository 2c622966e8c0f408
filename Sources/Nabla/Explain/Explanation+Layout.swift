// Sizes of a view's nodes on the page, and their places from Nabla's layered layout.

extension Explanation.View {
    /// The page's font size for a node's lines, in pixels.
    static let fontSize = 13.0
    /// The widest a node is drawn; longer text is cut with `…` on the page (the inspector shows
    /// all of it).
    static let maximumNodeWidth = 360.0

    /// The view with every node sized for its lines (its text, its value, and its gradient when
    /// the view has a backward pass) and placed by ``LayeredLayout``, inputs in the first column.
    /// Every edge must go from an earlier node to a later one.
    func laidOut(output: String) -> Self {
        var view = self
        let index = Dictionary(nodes.enumerated().map { ($1.id, $0) }, uniquingKeysWith: { first, _ in first })
        let hasGradients = steps.contains { $0.phase == .backward }
        let n = NumberFormat.shortest
        let sizes = nodes.map { node -> LayeredLayout.Size in
            var lines = [node.text, "value " + n(node.value)]
            if hasGradients { lines.append("d\(output)/d\(node.label) = " + (node.gradient.map(n) ?? "none")) }
            // The estimates are for Helvetica; the first line is bold, and the page's fonts (DejaVu
            // Sans on Linux) run wider: room is left for both.
            let widest = lines.enumerated().map { TextMetrics.width(of: $1, size: Self.fontSize) * ($0 == 0 ? 1.32 : 1.2) }.max() ?? 0
            return LayeredLayout.Size(width: Swift.min(Self.maximumNodeWidth, Swift.max(60, widest + 28)),
                                      height: hasGradients ? 62 : 46)
        }
        var pairs: [(from: Int, to: Int)] = []
        var labelWidths: [Double] = []
        var edgeOfPair: [[Int]: Int] = [:]
        for edge in edges {
            let pair = [index[edge.from]!, index[edge.to]!]
            let label = hasGradients ? edge.partial.map { TextMetrics.width(of: $0, size: 12) * 1.2 } ?? 0 : 0
            if let k = edgeOfPair[pair] {
                labelWidths[k] = Swift.max(labelWidths[k], label)
            } else {
                edgeOfPair[pair] = pairs.count
                pairs.append((pair[0], pair[1]))
                labelWidths.append(label)
            }
        }
        let inputs = nodes.indices.filter { nodes[$0].kind == .input }
        let layout = LayeredLayout(sizes: sizes, edges: pairs, leftAligned: inputs, labelWidths: labelWidths)
        for k in view.nodes.indices {
            view.nodes[k].origin = layout.origins[k]
            view.nodes[k].size = sizes[k]
        }
        for k in view.edges.indices {
            view.edges[k].path = layout.edgePaths[edgeOfPair[[index[edges[k].from]!, index[edges[k].to]!]]!]
        }
        view.width = layout.width
        view.height = layout.height
        return view
    }
}
