// Epilogue fusion, a pass of `TensorGraph.compile`: a matrix product whose result only feeds a
// bias addition and an activation (`relu(x·W + b)`, `tanh(x·Wᵀ + b)`, GELU's primitives) runs
// as one step, the matrix kernel adding the bias and applying the activation to each tile of C
// as it writes it back (FusedMatmul.swift). The intermediates are never stored.
//
// An activation is recognised by its definition (`Activation.callAsFunction`) traced once into
// a pattern of primitives, so a graph built with `relu`, `tanh` or `gelu` matches, and the
// fused step evaluates exactly those primitives: the numbers are the unfused program's, bit for
// bit.
//
// Reverse mode reads relu's input z (`masked(z, seed)`), which would keep z alive and stop the
// fusion. relu(z) > 0 exactly where z > 0 (NaN and −0 included), so such a `masked` may read
// relu(z) instead: the same numbers, and z is then read only by relu. tanh's rule reads its
// output already. GELU's derivative reads z in several places, so in a training step only the
// bias is fused into its product.
//
// Reverse mode's relu mask on a product's result, masked(m, x·Wᵀ) (the gradient flowing back into
// a relu layer), is fused the same way: the kernel zeroes each element of the tile whose mask
// element is not > 0 as it writes the tile, so the product is never stored unmasked and the
// separate pass over it is gone.

/// What a fused product step does after its product: add the value in slot `bias` (unless −1) to
/// each row, before (`biasFirst`) or after C as the graph wrote the sum, then the activation;
/// or, with a `mask` slot (unless −1; then no bias and the identity), masked(mask, C): each
/// element kept where the mask's element at the same place is > 0, else 0.
struct FusedEpilogue {
    var bias: Int32
    var biasFirst: Bool
    var activation: Activation
    var mask: Int32 = -1

    /// The slots the epilogue reads (the bias, the mask).
    var operands: [Int32] { [bias, mask].filter { $0 >= 0 } }
}

/// One primitive of an activation's definition, traced: its operands are −1 for the
/// activation's input or the index of an earlier operation.
struct PatternOperation: Sendable {
    var primitive: Primitive
    var constant: Double
    var x: Int
    var y: Int
}

/// The scalar algebra that traces an activation's definition into `PatternOperation`s.
private struct PatternValue: DifferentiableScalar {
    final class Trace { var operations: [PatternOperation] = [] }
    let trace: Trace
    let index: Int

    static func apply(_ primitive: Primitive, _ x: PatternValue, _ y: PatternValue, constant c: Double) -> PatternValue {
        x.trace.operations.append(PatternOperation(primitive: primitive, constant: c, x: x.index, y: primitive.arity == 2 ? y.index : x.index))
        return PatternValue(trace: x.trace, index: x.trace.operations.count - 1)
    }

    /// A constant node: never produced by an activation's definition, and matched by nothing.
    func constant(_ c: Double) -> PatternValue {
        trace.operations.append(PatternOperation(primitive: .constant, constant: c, x: -2, y: -2))
        return PatternValue(trace: trace, index: trace.operations.count - 1)
    }
}

extension Activation {
    /// This activation's definition as the primitives a graph records for it, the last one its
    /// result (none for the identity).
    var pattern: [PatternOperation] {
        let input = PatternValue(trace: PatternValue.Trace(), index: -1)
        _ = self(input)
        return input.trace.operations
    }
}

/// What epilogue and accumulation fusion did, for the compilation log: the steps each fused step
/// absorbed, and the `masked` steps now reading relu(z) instead of z.
struct EpilogueFusionReport {
    var fused: [(step: Int32, absorbed: [Int32])] = []
    /// Products added to a value in its storage (TensorProgram+AccumulationFusion.swift).
    var accumulated: [(step: Int32, absorbed: [Int32])] = []
    var rewiredMasks: [(step: Int32, from: Int32, to: Int32)] = []
}

