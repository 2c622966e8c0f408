import Nabla

extension Script {
    /// The estimated operations of evaluating the script to `order`
    /// (``PlaygroundLimits/estimatedOperations(of:inputs:order:)``).
    func estimatedOperations(order: Int) -> Double {
        // The counts of the loops around each statement: a loop's statements are a range of
        // indices, nested loops' included, and loops nest at most 16 deep, so this is linear.
        var loopCounts = [[Int]](repeating: [], count: statements.count)
        for loop in loops {
            for k in loop.statements { loopCounts[k].append(loop.count) }
        }
        let steps = zip(statements, loopCounts).lazy.map { (steps: $0.steps.count, loopCounts: $1) }
        return PlaygroundLimits.estimatedOperations(of: steps, inputs: inputs.count, order: order)
    }
}
