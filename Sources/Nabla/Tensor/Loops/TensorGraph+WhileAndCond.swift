// While loops and branches of a static tensor graph, as loops (TensorGraphLoop.swift): a while
// loop is a loop with a condition node in its body and its bound as its count; each branch of
// `cond` is a loop of one step guarded by the predicate.

extension TensorGraph {
    /// A loop that goes on while `condition` of the carries is > 0, as JAX's `while_loop`:
    /// `while condition(carries) > 0 { carries = body(carries) }`, returning the final carries.
    ///
    /// Both closures are called once and recorded. `condition` must return a rank-0 symbol (or
    /// one of a single element), and `body` carries of the same shapes as `initial`; a mismatch is
    /// the graph's error (thrown by ``check()`` and ``compile(_:)``). A run that reaches
    /// `maxIterations` steps with the condition still > 0 throws
    /// ``TensorProgramError/iterationLimit(limit:)`` (never a hang).
    ///
    /// Forward mode (``jvp(of:wrt:along:)``) goes through it; reverse mode does not, as in JAX
    /// (the number of steps is not known when the backward loop is built): ``gradients(of:wrt:)``
    /// through it throws a `TensorShapeError` saying so; use `loop(count:carrying:_:)` for that.
    public func whileLoop(carrying initial: [TensorSymbol<Scalar>], maxIterations: Int = 1_000_000,
                          condition: (_ carries: [TensorSymbol<Scalar>]) -> TensorSymbol<Scalar>,
                          body: (_ carries: [TensorSymbol<Scalar>]) -> [TensorSymbol<Scalar>]) -> [TensorSymbol<Scalar>] {
        require(maxIterations >= 0, "Nabla: TensorGraph.whileLoop(maxIterations:) needs a limit ≥ 0, got \(maxIterations)")
        require(initial.allSatisfy { $0.graph === self }, "Nabla: TensorGraph.whileLoop was given symbols of another graph")
        let index = beginLoop(name: "whileLoop", count: maxIterations, reversed: false, initial: initial.map(\.id), sequenceInputs: [])
        let carries = loopState.loops[index].carryIn.map(symbol)
        let test = condition(carries)
        let next = body(carries)
        require(test.graph === self && next.allSatisfy { $0.graph === self }, "Nabla: a whileLoop's closures returned symbols of another graph")
        if test.shape.count != 1 {
            record(TensorShapeError(operation: "whileLoop condition", shapes: [test.shape],
                                    reason: "the condition must be a single number (rank 0), got shape \(test.shape)"))
        }
        loopState.loops[index].condition = test.id
        endLoop(index, carryOut: checkedCarries(next, of: index), perStepOut: [])
        return loopState.loops[index].results.map(symbol)
    }

    /// `then()` where `predicate` > 0, else `otherwise()`, as JAX's `lax.cond`: each branch is
    /// recorded once, and a run computes only the branch taken (a NaN or ∞ in the other cannot
    /// reach the result). `predicate` is a single number (rank 0); both branches return as many
    /// values, of the same shapes (a mismatch is the graph's error). Each result is the taken
    /// branch's value plus the other's, which is zero when not taken. Differentiable in both
    /// modes, to any order: the derivative of the branch taken (none flows into the predicate).
    public func cond(_ predicate: TensorSymbol<Scalar>, then: () -> [TensorSymbol<Scalar>],
                     else otherwise: () -> [TensorSymbol<Scalar>]) -> [TensorSymbol<Scalar>] {
        require(predicate.graph === self, "Nabla: TensorGraph.cond was given a predicate of another graph")
        if predicate.shape.count != 1 {
            record(TensorShapeError(operation: "cond predicate", shapes: [predicate.shape],
                                    reason: "the predicate must be a single number (rank 0), got shape \(predicate.shape)"))
        }
        let taken = branch(predicate, whenPositive: true, then)
        let other = branch(predicate, whenPositive: false, otherwise)
        guard taken.count == other.count else {
            record(TensorShapeError(operation: "cond", shapes: [],
                                    reason: "the branches return \(taken.count) and \(other.count) values"))
            return taken
        }
        for (k, (a, b)) in zip(taken, other).enumerated() where a.shape != b.shape {
            record(TensorShapeError(operation: "cond, value \(k)", shapes: [a.shape, b.shape],
                                    reason: "the branches return values of different shapes"))
        }
        return zip(taken, other).map { $0 + $1 }
    }

    /// One branch of ``cond(_:then:else:)``: a loop of one step, guarded by the predicate,
    /// carrying one value per result from zero (its result where the branch is not taken).
    private func branch(_ predicate: TensorSymbol<Scalar>, whenPositive: Bool, _ body: () -> [TensorSymbol<Scalar>]) -> [TensorSymbol<Scalar>] {
        let index = beginLoop(name: "cond", count: 1, reversed: false, initial: [], sequenceInputs: [])
        loopState.loops[index].guardNode = predicate.id
        loopState.loops[index].runsWhenGuardPositive = whenPositive
        let values = body()
        require(values.allSatisfy { $0.graph === self }, "Nabla: a cond branch returned symbols of another graph")
        // The carries' placeholders (which the body does not read) once their shapes are known.
        for (k, value) in values.enumerated() {
            loopState.loops[index].carryIn.append(appendLoopValue(.carry(index, k), shape: value.shape))
            loopState.loops[index].initial.append(constant(NDArray.zeros(value.shape)).id)
        }
        endLoop(index, carryOut: values.map(\.id), perStepOut: [])
        return loopState.loops[index].results.map(symbol)
    }
}