extension TensorProgram {
    /// Fuses each matrix product with the bias addition and activation that alone read its
    /// result (see the top of this file), in `steps` whose values have `shapes`; `outputs` (and
    /// the values loops read) stay computed.
    static func fusingEpilogues(_ steps: [Step], shapes: [Shape], outputs: [Int32]) -> (steps: [Step], report: EpilogueFusionReport) {
        var fusion = EpilogueFusion(steps: steps, shapes: shapes, outputs: outputs)
        for k in fusion.steps.indices {
            for activation in [Activation.relu, .tanh, .gelu, .geluTanh] where fusion.fuseActivation(activation, at: k) { break }
        }
        for k in fusion.steps.indices { fusion.fuseBias(at: k) }
        for k in fusion.steps.indices { fusion.fuseMask(at: k) }
        return (fusion.steps, fusion.report)
    }
}

/// The pass's state: the steps being rewritten and how many steps read each value.
private struct EpilogueFusion<Scalar: TensorScalar> {
    typealias Step = TensorProgram<Scalar>.Step
    var steps: [Step]
    let shapes: [Shape]
    /// Readers of each value (a step reading it twice counts once; outputs count as two).
    var readers: [Int]
    var report = EpilogueFusionReport()
    /// Each activation's definition, traced.
    let patterns = Dictionary(uniqueKeysWithValues: Activation.allCases.map { ($0, $0.pattern) })

    init(steps: [Step], shapes: [Shape], outputs: [Int32]) {
        self.steps = steps
        self.shapes = shapes
        readers = [Int](repeating: 0, count: steps.count)
        for step in steps {
            for operand in Set([step.x, step.y] + (step.epilogue?.operands ?? [])) where operand >= 0 { readers[Int(operand)] += 1 }
        }
        for o in outputs { readers[Int(o)] += 2 }
    }

    /// Whether step `k` computes a plain operation that a fusion may absorb or extend.
    func isPlain(_ k: Int) -> Bool {
        let step = steps[k]
        return !step.isInput && step.constant == nil && !step.isFused && step.chain < 0 && step.loop < 0 && step.epilogue == nil
            && step.accumulation == nil
    }

    /// Whether step `k` is a product whose operands have at least 2 axes.
    func isProduct(_ k: Int) -> Bool {
        guard isPlain(k), case .matmul = steps[k].operation else { return false }
        return shapes[Int(steps[k].x)].rank >= 2 && shapes[Int(steps[k].y)].rank >= 2
    }

    /// Matches `activation`'s pattern ending at step `root`: the steps it maps to (the root
    /// last) and its input, provided every step but the root is read only within the pattern.
    func match(_ activation: Activation, at root: Int) -> (steps: [Int], input: Int, inputReads: Int)? {
        guard let pattern = patterns[activation], !pattern.isEmpty else { return nil }
        var slot = [Int](repeating: -1, count: pattern.count)
        var input = -1
        slot[pattern.count - 1] = root
        var reads = [Int](repeating: 0, count: pattern.count), inputReads = 0
        for i in stride(from: pattern.count - 1, through: 0, by: -1) {
            let operation = pattern[i], k = slot[i]
            guard k >= 0, isPlain(k), case .elementwise(let p, let c) = steps[k].operation,
                  p == operation.primitive, c == operation.constant else { return nil }
            let operands = p.arity == 2 ? [(operation.x, Int(steps[k].x)), (operation.y, Int(steps[k].y))] : [(operation.x, Int(steps[k].x))]
            for (j, (patternOperand, operand)) in operands.enumerated() {
                if j == 1 && operands[0] == operands[1] { break }   // x·x reads its operand once
                if patternOperand == -1 {
                    guard input == -1 || input == operand else { return nil }
                    input = operand
                    inputReads += 1
                } else {
                    guard slot[patternOperand] == -1 || slot[patternOperand] == operand else { return nil }
                    slot[patternOperand] = operand
                    reads[patternOperand] += 1
                }
            }
        }
        guard Set(slot).count == slot.count, !slot.contains(input) else { return nil }
        for i in 0..<pattern.count - 1 where readers[slot[i]] != reads[i] { return nil }
        return (slot, input, inputReads)
    }

