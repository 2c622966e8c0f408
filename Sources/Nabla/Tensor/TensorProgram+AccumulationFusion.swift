// Accumulation fusion, a pass of `TensorGraph.compile`: a matrix product whose result is only
// added to (or subtracted from) a value that dies there, possibly scaled by a constant first —
// t ± P, t ± c·P, P + t, c·P + t — runs as one step that adds each tile of the product to t's
// storage while the tile is in L1 (`NDArray.addProduct`, BLAS's C ← αAB + C). The product is
// never stored. The case it is for: an SGD update compiled into a training step,
// w − 0.01·(xᵀ·δ), where w (a parameter the program updates) dies at its update.
//
// The fused step evaluates the same operations in the same order (the product summed as the
// kernel sums it, then c·P, then t ± that), so the numbers are the unfused program's, bit for bit;
// hence products deeper than the kernel's k-slice (`Matmul.sliceDepth`), summed in one slice
// when fused, are left alone.

/// What a fused accumulation adds its product to: the value in slot `target` (whose storage it
/// writes), the product scaled by `scale` first when `scaled`, and subtracted when `subtracting`.
struct FusedAccumulation {
    var target: Int32
    var scale: Double
    var scaled: Bool
    var subtracting: Bool
}

extension TensorProgram {
    /// Fuses each product added to a value that dies at the sum (see the top of this file) in
    /// `steps` whose values have `shapes`; `outputs` (and the values loops read) stay computed.
    /// What it fused is added to `report`.
    static func fusingAccumulations(_ steps: [Step], shapes: [Shape], outputs: [Int32], report: inout EpilogueFusionReport) -> [Step] {
        var steps = steps
        var readers = [Int](repeating: 0, count: steps.count)
        var lastReader = [Int](repeating: -1, count: steps.count)
        for (k, step) in steps.enumerated() {
            for operand in Set([step.x, step.y, step.accumulation?.target ?? -1] + (step.epilogue?.operands ?? [])) where operand >= 0 {
                readers[Int(operand)] += 1
                lastReader[Int(operand)] = k
            }
        }
        for o in outputs {
            readers[Int(o)] += 2
            lastReader[Int(o)] = steps.count
        }
        func isPlain(_ k: Int) -> Bool {
            let step = steps[k]
            return !step.isInput && step.constant == nil && !step.isFused && step.chain < 0 && step.loop < 0 && step.epilogue == nil && step.accumulation == nil
        }
        /// The product step a term is (or scales by a constant), read by the term alone.
        func product(of term: Int) -> (product: Int, scale: Double?)? {
            var product = term, scale: Double?
            if isPlain(term), case .elementwise(.multiplyConstant, let c) = steps[term].operation, readers[term] == 1 {
                product = Int(steps[term].x)
                scale = c
            }
            guard isPlain(product), case .matmul(let ta, _) = steps[product].operation, readers[product] == 1 else { return nil }
            let (a, b) = (shapes[Int(steps[product].x)], shapes[Int(steps[product].y)])
            guard a.rank == 2, b.rank == 2, (ta ? a[0] : a[1]) <= Matmul.sliceDepth else { return nil }
            return (product, scale)
        }
        for k in steps.indices {
            guard isPlain(k), case .elementwise(let primitive, _) = steps[k].operation,
                  primitive == .add || primitive == .subtract, steps[k].x != steps[k].y else { continue }
            let (x, y) = (Int(steps[k].x), Int(steps[k].y))
            // t ± term, or term + t.
            let candidates = primitive == .add ? [(target: x, term: y), (target: y, term: x)] : [(target: x, term: y)]
            for (target, term) in candidates {
                guard let (p, scale) = product(of: term), lastReader[target] == k, shapes[target] == shapes[k], shapes[p] == shapes[k],
                      !steps[target].isFused, steps[p].x != Int32(target), steps[p].y != Int32(target) else { continue }
                let absorbed = term == p ? [p] : [p, term]
                steps[k].operation = steps[p].operation
                steps[k].x = steps[p].x
                steps[k].y = steps[p].y
                steps[k].accumulation = FusedAccumulation(target: Int32(target), scale: scale ?? 1, scaled: scale != nil,
                                                          subtracting: primitive == .subtract)
                for j in absorbed {
                    steps[j].isFused = true
                    steps[j].x = -1
                    steps[j].y = -1
                }
                report.accumulated.append((Int32(k), absorbed.map(Int32.init).sorted()))
                break
            }
        }
        return steps
    }
}
