// Compiled loops of a tensor graph: a loop's body becomes a TensorProgram of its own, whose
// inputs are the step's index, the carries, the elements and the parameters; the program around
// the loop runs it `count` times at the step of the loop's first result needed.

/// A loop of a compiled ``TensorProgram``: its body as a program, and where its operands and
/// results are in the program around it.
struct CompiledTensorLoop<Scalar: TensorScalar> {
    /// Where a body input's value comes from at each step.
    enum Feed { case step, carry(Int), element(Int), capture(Int) }

    let count: Int
    let reversed: Bool
    let body: TensorProgram<Scalar>
    /// One per input of `body`, in its order.
    let feeds: [Feed]
    let carryCount: Int
    /// Values of the program around the loop: the initial carries, the parameters, the sequences
    /// scanned (-1: one whose elements the body does not read), and the guard (-1: none).
    let initialSlots: [Int32]
    let captureSlots: [Int32]
    let sequenceInputSlots: [Int32]
    let guardSlot: Int32
    let runsWhenGuardPositive: Bool
    /// Where the final carries and the stacked per-step outputs go (-1: not needed); the
    /// per-step outputs are the body's outputs after the carries.
    let resultSlots: [Int32]
    let sequenceSlots: [Int32]
    let sequenceShapes: [Shape]
    /// A while loop's condition: the index of the body output (-1: a loop of `count` steps).
    let conditionOutput: Int

    /// The values of the program around the loop that its run reads.
    var operandSlots: [Int32] { (initialSlots + captureSlots + sequenceInputSlots + [guardSlot]).filter { $0 >= 0 } }

    /// Runs the steps, reading the operands from `values` and writing the results into it.
    func run(_ values: inout [NDArray<Scalar>?]) throws(TensorProgramError) {
        var carries = initialSlots.map { values[Int($0)]! }
        if guardSlot >= 0 && (values[Int(guardSlot)]!.scalars.first.map { $0 > 0 } ?? false) != runsWhenGuardPositive {
            for k in 0..<carryCount where resultSlots[k] >= 0 { values[Int(resultSlots[k])] = carries[k] }
            for (j, slot) in sequenceSlots.enumerated() where slot >= 0 { values[Int(slot)] = NDArray.zeros(sequenceShapes[j]) }
            return
        }
        let captures = captureSlots.map { values[Int($0)]! }
        let sequences = sequenceInputSlots.map { $0 >= 0 ? values[Int($0)]!.scalars : [] }
        let elementCounts = sequenceInputSlots.map { $0 >= 0 ? values[Int($0)]!.shape.count / Swift.max(count, 1) : 0 }
        let elementShapes = sequenceInputSlots.map { $0 >= 0 ? Shape(Array(values[Int($0)]!.shape.dimensions.dropFirst())) : [] }
        // Every step of a loop of `count` steps writes its slice of each stacked output: no need
        // to clear them first (a while loop may stop early: zeros).
        var stacked = sequenceShapes.map { shape in
            conditionOutput >= 0 ? [Scalar](repeating: 0, count: shape.count)
                : [Scalar](unsafeUninitializedCapacity: shape.count) { _, initialized in initialized = shape.count }
        }
        let slots = body.inputs.map { Int($0.slot) }
        var t = reversed ? count - 1 : 0
        var steps = 0
        while steps < count || (conditionOutput >= 0 && steps == count) {
            // The body's values, the carries moved in (held there alone, so that the body's
            // elementwise steps can write into them).
            var given = [NDArray<Scalar>?](repeating: nil, count: body.steps.count)
            for (slot, feed) in zip(slots, feeds) {
                switch feed {
                case .step: given[slot] = NDArray(Scalar(t))
                case .carry(let k): given[slot] = carries[k]
                case .capture(let p): given[slot] = captures[p]
                case .element(let j):
                    let m = elementCounts[j]
                    given[slot] = NDArray(shape: elementShapes[j], checkedScalars: Array(sequences[j][t * m..<(t + 1) * m]))
                }
            }
            let before = conditionOutput >= 0 ? carries : []   // a while loop keeps them if it stops here
            carries.removeAll(keepingCapacity: true)
            try body.execute(&given)
            let outputs = body.outputs.map { given[Int($0)]! }
            given.removeAll()
            if conditionOutput >= 0 {
                guard outputs[conditionOutput].scalars.first.map({ $0 > 0 }) ?? false else {
                    carries = before
                    break
                }
                if steps == count { throw .iterationLimit(limit: count) }
            }
            carries = Array(outputs[0..<carryCount])
            for j in stacked.indices {
                let m = outputs[carryCount + j].shape.count
                stacked[j].replaceSubrange(t * m..<(t + 1) * m, with: outputs[carryCount + j].scalars)
            }
            t += reversed ? -1 : 1
            steps += 1
        }
        for k in 0..<carryCount where resultSlots[k] >= 0 { values[Int(resultSlots[k])] = carries[k] }
        for (j, slot) in sequenceSlots.enumerated() where slot >= 0 {
            values[Int(slot)] = NDArray(shape: sequenceShapes[j], checkedScalars: stacked[j])
        }
    }
}

