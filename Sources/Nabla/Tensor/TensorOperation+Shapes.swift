
extension TensorOperation {
    /// The shape rule: the output's shape for operands of these shapes, or the reason they do
    /// not fit. The static graph checks every node with it as the graph is built.
    public func outputShape(_ x: Shape, _ y: Shape) -> Result<Shape, TensorShapeError> {
        func fail(_ reason: String, _ shapes: [Shape]) -> Result<Shape, TensorShapeError> {
            .failure(TensorShapeError(operation: name, shapes: shapes, reason: reason))
        }
        func reduced(_ axes: [Int]?, _ keep: Bool) -> Result<Shape, TensorShapeError> {
            let all = axes ?? Array(0..<x.rank)
            guard all.allSatisfy({ $0 >= -x.rank && $0 < Swift.max(x.rank, 1) }) else { return fail("axes \(all) out of range", [x]) }
            let set = Set(all.map { $0 < 0 ? $0 + x.rank : $0 })
            return .success(Shape(x.dimensions.enumerated().compactMap { set.contains($0.offset) ? (keep ? 1 : nil) : $0.element }))
        }
        switch self {
        case .leaf, .stopGradient: return .success(x)
        case .elementwise(let p, _):
            guard p.arity == 2 else { return .success(x) }
            return Shape.broadcast(x, y).map { .success($0) } ?? fail("do not broadcast", [x, y])
        case .reduceMaximum(let axes, let keep), .reduceMinimum(let axes, let keep):
            if x.rank > 0, (axes ?? Array(0..<x.rank)).contains(where: { $0 >= -x.rank && $0 < x.rank && x[($0 + x.rank) % x.rank] == 0 }) {
                return fail("takes the \(name) of no elements (an axis of size 0)", [x])
            }
            return reduced(axes, keep)
        case .sum(let axes, let keep), .reduceProduct(let axes, let keep):
            return reduced(axes, keep)
        case .broadcast(let target):
            return Shape.broadcast(x, target) == target ? .success(target) : fail("does not broadcast to \(target)", [x])
        case .reshape(let target):
            return target.count == x.count ? .success(target) : fail("cannot become \(target): \(x.count) ≠ \(target.count) elements", [x])
        case .permute(let p):
            return p.sorted() == Array(0..<x.rank) ? .success(Shape(p.map { x[$0] })) : fail("\(p) is not a permutation of its axes", [x])
        case .matmul(let ta, let tb):
            guard x.rank >= 2 && y.rank >= 2 else { return fail("matmul needs at least 2 axes", [x, y]) }
            let (m, k) = ta ? (x[x.rank - 1], x[x.rank - 2]) : (x[x.rank - 2], x[x.rank - 1])
            let (k2, n) = tb ? (y[y.rank - 1], y[y.rank - 2]) : (y[y.rank - 2], y[y.rank - 1])
            guard k == k2 else { return fail("inner dimensions differ (\(k) ≠ \(k2))", [x, y]) }
            guard let batch = Shape.broadcast(Shape(Array(x.dimensions.dropLast(2))), Shape(Array(y.dimensions.dropLast(2)))) else {
                return fail("batch axes do not broadcast", [x, y])
            }
            return .success(Shape(batch.dimensions + [m, n]))
        case .slice(let ranges):
            guard ranges.count <= x.rank, ranges.enumerated().allSatisfy({ $1.lowerBound >= 0 && $1.upperBound <= x[$0] }) else {
                return fail("box \(ranges) is out of bounds", [x])
            }
            return .success(Shape((0..<x.rank).map { $0 < ranges.count ? ranges[$0].count : x[$0] }))
        case .place(let target, let origin):
            guard origin.count == x.rank, target.rank == x.rank,
                  (0..<x.rank).allSatisfy({ origin[$0] >= 0 && origin[$0] + x[$0] <= target[$0] }) else {
                return fail("does not fit in \(target) at \(origin)", [x])
            }
            return .success(target)
        case .indexSelect(let indices, let axis):
            guard axis >= -x.rank && axis < x.rank else { return fail("axis \(axis) out of range", [x]) }
            let a = axis < 0 ? axis + x.rank : axis
            guard indices.allSatisfy({ $0 >= 0 && $0 < x[a] }) else { return fail("an index is out of range along axis \(axis)", [x]) }
            var dimensions = x.dimensions
            dimensions[a] = indices.count
            return .success(Shape(dimensions))
        case .unfold(let g, _):
            guard x.rank == 4, let (oh, ow) = g.outputSize(height: x[2], width: x[3]) else {
                return fail("a \(g.kernel.height)×\(g.kernel.width) window with padding \(g.padding) does not fit (expected [N, C, H, W])", [x])
            }
            return .success([x[0], x[1] * g.kernel.height * g.kernel.width, oh * ow])
        case .fold(let target, let g):
            guard target.rank == 4, let (oh, ow) = g.outputSize(height: target[2], width: target[3]),
                  x == [target[0], target[1] * g.kernel.height * g.kernel.width, oh * ow] else {
                return fail("patches do not fold into \(target)", [x])
            }
            return .success(target)
        case .maxPool(let g), .routeToPoolMaxima(let g), .pickAtPoolMaxima(let g):
            guard x.rank == 4, let (oh, ow) = g.outputSize(height: x[2], width: x[3]) else {
                return fail("a \(g.kernel.height)×\(g.kernel.width) window with padding \(g.padding) and dilation \(g.dilation) does not fit (expected [N, C, H, W])", [x])
            }
            let pooled: Shape = [x[0], x[1], oh, ow]
            switch self {
            case .routeToPoolMaxima:
                return y == pooled ? .success(x) : fail("expected one value per window, \(pooled)", [x, y])
            case .pickAtPoolMaxima:
                return y == x ? .success(pooled) : fail("expected values of the input's shape", [x, y])
            default:
                return .success(pooled)
            }
        case .indexAdd(let target, let indices, let axis):
            let a = axis < 0 ? axis + target.rank : axis
            guard a >= 0 && a < target.rank, x.rank == target.rank, x[a] == indices.count,
                  indices.allSatisfy({ $0 >= 0 && $0 < target[a] }) else {
                return fail("does not scatter into \(target) along axis \(axis)", [x])
            }
            return .success(target)
        }
    }
}
