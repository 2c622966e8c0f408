// Loops in a static graph (work in progress: the body is unrolled for now).

extension Graph {
    /// A loop of a fixed count with carried values, as JAX's `fori_loop`:
    /// `for step in 0..<count { carries = body(step, carries) }`, returning the final carries.
    ///
    /// - Parameters:
    ///   - count: the number of steps (≥ 0; zero steps return `initial`).
    ///   - initial: the carries' values before the first step.
    ///   - body: one step: from the step's index (0, 1, …, as a number) and the carries, the next
    ///     carries, as many as `initial`.
    public func loop(count: Int, carrying initial: [Symbol],
                     _ body: (_ step: Symbol, _ carries: [Symbol]) -> [Symbol]) -> [Symbol] {
        require(count >= 0, "Nabla: loop(count:) needs a count ≥ 0, got \(count)")
        var carries = initial
        for step in 0..<count {
            let next = body(constant(Double(step)), carries)
            require(next.count == carries.count,
                    "Nabla: a loop's body returned \(next.count) carries, expected \(carries.count)")
            carries = next
        }
        return carries
    }

    /// A loop of a fixed count with one carried value: `for step in 0..<count { x = body(step, x) }`.
    public func loop(count: Int, carrying initial: Symbol, _ body: (_ step: Symbol, _ carry: Symbol) -> Symbol) -> Symbol {
        loop(count: count, carrying: [initial]) { step, carries in [body(step, carries[0])] }[0]
    }
}