extension TensorGraph {
    /// `compile(_:)` for a graph with loops: the program of the nodes `outputs` need, each loop
    /// compiled with its body as a program of its own (recursively for nested loops). `leaves`
    /// names the nodes that are the program's inputs when compiling a body (the placeholders and
    /// parameters); at the top level the graph's named inputs are.
    func compileWithLoops(_ outputs: [Int32], leaves: [Int32: String] = [:]) -> TensorProgram<Scalar> {
        var live = [Bool](repeating: false, count: nodes.count)
        for o in outputs { live[Int(o)] = true }
        let top = outputs.map(Int.init).max() ?? -1
        for i in stride(from: top, through: 0, by: -1) where live[i] && leaves[Int32(i)] == nil {
            if let role = loopState.roles[Int32(i)] {
                guard let l = role.producingLoop else {
                    requirementFailed("Nabla: a TensorGraph loop's placeholder (node \(i)) is read outside its body")
                }
                for operand in readOperands(of: l) { live[Int(operand)] = true }
                continue
            }
            let node = nodes[i]
            if node.operation.arity >= 1 { live[Int(node.x)] = true }
            if node.operation.arity == 2 { live[Int(node.y)] = true }
        }
        var slotOf = [Int32](repeating: -1, count: nodes.count)
        var steps: [TensorProgram<Scalar>.Step] = []
        var shapes: [Shape] = []
        var inputs: [(name: String, shape: Shape, slot: Int32)] = []
        var runner: [Int: Int32] = [:]   // loop → the step that runs it
        var loopOrder: [Int] = []
        for i in 0..<(top + 1) where live[i] {
            let node = nodes[i]
            slotOf[i] = Int32(steps.count)
            shapes.append(node.shape)
            if let name = leaves[Int32(i)] ?? (leaves.isEmpty ? node.name : nil) {
                inputs.append((name, node.shape, slotOf[i]))
                steps.append(.init(operation: .leaf, x: -1, y: -1, constant: nil, isInput: true))
                continue
            }
            if let l = loopState.roles[Int32(i)]?.producingLoop {
                var step = TensorProgram<Scalar>.Step(operation: .leaf, x: -1, y: -1, constant: nil, isInput: false)
                if runner[l] == nil {
                    runner[l] = slotOf[i]
                    loopOrder.append(l)
                } else {
                    step.isFused = true   // written by the loop's run
                }
                steps.append(step)
                continue
            }
            steps.append(.init(operation: node.operation, x: node.x >= 0 ? slotOf[Int(node.x)] : -1,
                               y: node.y >= 0 ? slotOf[Int(node.y)] : -1, constant: node.constant, isInput: false))
        }
        var loops: [CompiledTensorLoop<Scalar>] = []
        for l in loopOrder {
            steps[Int(runner[l]!)].loop = Int32(loops.count)
            loops.append(compileLoop(l, live: live, slotOf: slotOf))
        }
        let outputSlots = outputs.map { slotOf[Int($0)] }
        return TensorProgram(fusing: steps, shapes: shapes, inputs: inputs, outputs: outputSlots, loops: loops)
    }

