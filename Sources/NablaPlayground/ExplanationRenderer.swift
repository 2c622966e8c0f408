// The playground of `nabla serve`: the interactive explanation page of `nabla explain --html`,
// redrawn as the user types.
import Nabla

extension Playground {
    /// The playground `nabla serve` runs: each answer is the JSON of `Explanation`
    /// (`nabla grad --json`'s object, extended with the derivation, the notes on zero gradients
    /// and the three views with their steps), drawn by ``PlaygroundRenderer/explanation``: the
    /// graph, the forward and backward passes step by step, the inspector and, at order 2, the
    /// Hessian. A program with a loop is answered with an error (an explanation shows every
    /// step), as `nabla explain` answers it.
    public static let explanation = Playground(explain: { request in
        try request.script.explanation(at: request.at, output: request.output, order: request.order).json
    }, renderer: .explanation)
}

extension PlaygroundRenderer {
    /// The explanation page's renderer (`NablaExplain.render`, the same script and style as
    /// `nabla explain --html` writes), in an answer area as tall as the window allows. Drawing
    /// a new answer keeps the view and the step the user was on, so that typing shows the
    /// values change where they were being read.
    public static let explanation = PlaygroundRenderer(
        stylesheet: ExplanationPage.stylesheet + """

            #playground-answer { height: max(34rem, calc(100vh - 17rem)); padding: 0; overflow: hidden; }
            """,
        script: ExplanationPage.script,
        function: "NablaExplain.render")
}