    /// The product and bias a sum at step `k` adds, if it adds a row bias to a product read by
    /// the sum alone: (product step, bias slot, whether the bias comes first).
    func productPlusBias(at k: Int) -> (product: Int, bias: Int32, biasFirst: Bool)? {
        guard isPlain(k), case .elementwise(.add, _) = steps[k].operation, steps[k].x != steps[k].y else { return nil }
        for (product, bias, biasFirst) in [(steps[k].x, steps[k].y, false), (steps[k].y, steps[k].x, true)] {
            let m = Int(product)
            guard isProduct(m), readers[m] == 1, shapes[m] == shapes[k], case .matmul(_, let tb) = steps[m].operation,
                  FusedProduct.fuses(shapes[Int(steps[m].x)], shapes[Int(steps[m].y)], transposingB: tb, bias: shapes[Int(bias)])
            else { continue }
            return (m, bias, biasFirst)
        }
        return nil
    }

    /// Fuses `activation` ending at step `root` with the product (and bias) computing its input;
    /// returns whether it did.
    mutating func fuseActivation(_ activation: Activation, at root: Int) -> Bool {
        guard let (patternSteps, z, inputReads) = match(activation, at: root) else { return false }
        // Reverse mode's masked(z, seed) may read relu(z) instead (the same mask).
        var rewire: [Int] = []
        if readers[z] != inputReads {
            guard activation == .relu else { return false }
            rewire = steps.indices.filter { j in
                j != root && ([steps[j].x, steps[j].y] + (steps[j].epilogue?.operands ?? [])).contains(Int32(z))
            }
            guard readers[z] - rewire.count == inputReads, rewire.allSatisfy({ j in
                j > root && isPlain(j) && steps[j].operation == .elementwise(.masked, constant: 0) && steps[j].x == Int32(z) && steps[j].y != Int32(z)
            }) else { return false }
        }
        let product: Int, bias: Int32, biasFirst: Bool
        var absorbed = Array(patternSteps.dropLast()) + [z]
        if let sum = productPlusBias(at: z) {
            (product, bias, biasFirst) = sum
            absorbed.insert(product, at: 0)
        } else if isProduct(z) {
            (product, bias, biasFirst) = (z, -1, false)
        } else {
            return false
        }
        for j in rewire {
            report.rewiredMasks.append((Int32(j), Int32(z), Int32(root)))
            steps[j].x = Int32(root)
            readers[z] -= 1
            readers[root] += 1
        }
        replace(root, withProduct: product, epilogue: FusedEpilogue(bias: bias, biasFirst: biasFirst, activation: activation), absorbing: absorbed)
        return true
    }

    /// Fuses a bias sum at step `k` into the product it adds to (no activation).
    mutating func fuseBias(at k: Int) {
        guard let (product, bias, biasFirst) = productPlusBias(at: k) else { return }
        replace(k, withProduct: product, epilogue: FusedEpilogue(bias: bias, biasFirst: biasFirst, activation: .identity), absorbing: [product])
    }

    /// Fuses masked(m, P) at step `k` into the product P it masks, when P is a plain product of
    /// two matrices read by the mask alone and m (another value) has P's shape.
    mutating func fuseMask(at k: Int) {
        guard isPlain(k), case .elementwise(.masked, _) = steps[k].operation else { return }
        let (mask, product) = (Int(steps[k].x), Int(steps[k].y))
        // A product of rank 2 has operands of rank 2 (a batch axis would remain in it).
        guard mask != product, isProduct(product), readers[product] == 1, shapes[product].rank == 2,
              shapes[mask] == shapes[product], shapes[k] == shapes[product] else { return }
        replace(k, withProduct: product, epilogue: FusedEpilogue(bias: -1, biasFirst: false, activation: .identity, mask: Int32(mask)),
                absorbing: [product])
    }

    /// Step `k` becomes `product`'s product with `epilogue`; the `absorbed` steps compute nothing.
    mutating func replace(_ k: Int, withProduct product: Int, epilogue: FusedEpilogue, absorbing absorbed: [Int]) {
        let (operation, x, y) = (steps[product].operation, steps[product].x, steps[product].y)
        for j in absorbed {
            steps[j].isFused = true
            steps[j].x = -1
            steps[j].y = -1
        }
        steps[k].operation = operation
        steps[k].x = x
        steps[k].y = y
        steps[k].epilogue = epilogue
        report.fused.append((Int32(k), absorbed.map(Int32.init).sorted()))
    }
}