    /// The operands a run of loop `l` reads: all but the sequences whose elements its body does
    /// not read (a backward loop's stored values that no pullback needed).
    private func readOperands(of l: Int) -> [Int32] {
        let loop = loopState.loops[l]
        return loop.initial + loop.captures + (loop.guardNode >= 0 ? [loop.guardNode] : [])
            + loop.sequenceInputs.indices.filter { readsElement(loop.elements[$0], of: l) }.map { loop.sequenceInputs[$0] }
    }

    /// Whether the body of loop `l` reads its element placeholder `element`.
    private func readsElement(_ element: Int32, of l: Int) -> Bool {
        let loop = loopState.loops[l]
        if loop.carryOut.contains(element) || loop.perStepOut.contains(element) || loop.condition == element { return true }
        for i in loop.bodyNodes {
            let node = nodes[i]
            if node.operation.arity >= 1 && node.x == element { return true }
            if node.operation.arity == 2 && node.y == element { return true }
            if let custom = customFunctions[Int32(i)], custom.inputs.contains(element) { return true }
            if i > loop.bodyNodes.lowerBound, let inner = loopState.startingAt[Int32(i)],
               loopState.loops[inner].operands.contains(element) { return true }
        }
        return false
    }

    /// Loop `l` compiled for a program whose live nodes are `live`, at slots `slotOf`.
    private func compileLoop(_ l: Int, live: [Bool], slotOf: [Int32]) -> CompiledTensorLoop<Scalar> {
        let loop = loopState.loops[l]
        let liveSequences = loop.sequences.indices.filter { live[Int(loop.sequences[$0])] }
        let bodyOutputs = loop.carryOut + liveSequences.map { loop.perStepOut[$0] } + (loop.condition >= 0 ? [loop.condition] : [])
        var leaves: [Int32: String] = [loop.step: "step"]
        var feedOf: [String: CompiledTensorLoop<Scalar>.Feed] = ["step": .step]
        for (k, c) in loop.carryIn.enumerated() { leaves[c] = "carry \(k)"; feedOf["carry \(k)"] = .carry(k) }
        for (j, e) in loop.elements.enumerated() { leaves[e] = "element \(j)"; feedOf["element \(j)"] = .element(j) }
        for (p, c) in loop.captures.enumerated() { leaves[c] = "parameter \(p)"; feedOf["parameter \(p)"] = .capture(p) }
        let body = compileWithLoops(bodyOutputs, leaves: leaves)
        var sequenceSlots = [Int32](repeating: -1, count: liveSequences.count)
        for (n, j) in liveSequences.enumerated() { sequenceSlots[n] = slotOf[Int(loop.sequences[j])] }
        return CompiledTensorLoop(count: loop.count, reversed: loop.reversed, body: body,
                                  feeds: body.inputs.map { feedOf[$0.name]! }, carryCount: loop.carryIn.count,
                                  initialSlots: loop.initial.map { slotOf[Int($0)] }, captureSlots: loop.captures.map { slotOf[Int($0)] },
                                  sequenceInputSlots: loop.sequenceInputs.indices.map {
                                      readsElement(loop.elements[$0], of: l) ? slotOf[Int(loop.sequenceInputs[$0])] : -1
                                  },
                                  guardSlot: loop.guardNode >= 0 ? slotOf[Int(loop.guardNode)] : -1,
                                  runsWhenGuardPositive: loop.runsWhenGuardPositive,
                                  resultSlots: loop.results.map { slotOf[Int($0)] }, sequenceSlots: sequenceSlots,
                                  sequenceShapes: liveSequences.map { nodes[Int(loop.sequences[$0])].shape },
                                  conditionOutput: loop.condition >= 0 ? bodyOutputs.count - 1 : -1)
    }
}
