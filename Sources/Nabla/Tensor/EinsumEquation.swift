// The parser of einsum's notation (torch.einsum's): an equation such as "bij,bjk->bik" read into
// lists of labels, one per operand and one for the output, with the ellipsis expanded and every
// label's size checked against the operands' shapes. `einsum` (Tensor+Einsum.swift) computes
// with the result.

/// An einsum equation, parsed: the labels of each operand and of the output.
///
/// A label is a number: 0–25 are `a`–`z`, 26–51 are `A`–`Z` (PyTorch's order, which sorts the
/// implicit output), and ``ellipsis`` marks where an operand's `...` stands until the shapes say
/// how many axes it covers. Malformed equations are programmer errors and stop, naming the
/// equation; shapes that do not fit the equation are reported by ``labelling(shapes:)``.
struct EinsumEquation {
    typealias Label = Int

    /// The marker of `...` in ``operands`` and ``output``.
    static let ellipsis: Label = -1
    /// Labels from here on stand for the axes the ellipsis covers, leftmost first.
    static let firstEllipsisAxis: Label = 52

    /// The equation as written.
    let text: String
    /// Each operand's labels, in axis order, `...` as ``ellipsis``; a label may repeat.
    let operands: [[Label]]
    /// The output's labels after `->`, or nil when the equation has no arrow.
    let output: [Label]?

    /// Parses `equation` for `operandCount` operands. Spaces are ignored. Stops (a programmer
    /// error) on a character that is not a letter, `,`, `.`, `->` or a space, on a `.` outside an
    /// ellipsis, on two ellipses in one term, on an output label repeated or found in no operand,
    /// and on a number of terms other than `operandCount`.
    init(_ equation: String, operandCount: Int) {
        text = equation
        let characters = Array(equation.unicodeScalars.filter { $0 != " " })
        var left = characters[...], right: ArraySlice<Unicode.Scalar>? = nil
        if let arrow = (0..<Swift.max(characters.count - 1, 0)).first(where: { characters[$0] == "-" && characters[$0 + 1] == ">" }) {
            left = characters[..<arrow]
            right = characters[(arrow + 2)...]
        }
        var terms: [[Label]] = [[]]
        var k = left.startIndex
        while k < left.endIndex {
            if left[k] == "," {
                terms.append([])
                k += 1
            } else {
                let (label, next) = Self.label(in: left, at: k, equation: equation, place: "operand \(terms.count - 1)")
                terms[terms.count - 1].append(label)
                k = next
            }
        }
        for (n, term) in terms.enumerated() {
            require(term.filter { $0 == Self.ellipsis }.count <= 1, "einsum(\"\(equation)\"): operand \(n) has more than one ellipsis (...)")
        }
        require(terms.count == operandCount,
                "einsum(\"\(equation)\"): the equation has \(terms.count) operand\(terms.count == 1 ? "" : "s") but \(operandCount) \(operandCount == 1 ? "was" : "were") given")
        operands = terms

        if let right {
            var labels: [Label] = []
            var k = right.startIndex
            while k < right.endIndex {
                require(right[k] != ",", "einsum(\"\(equation)\"): ',' in the output (after ->)")
                let (label, next) = Self.label(in: right, at: k, equation: equation, place: "the output")
                if label == Self.ellipsis {
                    require(!labels.contains(Self.ellipsis), "einsum(\"\(equation)\"): the output has more than one ellipsis (...)")
                } else {
                    let name = Self.name(of: label)
                    require(!labels.contains(label), "einsum(\"\(equation)\"): output label \(name) appears more than once")
                    require(terms.contains { $0.contains(label) }, "einsum(\"\(equation)\"): output label \(name) appears in no operand")
                }
                labels.append(label)
                k = next
            }
            output = labels
        } else {
            output = nil
        }
    }

    /// The label at `k` (a letter, or `...`) and the position after it; stops on anything else.
    private static func label(in characters: ArraySlice<Unicode.Scalar>, at k: Int, equation: String, place: String) -> (Label, Int) {
        let c = characters[k]
        if c == "." {
            let isEllipsis = k + 2 < characters.endIndex && characters[k + 1] == "." && characters[k + 2] == "."
            require(isEllipsis, "einsum(\"\(equation)\"): a '.' in \(place) that is not part of an ellipsis (...)")
            return (ellipsis, k + 3)
        }
        switch c.value {
        case 97...122: return (Int(c.value) - 97, k + 1)        // a–z
        case 65...90: return (Int(c.value) - 65 + 26, k + 1)    // A–Z
        default:
            requirementFailed("einsum(\"\(equation)\"): '\(c)' in \(place) is not a label (labels are the letters a–z and A–Z)")
        }
    }

    /// The letter a label is written with, or how an ellipsis axis is described.
    static func name(of label: Label) -> String {
        switch label {
        case 0..<26: String(UnicodeScalar(UInt8(97 + label)))
        case 26..<52: String(UnicodeScalar(UInt8(65 + label - 26)))
        default: "... (axis \(label - firstEllipsisAxis))"
        }
    }

    /// The equation applied to operands of the given shapes: each operand's labels with the
    /// ellipsis expanded into ellipsis-axis labels (right-aligned, as NumPy broadcasting aligns
    /// them), the output's labels (implicit: the ellipsis axes, then the labels used exactly
    /// once, a–z before A–Z), and each label's size (a size 1 broadcasts against any other).
    struct Labelling {
        /// Each operand's labels, one per axis (a label repeated in an operand repeats here).
        var operands: [[Label]]
        /// The output's labels, one per axis.
        var output: [Label]
        /// Each label's size, the largest over the operands (the others are equal or 1).
        var sizes: [Label: Int]
    }

    /// The labelling for operands of `shapes`, or the error when the shapes do not fit: a term
    /// with more or fewer labels than its operand has axes, a label repeated in one operand over
    /// axes of different sizes, or a label (or ellipsis axis) whose sizes differ and are not 1.
    func labelling(shapes: [Shape]) -> Result<Labelling, TensorShapeError> {
        func failure(_ reason: String) -> Result<Labelling, TensorShapeError> {
            .failure(TensorShapeError(operation: "einsum(\"\(text)\")", shapes: shapes, reason: reason))
        }
        // How many axes each ellipsis covers, and the most any covers.
        var covered = [Int](repeating: 0, count: operands.count)
        for (n, term) in operands.enumerated() {
            let named = term.filter { $0 != Self.ellipsis }.count
            if term.contains(Self.ellipsis) {
                guard named <= shapes[n].rank else {
                    return failure("operand \(n) has \(shapes[n].rank) axes, fewer than the \(named) labels of its term")
                }
                covered[n] = shapes[n].rank - named
            } else if named != shapes[n].rank {
                return failure("operand \(n) has \(shapes[n].rank) axes but its term has \(named) labels (and no ellipsis)")
            }
        }
        let ellipsisRank = covered.max() ?? 0
        let ellipsisLabels = (0..<ellipsisRank).map { Self.firstEllipsisAxis + $0 }

        var labelled: [[Label]] = []
        var sizes: [Label: Int] = [:]
        var seenIn: [Label: Int] = [:]
        for (n, term) in operands.enumerated() {
            var labels: [Label] = []
            for label in term {
                if label == Self.ellipsis { labels += ellipsisLabels.suffix(covered[n]) } else { labels.append(label) }
            }
            var own: [Label: Int] = [:]
            for (axis, label) in labels.enumerated() {
                let size = shapes[n][axis]
                if let first = own[label] {
                    guard first == size else {
                        return failure("label \(Self.name(of: label)) is repeated in operand \(n) over axes of sizes \(first) and \(size)")
                    }
                    continue
                }
                own[label] = size
                if let known = sizes[label], known != size, known != 1, size != 1 {
                    return failure("label \(Self.name(of: label)) has size \(known) in operand \(seenIn[label]!) and \(size) in operand \(n)")
                }
                if sizes[label] == nil || sizes[label] == 1 {
                    sizes[label] = size
                    seenIn[label] = n
                }
            }
            labelled.append(labels)
        }

        var output: [Label] = []
        if let written = self.output {
            for label in written {
                if label == Self.ellipsis { output += ellipsisLabels } else { output.append(label) }
            }
        } else {
            var count = [Int](repeating: 0, count: Self.firstEllipsisAxis)
            for term in operands { for label in term where label != Self.ellipsis { count[label] += 1 } }
            output = ellipsisLabels + (0..<Self.firstEllipsisAxis).filter { count[$0] == 1 }
        }
        return .success(Labelling(operands: labelled, output: output, sizes: sizes))
    }
}
